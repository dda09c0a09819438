/**
 * Publishes `af.runs.requested` for each workflow a trigger fired, and records every fired and
 * skipped workflow (`ingress_trigger_outcomes`). Run ids are derived from what started the run, so
 * the same trigger seen twice (a redelivered message, the reconciler after the webhook) asks for
 * the same run and JetStream drops the copy.
 */
import { createHash } from 'node:crypto';
import type {
  ChangeRef,
  CiArtifactRef,
  RolloutMode,
  RunRequested,
  Topology,
  WorkflowPlan,
} from '@agentflow/contracts';
import type { Messenger } from '@agentflow/bus';
import type { SqlDatabase } from '@agentflow/store';

/** What started the runs: a webhook delivery, a CI API call, or a reconciler pass. */
export interface TriggerSource {
  kind: 'webhook' | 'api' | 'reconciler';
  /** Delivery id, API request id, or reconciler key. */
  id: string;
}

export interface RunRequestInput {
  source: TriggerSource;
  change: ChangeRef;
  /** `pull_request.opened`, `issue_comment:/agentflow review`, `manual`, `reconciler`. */
  trigger: string;
  /**
   * What makes this request distinct from another for the same commit and workflow: `pr` for
   * automatic PR reviews (a webhook and the reconciler then ask for the same run), the comment id
   * for commands, the request id for API calls.
   */
  triggerKey: string;
  fired: WorkflowPlan[];
  skipped: Array<{ workflow: string; reason: string }>;
  rollout: RolloutMode;
  dataClass: string;
  /** The paying team from the settings (`TriggerDecision.team`). */
  team?: string;
  /** The project from the settings. @default the repository */
  project?: string;
  previousHeadSha?: string;
  /** Reports CI uploaded with the request, already in the object store. */
  ciArtifacts?: CiArtifactRef[];
}

export interface RequestedRun {
  runId: string;
  workflow: string;
}

/** A run id safe in NATS subjects (no dots or wildcards). */
export function runIdFor(change: ChangeRef, workflow: string, triggerKey: string): string {
  const key = [change.platform, change.repo, change.pr ?? '-', change.headSha, workflow, triggerKey].join(
    '|',
  );
  return `r${createHash('sha256').update(key).digest('hex').slice(0, 31)}`;
}

export class RunRequester {
  constructor(
    private readonly db: SqlDatabase,
    private readonly messenger: Messenger,
    private readonly topology: Topology,
  ) {}

  async request(input: RunRequestInput): Promise<RequestedRun[]> {
    const runs: RequestedRun[] = [];
    for (const plan of input.fired) {
      const runId = runIdFor(input.change, plan.id, input.triggerKey);
      const body: RunRequested = {
        runId,
        change: input.change,
        plan,
        trigger: input.trigger,
        deliveryId: input.source.kind === 'webhook' ? input.source.id : undefined,
        attribution: {
          ...(input.team ? { team: input.team } : {}),
          project: input.project ?? input.change.repo,
          repo: input.change.repo,
          workflow: plan.id,
          runId,
          service: 'ingress',
        },
        previousHeadSha: input.previousHeadSha,
        rollout: input.rollout,
        dataClass: input.dataClass,
        ...(input.ciArtifacts?.length ? { ciArtifacts: input.ciArtifacts } : {}),
      };
      // The row first: GET /api/runs/:id answers as soon as the request is accepted.
      await this.db.query(
        `INSERT INTO runs (id, workflow, platform, repo, pr, head_sha, base_sha, trigger, delivery_id, team, project, rollout)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
        [
          runId,
          plan.id,
          input.change.platform,
          input.change.repo,
          input.change.pr ?? null,
          input.change.headSha,
          input.change.baseSha ?? null,
          input.trigger,
          body.deliveryId ?? null,
          body.attribution.team ?? null,
          body.attribution.project,
          input.rollout,
        ],
      );
      await this.messenger.emit(this.topology.subjects.runsRequested, 'run.requested', body, {
        runId,
        msgId: `run-requested:${runId}`,
      });
      await this.recordOutcome(input, plan.id, 'fired', runId, null);
      runs.push({ runId, workflow: plan.id });
    }
    for (const skip of input.skipped)
      await this.recordOutcome(input, skip.workflow, 'skipped', null, skip.reason);
    return runs;
  }

  /**
   * The runs of a pull/merge request not yet finished, from the `runs` table: every replica of the
   * ingress writes a run's row before publishing its request, and the notifier moves it to a final
   * status, so this sees the runs of every coordinator replica (and those still queued in an outage
   * backlog) without asking any of them.
   */
  async unfinishedRuns(platform: ChangeRef['platform'], repo: string, pr: number): Promise<RequestedRun[]> {
    const { rows } = await this.db.query<{ id: string; workflow: string }>(
      `SELECT id, workflow FROM runs WHERE platform = $1 AND repo = $2 AND pr = $3 AND status IN ('requested', 'running') ORDER BY requested_at, id`,
      [platform, repo, pr],
    );
    return rows.map((r) => ({ runId: r.id, workflow: r.workflow }));
  }

  /** Records a skip that no workflow evaluation produced (enrichment failed, no permission). */
  async recordSkip(
    input: Pick<RunRequestInput, 'source' | 'change' | 'trigger'>,
    reason: string,
    workflow = '*',
  ): Promise<void> {
    await this.recordOutcome({ ...input }, workflow, 'skipped', null, reason);
  }

  private async recordOutcome(
    input: Pick<RunRequestInput, 'source' | 'change' | 'trigger'>,
    workflow: string,
    outcome: 'fired' | 'skipped',
    runId: string | null,
    reason: string | null,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO ingress_trigger_outcomes (source, source_id, workflow, outcome, run_id, reason, platform, repo, pr, head_sha, trigger)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (source, source_id, workflow) DO NOTHING`,
      [
        input.source.kind,
        input.source.id,
        workflow,
        outcome,
        runId,
        reason,
        input.change.platform,
        input.change.repo,
        input.change.pr ?? null,
        input.change.headSha || null,
        input.trigger,
      ],
    );
  }
}
