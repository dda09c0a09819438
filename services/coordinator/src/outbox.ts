/**
 * Publishes a run's pending commands. Every publish carries the command's deterministic msg id, so
 * publishing the same outbox twice (after a crash, or by the sweeper racing an event) stores
 * each message once.
 */
import { RevisionConflictError, type MessageBus, type Messenger } from '@agentflow/bus';
import { HEADERS, type RunCancel, type Topology } from '@agentflow/contracts';
import type { RunCommand } from '@agentflow/run-actor';
import type { CrossRunIndex } from './cross-run';
import type { AppendHistoryCommand, RunRecord } from './run-store';

const encoder = new TextEncoder();

export class HistoryForkError extends Error {
  constructor(subject: string, expected: number) {
    super(
      `${subject}: another entry was appended after sequence ${expected}; two writers applied events to one run, which compare-and-set should prevent`,
    );
    this.name = 'HistoryForkError';
  }
}

/** Applies a cancel to another run before its agents hear of it (see `cancelRun` below). */
export type SupersedeRun = (runId: string, cancel: RunCancel) => Promise<void>;

export class OutboxPublisher {
  /** Set by the coordinator once its processor exists. */
  supersede?: SupersedeRun;

  constructor(
    private readonly bus: MessageBus,
    private readonly messenger: Messenger,
    private readonly topology: Topology,
    private readonly crossRun: CrossRunIndex,
  ) {}

  /** Publishes every pending command of the record; returns the run's history sequence afterwards. */
  async publish(record: RunRecord): Promise<number> {
    let historySeq = record.historySeq;
    const ends: RunCommand[] = [];
    const others: Array<Promise<unknown>> = [];
    const progress: RunCommand[] = [];
    for (const command of record.pending) {
      if (command.type === 'appendHistory')
        historySeq = await this.appendHistory(record.state.runId, command, historySeq);
    }
    for (const command of record.pending) {
      if (command.type === 'appendHistory') continue;
      if (command.type === 'completeRun' || command.type === 'failRun') ends.push(command);
      else if (command.type === 'publishProgress') progress.push(command);
      else others.push(this.execute(command, record));
    }
    // Progress keeps its order on the subject; the end of the run goes out after everything else.
    others.push(
      (async () => {
        for (const p of progress) await this.execute(p, record);
      })(),
    );
    await Promise.all(others);
    for (const end of ends) await this.execute(end, record);
    return historySeq;
  }

  private async appendHistory(
    runId: string,
    command: AppendHistoryCommand,
    expected: number,
  ): Promise<number> {
    const subject = this.topology.subjects.history(runId);
    const data = encoder.encode(JSON.stringify({ index: command.index, event: command.event }));
    try {
      const ack = await this.bus.publish(subject, data, {
        msgId: command.msgId,
        expectedLastSubjectSequence: expected,
        headers: { [HEADERS.messageType]: 'run.event' },
      });
      return ack.seq;
    } catch (error) {
      if (!(error instanceof RevisionConflictError)) throw error;
      // Already appended by an earlier attempt whose sequence was never recorded (a crash before the clear).
      const last = await this.bus.lastOnSubject(this.topology.streams.history.name, subject);
      const lastId =
        last &&
        Object.entries(last.headers).find(([k]) => k.toLowerCase() === HEADERS.msgId.toLowerCase())?.[1];
      if (last && lastId === command.msgId) return last.seq;
      throw new HistoryForkError(subject, expected);
    }
  }

  private async execute(command: RunCommand, record: RunRecord): Promise<void> {
    const s = this.topology.subjects;
    const runId = record.state.runId;
    switch (command.type) {
      case 'publishTask':
        await this.messenger.emit(s.tasks(command.agentType), 'task.requested', command.task, {
          runId,
          msgId: command.msgId,
          attempt: command.task.attempt,
        });
        return;
      case 'startTimer':
        await this.messenger.emit(s.timers(runId), 'timer.due', command.timer, {
          runId,
          msgId: command.msgId,
        });
        return;
      case 'publishProgress':
        await this.messenger.emit(s.runProgress(runId), 'run.progress', command.progress, {
          runId,
          msgId: command.msgId,
        });
        return;
      case 'notify':
        await this.messenger.emit(s.notify('alert'), 'notify.alert', command.alert, {
          runId,
          msgId: command.msgId,
        });
        return;
      case 'cancelRun':
        // Another run being superseded ends first, so a result its agent sends on hearing the
        // cancel finds the run over and is discarded, never taken as the run's last word.
        if (command.cancel.runId !== runId && this.supersede)
          await this.supersede(command.cancel.runId, command.cancel);
        await this.messenger.emit(s.runCancel(command.cancel.runId), 'run.cancel', command.cancel, {
          runId: command.cancel.runId,
          msgId: command.msgId,
        });
        return;
      case 'awaitOutsideEvent': {
        const seen = await this.crossRun.awaitCi(command.ci, {
          runId: command.runId,
          stepId: command.stepId,
          attempt: command.attempt,
        });
        // CI may have finished before the wait was registered: hand the result in again.
        for (const [i, event] of seen.entries()) {
          await this.messenger.emit(s.ci(event.platform), 'ci.event', event, {
            runId,
            msgId: `${command.msgId}:replay:${i}`,
          });
        }
        return;
      }
      case 'completeRun':
        await this.crossRun.recordReview(command.report, record.requestSeq, command.report.finishedAt);
        await this.messenger.emit(
          s.runCompleted(runId),
          'run.completed',
          { report: command.report },
          { runId, msgId: command.msgId },
        );
        return;
      case 'failRun':
        await this.messenger.emit(s.runFailed(runId), 'run.failed', command.failure, {
          runId,
          msgId: command.msgId,
        });
        return;
    }
  }
}
