/**
 * `finding.dismissed` -> the latest finished run of each workflow on that PR judged again without
 * the dismissed findings, and delivered as a `gate-reassessment` to the code-host sinks through the
 * dispatcher (so the ledger makes a redelivered dismissal change nothing more).
 */
import { dismissalCovers, TransientError, type FindingDismissed, type RunReport } from '@agentflow/contracts';
import type { SqlDatabase } from '@agentflow/store';
import type { NotificationDispatcher, SinkOutcome } from '../dispatcher';
import type { DeliveryLedger } from '../ledger/delivery-ledger';
import type { PostedStore } from '../sinks/posted-store';
import type { Sink } from '../sinks/sink';
import { regate, type Dismisser } from './regate';

/** How long a dismissal waits when the run's own result is still being posted. */
const RESULT_IN_FLIGHT_RETRY_MS = 2000;

interface FinishedRun {
  id: string;
  workflow: string;
  status: string;
  report: RunReport;
}

export interface GateReassessorDeps {
  db: SqlDatabase;
  posted: PostedStore;
  ledger: DeliveryLedger;
  dispatcher: NotificationDispatcher;
  /** The sinks the dispatcher delivers to: their targets find the run's own result delivery. */
  sinks: Sink[];
  /** The bus's deliveries of one message (`NOTIFIER_MAX_ATTEMPTS`): the last one stops waiting for a result in flight. */
  maxAttempts: number;
}

export class GateReassessor {
  constructor(private readonly deps: GateReassessorDeps) {}

  /** Reassesses every workflow's latest finished run on the dismissal's PR; `deliveryCount` as the bus counts it. */
  async onDismissal(d: FindingDismissed, deliveryCount: number): Promise<SinkOutcome[]> {
    const runs = await this.latestFinishedRuns(d);
    if (runs.length === 0) return [];
    const dismisserOf = await this.dismissers(d);
    const outcomes: SinkOutcome[] = [];
    for (const run of runs) {
      // A run that did not finish shows a neutral check: nothing is blocked, nothing to clear.
      if (run.status !== 'completed') continue;
      const regated = regate(run.report, dismisserOf);
      if (!regated) continue;
      if (deliveryCount < this.deps.maxAttempts) await this.afterTheResult(run.report);
      outcomes.push(
        ...(await this.deps.dispatcher.dispatch({ kind: 'gate-reassessment', regated }, deliveryCount)),
      );
    }
    return outcomes;
  }

  /** Latest by finish time per workflow; its head is checked against the PR's head by the sink. */
  private async latestFinishedRuns(d: FindingDismissed): Promise<FinishedRun[]> {
    const { rows } = await this.deps.db.query<{
      id: string;
      workflow: string;
      status: string;
      report: RunReport | string;
    }>(
      `SELECT DISTINCT ON (workflow) id, workflow, status, report FROM runs
        WHERE platform = $1 AND repo = $2 AND pr = $3 AND finished_at IS NOT NULL AND report IS NOT NULL
        ORDER BY workflow, finished_at DESC, updated_at DESC`,
      [d.platform, d.repo, d.pr],
    );
    return rows.map((r) => ({
      id: r.id,
      workflow: r.workflow,
      status: r.status,
      report: typeof r.report === 'string' ? (JSON.parse(r.report) as RunReport) : r.report,
    }));
  }

  /** Who dismissed each fingerprint: the recorded dismissals, this message (its row may be another replica's), `findings.state`. */
  private async dismissers(d: FindingDismissed): Promise<(fingerprint: string) => Dismisser | undefined> {
    const pr = { platform: d.platform, repo: d.repo, pr: d.pr };
    const rows = await this.deps.posted.dismissals(pr);
    const byState = await this.deps.posted.dismissed(pr);
    const fromMessage: Dismisser = {
      by: d.by ?? 'unknown',
      source: d.reason === 'command' ? 'command' : 'reaction',
    };
    return (fingerprint) => {
      const row = rows.find((r) => dismissalCovers(r.fingerprintPrefix, fingerprint));
      if (row) return { by: row.by, source: row.source };
      if (dismissalCovers(d.fingerprint, fingerprint)) return fromMessage;
      return byState(fingerprint) ? { by: 'unknown', source: 'state' } : undefined;
    };
  }

  /**
   * The run's result may still be on its way to the code host (the database row is written in
   * parallel): judging now would find no check run yet and the result would then post the old
   * conclusion. Waits (a retryable error: the bus redelivers) until it is settled.
   */
  private async afterTheResult(report: RunReport): Promise<void> {
    for (const sink of this.deps.sinks) {
      const target = sink.target({ kind: 'completed', report });
      if (!target || sink.name === 'database' || sink.name === 'slack') continue;
      const state = await this.deps.ledger.state({
        sink: sink.name,
        target,
        runId: report.runId,
        kind: 'completed',
      });
      if (state === 'claimed') {
        throw new TransientError(
          `run ${report.runId}'s result is still being posted to ${target}; the dismissal is judged after it`,
          { retryAfterMs: RESULT_IN_FLIGHT_RETRY_MS },
        );
      }
    }
  }
}
