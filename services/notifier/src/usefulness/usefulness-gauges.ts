/**
 * The usefulness measures (libs/store/src/usefulness.ts) as Prometheus gauges, read from the store
 * on an interval rather than on scrape: five grouped queries over the window's findings are too
 * heavy for every scrape of every replica, and the measures move by the hour, not the second.
 * Every replica exports the same values (they read one database); aggregate with `max by`.
 */
import {
  USEFULNESS_GROUPS,
  usefulnessReport,
  type SqlExecutor,
  type UsefulnessReport,
} from '@agentflow/store';
import { metrics } from '@agentflow/telemetry';
import { Periodic } from '../periodic';

export interface UsefulnessGaugeOptions {
  db: SqlExecutor;
  /** `NOTIFIER_USEFULNESS_REFRESH_MS`; 0 turns the gauges off. */
  intervalMs: number;
  /** `NOTIFIER_USEFULNESS_WINDOW_DAYS`: findings first posted within this many days are measured. */
  windowDays: number;
  log: { warn(message: string): void };
  /** @default () => new Date() */
  now?: () => Date;
}

const RATES = [
  ['acted_on', 'actedOnRate'],
  ['dismissed', 'dismissalRate'],
  ['ignored', 'ignoredRate'],
  ['thread_resolved', 'resolvedRate'],
] as const;
const SAMPLES = [
  ['findings', 'findings'],
  ['at_merge', 'atMerge'],
  ['comments', 'comments'],
  ['pull_requests', 'pullRequests'],
] as const;

export class UsefulnessGauges {
  private readonly periodic: Periodic;

  constructor(private readonly o: UsefulnessGaugeOptions) {
    this.periodic = new Periodic(() => this.refreshOnce(), {
      intervalMs: o.intervalMs,
      immediately: true,
      failure: 'refreshing the usefulness gauges failed, they keep their last values',
      log: o.log,
    });
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** Reads every grouping, then replaces the gauges' series in one go (a group gone from the window disappears). */
  async refreshOnce(): Promise<UsefulnessReport[]> {
    const since = new Date((this.o.now ?? (() => new Date()))().getTime() - this.o.windowDays * 86_400_000);
    const reports: UsefulnessReport[] = [];
    for (const by of USEFULNESS_GROUPS) reports.push(await usefulnessReport(this.o.db, { by, since }));
    // No await from here on: a scrape sees either the old series or the new ones, never none.
    metrics.usefulnessRate.reset();
    metrics.usefulnessCommentsPerPullRequest.reset();
    metrics.usefulnessSample.reset();
    for (const report of reports) {
      for (const row of report.rows) {
        const labels = { by: report.by, group: row.key };
        for (const [measure, field] of RATES) {
          const value = row[field];
          if (value !== null) metrics.usefulnessRate.set({ ...labels, measure }, value);
        }
        if (row.commentsPerPullRequest !== null)
          metrics.usefulnessCommentsPerPullRequest.set(labels, row.commentsPerPullRequest);
        for (const [sample, field] of SAMPLES)
          metrics.usefulnessSample.set({ ...labels, sample }, row[field]);
      }
    }
    return reports;
  }
}
