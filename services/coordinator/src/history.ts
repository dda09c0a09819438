/** Reads a run's history (`af.history.<runId>`) back, for replay and audit. */
import type { MessageBus } from '@agentflow/bus';
import type { Topology } from '@agentflow/contracts';
import type { RunEvent } from '@agentflow/run-actor';

export interface HistoryEntry {
  /** 1-based position in the run's history. */
  index: number;
  event: RunEvent;
  /** Stream sequence. */
  seq: number;
}

export async function readRunHistory(
  bus: MessageBus,
  topology: Topology,
  runId: string,
): Promise<HistoryEntry[]> {
  const messages = await bus.readSubject(topology.streams.history.name, topology.subjects.history(runId));
  return messages.map((m) => {
    const body = JSON.parse(new TextDecoder().decode(m.data)) as { index: number; event: RunEvent };
    return { index: body.index, event: body.event, seq: m.seq };
  });
}
