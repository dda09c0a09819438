/**
 * Agents for tests of the coordinator: one consumer on `af.tasks.>` that runs a script per task,
 * records when each attempt started and ended (and the task it received), watches the runs'
 * cancel subjects like real agents do, and answers on `af.results.<runId>`.
 */
import type { ConsumerHandle, MessageBus, Messenger, ServiceHandle } from '@agentflow/bus';
import {
  HEADERS,
  type AgentResult,
  type AgentTask,
  type ConsumerSpec,
  type RunCancel,
  type Topology,
} from '@agentflow/contracts';

/** What a scripted agent does with one task attempt. */
export type AgentScript =
  | { kind: 'answer'; delayMs?: number; result?: Partial<AgentResult> }
  /** Never answers by itself; stops when the run's cancel arrives, then (optionally) answers late. */
  | { kind: 'hang'; answerAfterCancel?: boolean };

export interface TaskRecord {
  msgId: string;
  streamSeq: number;
  task: AgentTask;
  startedAt: number;
  endedAt?: number;
  /** Set when the run's cancel reached the agent while it worked on this attempt. */
  cancelledAt?: number;
}

export class ScriptedAgents {
  readonly records: TaskRecord[] = [];
  readonly cancels: RunCancel[] = [];
  private consumer?: ConsumerHandle;
  private cancelSub?: ServiceHandle;
  private readonly waitingForCancel = new Map<string, Array<() => void>>();

  constructor(
    private readonly bus: MessageBus,
    private readonly messenger: Messenger,
    private readonly topology: Topology,
    private readonly script: (task: AgentTask) => AgentScript,
  ) {}

  async start(): Promise<void> {
    const t = this.topology;
    this.cancelSub = await this.bus.subscribe(t.subjects.runCancel('*'), (msg) => {
      const cancel = msg.json<{ body: RunCancel }>().body;
      this.cancels.push(cancel);
      for (const wake of this.waitingForCancel.get(cancel.runId) ?? []) wake();
      this.waitingForCancel.delete(cancel.runId);
    });
    const spec: ConsumerSpec = {
      stream: t.streams.tasks.name,
      durable: 'scripted-agents',
      filterSubject: `${t.prefix}.tasks.>`,
      ackWaitMs: 30_000,
      maxDeliver: 5,
      maxAckPending: 1000,
      backoffMs: [],
    };
    await this.bus.ensureConsumer(spec);
    this.consumer = await this.bus.consume(
      spec,
      async (msg) => {
        const env = await this.messenger.read(msg, 'task.requested');
        const task = env.body;
        const msgId =
          Object.entries(msg.headers).find(([k]) => k.toLowerCase() === HEADERS.msgId.toLowerCase())?.[1] ??
          '';
        const record: TaskRecord = { msgId, streamSeq: msg.info.streamSequence, task, startedAt: Date.now() };
        this.records.push(record);
        await msg.ack();
        void this.work(record).catch(() => undefined);
      },
      { concurrency: 32 },
    );
  }

  private async work(record: TaskRecord): Promise<void> {
    const { task } = record;
    const script = this.script(task);
    await this.messenger.emit(
      this.topology.subjects.results(task.runId),
      'task.started',
      {
        runId: task.runId,
        stepId: task.stepId,
        attempt: task.attempt,
        agentType: task.agentType,
        startedAt: record.startedAt,
      },
      { runId: task.runId, msgId: `${task.runId}:${task.stepId}:${task.attempt}:started` },
    );
    if (script.kind === 'hang') {
      await new Promise<void>((resolve) => {
        const list = this.waitingForCancel.get(task.runId) ?? [];
        list.push(resolve);
        this.waitingForCancel.set(task.runId, list);
      });
      record.cancelledAt = Date.now();
      record.endedAt = Date.now();
      if (script.answerAfterCancel) await this.answer(task, {});
      return;
    }
    if (script.delayMs) await new Promise((r) => setTimeout(r, script.delayMs));
    record.endedAt = Date.now();
    await this.answer(task, script.result ?? {});
  }

  private async answer(task: AgentTask, overrides: Partial<AgentResult>): Promise<void> {
    const result: AgentResult = {
      runId: task.runId,
      stepId: task.stepId,
      attempt: task.attempt,
      agentType: task.agentType,
      status: 'succeeded',
      findings: [],
      notReviewed: [],
      summary: `${task.stepId} attempt ${task.attempt}`,
      usage: {
        inputTokens: 100,
        outputTokens: 20,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0.001,
        vendorMs: 5,
        models: ['fake-model'],
      },
      ...overrides,
    } as AgentResult;
    await this.messenger.emit(this.topology.subjects.results(task.runId), 'task.result', result, {
      runId: task.runId,
      msgId: `${task.runId}:${task.stepId}:${task.attempt}:result`,
    });
  }

  /** Records of one run (optionally one step), in arrival order. */
  of(runId: string, stepId?: string): TaskRecord[] {
    return this.records.filter(
      (r) => r.task.runId === runId && (stepId === undefined || r.task.stepId === stepId),
    );
  }

  async stop(): Promise<void> {
    // Hanging agents are simply dropped: their runs are gone with the test's streams.
    this.waitingForCancel.clear();
    await this.consumer?.stop(2000);
    await this.cancelSub?.stop();
  }
}
