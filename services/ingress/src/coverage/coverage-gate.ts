/**
 * Coverage-gated workflows (`test_coverage: "< 80%"`) and CI's coverage upload (ADR 0082). A
 * pull-request webhook arrives before CI has measured the head, so such a workflow cannot be
 * decided then: the ingress records a wait for it, bounded by `INGRESS_COVERAGE_WAIT_MS`. CI's
 * `POST /api/coverage` for that head decides every wait on it (fired, or skipped with the figure);
 * a wait nobody answers expires with a reason that says what to do. Coverage that arrives first is
 * kept per head and decides the condition when the webhook is matched.
 */
import { describeError, type ChangeRef, type Platform, type WorkflowPlan } from '@agentflow/contracts';
import type { SqlDatabase } from '@agentflow/store';
import type { NormalizedEvent } from '@agentflow/workflow';
import type { IngressLog } from '../log';
import type { RunRequester, TriggerSource } from '../runs/run-requester';
import type { TriggerMatcher } from '../trigger/trigger-matcher';

/** What a webhook's matching knew when it held a workflow for coverage. */
export interface CoverageHold {
  source: TriggerSource;
  change: ChangeRef;
  trigger: string;
  triggerKey: string;
  event: NormalizedEvent;
  previousHeadSha?: string;
  plans: WorkflowPlan[];
}

/** The outcome of one upload for the workflows that waited on it. */
export interface CoverageDecision {
  lineCoverage: number;
  runs: Array<{ runId: string; workflow: string }>;
  skipped: Array<{ workflow: string; reason: string }>;
}

interface WaitRow {
  platform: Platform;
  repo: string;
  head_sha: string;
  workflow: string;
  trigger_key: string;
  source: TriggerSource['kind'];
  source_id: string;
  trigger: string;
  change: ChangeRef | string;
  event: NormalizedEvent | string;
  previous_head_sha: string | null;
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function minutes(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

export class CoverageGate {
  constructor(
    private readonly deps: { db: SqlDatabase; matcher: TriggerMatcher; runs: RunRequester; log: IngressLog; waitMs: number; now?: () => Date },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The line coverage CI reported for a head, if it has. */
  async known(platform: Platform, repo: string, headSha: string): Promise<number | undefined> {
    const { rows } = await this.deps.db.query<{ line_coverage: string }>('SELECT line_coverage FROM ingress_coverage WHERE platform = $1 AND repo = $2 AND head_sha = $3', [platform, repo, headSha]);
    return rows[0] ? Number(rows[0].line_coverage) : undefined;
  }

  /** The reason recorded for a workflow that waits (the skip becomes a run or a final reason later). */
  waitingReason(headSha: string): string {
    return `waiting up to ${minutes(this.deps.waitMs)} for CI's coverage report of ${headSha.slice(0, 12)} (POST /api/coverage)`;
  }

  /** Records a wait per plan; a wait already recorded for the same trigger is kept as it is. */
  async hold(hold: CoverageHold): Promise<void> {
    const deadline = new Date(this.now().getTime() + this.deps.waitMs);
    for (const plan of hold.plans) {
      await this.deps.db.query(
        `INSERT INTO ingress_coverage_waits (platform, repo, head_sha, workflow, trigger_key, pr, source, source_id, trigger, change, event, previous_head_sha, deadline)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING`,
        [
          hold.change.platform, hold.change.repo, hold.change.headSha, plan.id, hold.triggerKey, hold.change.pr ?? null, hold.source.kind, hold.source.id, hold.trigger,
          JSON.stringify(hold.change), JSON.stringify(hold.event), hold.previousHeadSha ?? null, deadline,
        ],
      );
    }
  }

  /**
   * CI's coverage for a head: kept for later events, and every wait on that head decided with it.
   * A wait is claimed by one UPDATE, so two uploads (or two replicas) never start a run twice; a
   * failure to request the run puts the claim back and is thrown, so CI's retry decides it.
   */
  async report(platform: Platform, repo: string, headSha: string, lineCoverage: number, source: string): Promise<CoverageDecision> {
    await this.deps.db.query(
      `INSERT INTO ingress_coverage (platform, repo, head_sha, line_coverage, source) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (platform, repo, head_sha) DO UPDATE SET line_coverage = EXCLUDED.line_coverage, source = EXCLUDED.source, reported_at = now()`,
      [platform, repo, headSha, lineCoverage, source],
    );
    const claimed = await this.deps.db.query<WaitRow>(
      `UPDATE ingress_coverage_waits SET state = 'fired', settled_at = now()
       WHERE platform = $1 AND repo = $2 AND head_sha = $3 AND state = 'waiting' AND deadline > $4
       RETURNING platform, repo, head_sha, workflow, trigger_key, source, source_id, trigger, change, event, previous_head_sha`,
      [platform, repo, headSha, this.now()],
    );
    const decision: CoverageDecision = { lineCoverage, runs: [], skipped: [] };
    for (const wait of claimed.rows) {
      try {
        await this.decide(wait, lineCoverage, decision);
      } catch (error) {
        await this.deps.db.query(
          `UPDATE ingress_coverage_waits SET state = 'waiting', settled_at = NULL WHERE platform = $1 AND repo = $2 AND head_sha = $3 AND workflow = $4 AND trigger_key = $5`,
          [wait.platform, wait.repo, wait.head_sha, wait.workflow, wait.trigger_key],
        );
        this.deps.log.warn(`coverage for ${repo}@${headSha.slice(0, 12)}: ${wait.workflow} could not be started (${describeError(error)}); it waits again for CI's retry`);
        throw error;
      }
    }
    return decision;
  }

  private async decide(wait: WaitRow, lineCoverage: number, decision: CoverageDecision): Promise<void> {
    const change = json<ChangeRef>(wait.change);
    const event = { ...json<NormalizedEvent>(wait.event), coverage: lineCoverage };
    const at = { platform: change.platform, repo: change.repo, baseSha: change.baseSha, installationId: change.installationId, projectId: change.projectId };
    const matched = await this.deps.matcher.match(event, at);
    const plan = matched.fired.find((p) => p.id === wait.workflow);
    const source: TriggerSource = { kind: wait.source, id: wait.source_id };
    if (!plan) {
      const reason = matched.skipped.find((s) => s.workflow === wait.workflow)?.reason ?? `${wait.workflow} is no longer configured`;
      await this.settle(wait, source, 'skipped', reason, null);
      decision.skipped.push({ workflow: wait.workflow, reason });
      return;
    }
    const [run] = await this.deps.runs.request({
      source, change, trigger: wait.trigger, triggerKey: wait.trigger_key, fired: [plan], skipped: [], rollout: matched.rollout, dataClass: matched.dataClass, team: matched.team, project: matched.project,
      previousHeadSha: wait.previous_head_sha ?? undefined,
    });
    await this.settle(wait, source, 'fired', null, run.runId);
    decision.runs.push(run);
    this.deps.log.log(`coverage ${lineCoverage}% for ${change.repo}@${change.headSha.slice(0, 12)} started ${wait.workflow} -> ${run.runId}`);
  }

  /** Waits past their deadline, settled as skipped with a reason that says what to do. */
  async expire(): Promise<number> {
    const expired = await this.deps.db.query<WaitRow>(
      `UPDATE ingress_coverage_waits SET state = 'expired', settled_at = now() WHERE state = 'waiting' AND deadline <= $1
       RETURNING platform, repo, head_sha, workflow, trigger_key, source, source_id, trigger, change, event, previous_head_sha`,
      [this.now()],
    );
    for (const wait of expired.rows) {
      const reason = `no coverage report for ${wait.head_sha.slice(0, 12)} arrived within ${minutes(this.deps.waitMs)}: upload it from CI (POST /api/coverage), or set \`when_unknown: run\` on the test_coverage condition`;
      await this.settle(wait, { kind: wait.source, id: wait.source_id }, 'expired', reason, null);
      this.deps.log.warn(`${wait.repo}@${wait.head_sha.slice(0, 12)}: ${wait.workflow} skipped: ${reason}`);
    }
    return expired.rows.length;
  }

  private async settle(wait: WaitRow, source: TriggerSource, state: 'fired' | 'skipped' | 'expired', reason: string | null, runId: string | null): Promise<void> {
    await this.deps.db.query(
      `UPDATE ingress_coverage_waits SET state = $6, reason = $7, run_id = $8, settled_at = now()
       WHERE platform = $1 AND repo = $2 AND head_sha = $3 AND workflow = $4 AND trigger_key = $5`,
      [wait.platform, wait.repo, wait.head_sha, wait.workflow, wait.trigger_key, state, reason, runId],
    );
    // The trigger's recorded outcome said "waiting"; it now says what happened.
    await this.deps.db.query(
      `UPDATE ingress_trigger_outcomes SET outcome = $4, reason = $5, run_id = $6 WHERE source = $1 AND source_id = $2 AND workflow = $3`,
      [source.kind, source.id, wait.workflow, runId ? 'fired' : 'skipped', reason, runId],
    );
  }
}
