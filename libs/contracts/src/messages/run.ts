import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { Finding, NotReviewed, ProposedFile } from './finding';
import type { GateRule, WorkflowPlan } from '../plan';

export const PLATFORMS = ['github', 'gitlab', 'local'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The change a run is about: a pull/merge request at one head commit, or a local diff. */
export class ChangeRef {
  @IsIn(PLATFORMS)
  platform!: Platform;

  /** `owner/name` on GitHub, the project path on GitLab, a directory for local runs. */
  @IsString()
  @MinLength(1)
  repo!: string;

  /** Pull or merge request number; absent for pushes, schedules and local runs. */
  @IsOptional()
  @IsInt()
  @Min(1)
  pr?: number;

  @IsString()
  headSha!: string;

  @IsOptional()
  @IsString()
  baseSha?: string;

  @IsOptional()
  @IsString()
  headRef?: string;

  @IsOptional()
  @IsString()
  baseRef?: string;

  @IsOptional()
  @IsString()
  author?: string;

  @IsOptional()
  @IsString()
  title?: string;

  /** GitHub App installation that may act on the repository. */
  @IsOptional()
  @IsInt()
  installationId?: number;

  /** GitLab numeric project id. */
  @IsOptional()
  @IsInt()
  projectId?: number;
}

/** Who pays: every cost in the ledger is attributed along these keys. */
export class Attribution {
  @IsOptional() @IsString() team?: string;
  @IsOptional() @IsString() project?: string;
  @IsOptional() @IsString() repo?: string;
  @IsOptional() @IsString() workflow?: string;
  @IsOptional() @IsString() runId?: string;
  @IsOptional() @IsString() stepId?: string;
  /** The calling service or tool (`agents`, `http:<virtual key name>`). */
  @IsOptional() @IsString() service?: string;
}

/** What CI uploads through the CI API: coverage, SARIF, or anything else a step may read. */
export const CI_ARTIFACT_KINDS = ['coverage', 'sarif', 'other'] as const;
export type CiArtifactKind = (typeof CI_ARTIFACT_KINDS)[number];

/**
 * A report CI uploaded with `POST /api/runs` (or to a run), kept in the object store and passed by
 * reference: messages carry this, never the report, so a report of any size fits every message
 * that names it. Agents read it with the object store's `get`, which checks `sha256` and `size`.
 */
export class CiArtifactRef {
  /** The file name CI gave it (`detekt.sarif`, `jacocoTestReport.xml`). */
  @IsString() @MinLength(1) name!: string;
  /** Decides which agents read it: `sarif` the lint agent, `coverage` the coverage agent. */
  @IsIn(CI_ARTIFACT_KINDS) kind!: CiArtifactKind;
  /** Object-store reference, `<objects bucket>/artifacts/<runId>/<name>` (`af_objects/artifacts/r1…/detekt.sarif`). */
  @IsString() @MinLength(1) ref!: string;
  @IsString() sha256!: string;
  /** Bytes. */
  @IsInt() @Min(0) size!: number;
}

/** Published on `af.runs.requested` once a trigger matched. Carries the compiled plan: a run keeps the IR it started with. */
export class RunRequested {
  @IsString() @MinLength(1) runId!: string;
  @ValidateNested() @Type(() => ChangeRef) change!: ChangeRef;
  /** The compiled workflow (see `WorkflowPlan`); validated by the workflow library, opaque here. */
  @IsObject() plan!: WorkflowPlan;
  /** What started it: `pull_request.opened`, `issue_comment:/agentflow review`, `manual`, `schedule`. */
  @IsString() trigger!: string;
  /** Platform delivery id, when a webhook started it. */
  @IsOptional() @IsString() deliveryId?: string;
  @ValidateNested() @Type(() => Attribution) attribution!: Attribution;
  /** Previous reviewed head for incremental review of a `synchronize`. */
  @IsOptional() @IsString() previousHeadSha?: string;
  /** Rollout mode in force for this repository. */
  @IsIn(['off', 'shadow', 'comment', 'gate']) rollout!: 'off' | 'shadow' | 'comment' | 'gate';
  /** Data class of the repository (`public`, `internal`, `restricted`, ...). */
  @IsString() dataClass!: string;
  /** Report files on this machine (`agentflow review --sarif FILE`): absolute paths, or paths at the head commit. */
  @IsOptional() @IsArray() @IsString({ each: true }) artifacts?: string[];
  /** Reports CI uploaded with the request, by object-store reference. */
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => CiArtifactRef)
  ciArtifacts?: CiArtifactRef[];
}

/** One unit of work for one agent type, on `af.tasks.<agentType>`. */
export class AgentTask {
  @IsString() runId!: string;
  @IsString() stepId!: string;
  @IsInt() @Min(1) attempt!: number;
  @IsString() agentType!: string;
  @IsArray() @IsString({ each: true }) tasks!: string[];
  @ValidateNested() @Type(() => ChangeRef) change!: ChangeRef;
  /** The step as compiled (provider chain, model config, timeout). */
  @IsObject() step!: Record<string, unknown>;
  /** Epoch milliseconds by which the result must be published. */
  @IsNumber() deadline!: number;
  /** Results of earlier phases this step depends on, by step id. */
  @IsObject() context!: Record<string, StepOutcomeSummary>;
  @ValidateNested() @Type(() => Attribution) attribution!: Attribution;
  @IsString() dataClass!: string;
  /** For incremental review: review only what changed since this commit, and recheck `openFindings`. */
  @IsOptional() @IsString() sinceSha?: string;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => Finding) openFindings?: Finding[];
  /** The run's report files on this machine (see `RunRequested.artifacts`). */
  @IsOptional() @IsArray() @IsString({ each: true }) artifacts?: string[];
  /** The run's CI reports by object-store reference (see `RunRequested.ciArtifacts`). */
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => CiArtifactRef)
  ciArtifacts?: CiArtifactRef[];
}

/** What a later phase learns of an earlier step. */
export interface StepOutcomeSummary {
  status: 'succeeded' | 'failed' | 'skipped' | 'timed_out' | 'cancelled';
  findings: Finding[];
  summary?: string;
  proposedFiles?: ProposedFile[];
  data?: Record<string, unknown>;
}

export const RESULT_STATUSES = ['succeeded', 'failed', 'deferred'] as const;

/**
 * An agent's request that its step wait durably for the team's CI on a commit (the test runner
 * pushed proposed tests to a branch) before the step counts as done. The coordinator matches the
 * CI event by head SHA and times the wait out through a durable timer.
 */
export class AwaitCi {
  /** The commit CI runs on. */
  @IsString() @MinLength(1) headSha!: string;
  /** Repository CI reports for. @default the run's repository */
  @IsOptional() @IsString() repo?: string;
  /** How long to wait for CI, milliseconds. @default the step's timeout */
  @IsOptional() @IsInt() @Min(1) timeoutMs?: number;
}
export type ResultStatus = (typeof RESULT_STATUSES)[number];

/** Token and money spent by one step. */
export class StepUsage {
  @IsInt() @Min(0) inputTokens!: number;
  @IsInt() @Min(0) outputTokens!: number;
  @IsInt() @Min(0) cacheReadTokens!: number;
  @IsInt() @Min(0) cacheWriteTokens!: number;
  @IsNumber() @Min(0) costUsd!: number;
  /** Time spent waiting on vendors, milliseconds. */
  @IsNumber() @Min(0) vendorMs!: number;
  @IsArray() @IsString({ each: true }) models!: string[];
}

/** An agent's answer for one task, on `af.results.<runId>`. */
export class AgentResult {
  @IsString() runId!: string;
  @IsString() stepId!: string;
  @IsInt() @Min(1) attempt!: number;
  @IsString() agentType!: string;
  @IsIn(RESULT_STATUSES) status!: ResultStatus;
  @IsArray() @ValidateNested({ each: true }) @Type(() => Finding) findings!: Finding[];
  @IsArray() @ValidateNested({ each: true }) @Type(() => NotReviewed) notReviewed!: NotReviewed[];
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ProposedFile)
  proposedFiles?: ProposedFile[];
  @IsOptional() @IsString() summary?: string;
  @ValidateNested() @Type(() => StepUsage) usage!: StepUsage;
  /**
   * Why the step failed: `agent_crashed`, `unparseable_output`, `all_providers_failed`,
   * `policy_denied`, `cancelled`, ... The coordinator retries only crashes, timeouts and unparseable output.
   */
  @IsOptional() @IsString() errorCode?: string;
  @IsOptional() @IsString() errorMessage?: string;
  /** For `deferred`: when to try again (epoch ms), as the gateway estimated. */
  @IsOptional() @IsNumber() retryAt?: number;
  /** Free-form data for later phases (a test branch and SHA, a coverage summary). */
  @IsOptional() @IsObject() data?: Record<string, unknown>;
  /** With `succeeded`: the step is not done until CI reports on this commit (see {@link AwaitCi}). */
  @IsOptional() @ValidateNested() @Type(() => AwaitCi) awaitCi?: AwaitCi;
}

/**
 * An agent picked up a task, on `af.results.<runId>` (type `task.started`). Optional for agents:
 * it lets the coordinator show the step as running and time it from pick-up.
 */
export class TaskStarted {
  @IsString() runId!: string;
  @IsString() stepId!: string;
  @IsInt() @Min(1) attempt!: number;
  @IsString() agentType!: string;
  /** Epoch milliseconds the agent started work. */
  @IsNumber() startedAt!: number;
}

export const STEP_STATES = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'timed_out',
  'cancelled',
  'waiting',
] as const;
export type StepState = (typeof STEP_STATES)[number];

/** Live status of a run, on `af.runs.<runId>.progress`. */
export class RunProgress {
  @IsString() runId!: string;
  @IsString() stepId!: string;
  @IsIn(STEP_STATES) state!: StepState;
  @IsInt() @Min(1) attempt!: number;
  @IsOptional() @IsString() detail?: string;
  @ValidateNested() @Type(() => ChangeRef) change!: ChangeRef;
  @IsString() workflow!: string;
  /** Every step's state, so a late subscriber can render the whole run from one message. */
  @IsObject() steps!: Record<string, StepState>;
}

/** The merged report: published once per run as `run.completed`. */
/** One step as the report shows it. */
export interface StepRecord {
  state: StepState;
  attempts: number;
  durationMs: number;
  summary?: string;
  errorMessage?: string;
  errorCode?: string;
  /** What the step's prompt was told of the earlier phases (the agent's `data.phaseDigest.text`). */
  phaseDigest?: string;
}

export class RunReport {
  @IsString() runId!: string;
  @IsString() workflow!: string;
  @ValidateNested() @Type(() => ChangeRef) change!: ChangeRef;
  /** What started the run (`RunRequested.trigger`). Absent in reports from before it was added. */
  @IsOptional() @IsString() trigger?: string;
  /** The team that pays for the run (`RunRequested.attribution.team`), when the settings name one. */
  @IsOptional() @IsString() team?: string;
  /** The project the run is charged to (`RunRequested.attribution.project`). */
  @IsOptional() @IsString() project?: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => Finding) findings!: Finding[];
  /** Fingerprint -> state against the previous review of this PR and workflow. */
  @IsObject() findingStates!: Record<string, 'new' | 'open' | 'fixed'>;
  @IsArray() @ValidateNested({ each: true }) @Type(() => NotReviewed) notReviewed!: NotReviewed[];
  @IsArray() @ValidateNested({ each: true }) @Type(() => ProposedFile) proposedFiles!: ProposedFile[];
  /**
   * Every step's outcome; a failed one carries its error code and message (why it failed, what to
   * do), a later phase the digest of the earlier phases its prompt was given (`phaseDigest`).
   */
  @IsObject() steps!: Record<string, StepRecord>;
  @ValidateNested() @Type(() => StepUsage) usage!: StepUsage;
  @IsNumber() startedAt!: number;
  @IsNumber() finishedAt!: number;
  @IsIn(['success', 'failure', 'neutral']) gateConclusion!: 'success' | 'failure' | 'neutral';
  @IsString() gateSummary!: string;
  /**
   * The gate rule `gateConclusion` was judged with (the plan's `gate`), so the notifier can judge
   * again when a finding is dismissed after the report. Absent in reports from before it was added.
   */
  @IsOptional() @IsObject() gate?: GateRule;
  @IsIn(['off', 'shadow', 'comment', 'gate']) rollout!: 'off' | 'shadow' | 'comment' | 'gate';
  @IsObject() outputs!: Record<string, unknown>;
  @IsOptional() @IsBoolean() degraded?: boolean;
  /**
   * Set when a step failed, timed out or was not run because one it depends on failed: the
   * findings that exist are reported and gated, but the review is incomplete. Absent when every
   * step ran (a file left out by the never-send policy does not make a review incomplete).
   */
  @IsOptional() @IsArray() @IsString({ each: true }) incompleteSteps?: string[];
  /**
   * How many findings fail the gate's rule, whatever the conclusion (a run that ended early is
   * neutral, yet `agentflow review` exits 1 on what it found). Absent in older reports.
   */
  @IsOptional() @IsInt() @Min(0) failingFindings?: number;
}

export class RunCompleted {
  @ValidateNested() @Type(() => RunReport) report!: RunReport;
}

export class RunFailed {
  @IsString() runId!: string;
  @IsString() reason!: string;
  /** `deadline_exceeded`, `all_providers_failed`, `step_failed`, `superseded`, `cancelled`. */
  @IsString() code!: string;
  @ValidateNested() @Type(() => RunReport) partial!: RunReport;
}

export class RunCancel {
  @IsString() runId!: string;
  @IsString() reason!: string;
  /** The run that superseded this one, for `superseded`. */
  @IsOptional() @IsString() supersededBy?: string;
}

/** A durable timer, on `af.timers.<runId>`: nak'ed until due, then delivered to the run actor. */
export class TimerMessage {
  @IsString() runId!: string;
  @IsString() timerId!: string;
  /** Epoch milliseconds when it is due. */
  @IsNumber() dueAt!: number;
  /** `step-timeout`, `run-deadline`, `retry-deferred`, `retry-backoff`, `wait-ci`. */
  @IsString() kind!: string;
  @IsOptional() @IsString() stepId?: string;
  @IsOptional() @IsInt() attempt?: number;
}

/** A CI system reported on a commit, on `af.ci.<platform>` (wakes a step waiting for CI). */
export class CiEvent {
  @IsIn(PLATFORMS) platform!: Platform;
  @IsString() repo!: string;
  @IsString() headSha!: string;
  @IsIn([
    'success',
    'failure',
    'neutral',
    'cancelled',
    'timed_out',
    'pending',
    'skipped',
    'action_required',
    'error',
  ])
  conclusion!: string;
  /** The CI's name for the check or pipeline. */
  @IsString() name!: string;
  @IsOptional() @IsString() url?: string;
  @IsOptional() @IsObject() details?: Record<string, unknown>;
}

/** A verified webhook delivery as received, on `af.webhooks.<platform>`. */
export class WebhookReceived {
  @IsIn(PLATFORMS) platform!: Platform;
  @IsString() deliveryId!: string;
  /** `pull_request`, `issue_comment`, `Merge Request Hook`, ... */
  @IsString() event!: string;
  /** The raw JSON body, as text (signatures are over the exact bytes). */
  @IsString() payload!: string;
  @IsString() receivedAt!: string;
}

/** A commit whose SHA is reproducible from its inputs (see {@link PushFilesCommand.commit}). */
export class ExpectedCommit {
  @IsString() @MinLength(1) sha!: string;
  /** Author and committer name and e-mail. */
  @IsString() authorName!: string;
  @IsString() authorEmail!: string;
  /** Author and committer date, epoch seconds, UTC offset +0000. */
  @IsInt() time!: number;
}

/** Ask the notifier to push files to a branch (generated tests, ADRs), on `af.notify.push-files`. */
export class PushFilesCommand {
  @IsString() runId!: string;
  @IsString() stepId!: string;
  @ValidateNested() @Type(() => ChangeRef) change!: ChangeRef;
  /** Branch to create or update, for example `agentflow/run-<id>`. */
  @IsString() branch!: string;
  /** Commit on top of this SHA. */
  @IsString() baseSha!: string;
  @IsString() commitMessage!: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => ProposedFile) files!: ProposedFile[];
  /** `branch-pr`: a new branch and a pull request; `commit-to-pr`: a commit on the PR's branch. */
  @IsIn(['branch-pr', 'commit-to-pr', 'branch']) mode!: 'branch-pr' | 'commit-to-pr' | 'branch';
  /**
   * The commit the sender already built from `files` on `baseSha` (the test runner waits for CI on
   * its SHA). The notifier pushes exactly this commit: push the object from a checkout, or recreate
   * it with this author, committer, time and `commitMessage`, which yields the same SHA.
   */
  @IsOptional() @ValidateNested() @Type(() => ExpectedCommit) commit?: ExpectedCommit;
}

/** A run-level `notify:` action fired (every provider of a step failed), on `af.notify.alert`. */
export class RunAlert {
  @IsString() runId!: string;
  /** Slack channel or webhook name from the workflow's `notify:`. */
  @IsString() @MinLength(1) target!: string;
  /** Why: `all_providers_failed`. */
  @IsString() code!: string;
  @IsString() message!: string;
  @ValidateNested() @Type(() => ChangeRef) change!: ChangeRef;
  @IsString() workflow!: string;
  @IsOptional() @IsString() stepId?: string;
}

/**
 * A person dismissed a finding on a pull request (`/agentflow dismiss`, a thumbs-down reaction),
 * on `af.runs.dismissed`: the coordinator drops that fingerprint from every later report of the PR.
 */
export class FindingDismissed {
  @IsIn(PLATFORMS) platform!: Platform;
  @IsString() @MinLength(1) repo!: string;
  @IsInt() @Min(1) pr!: number;
  /** The finding's fingerprint as shown in the report. */
  @IsString() @MinLength(1) fingerprint!: string;
  @IsOptional() @IsString() by?: string;
  @IsOptional() @IsString() reason?: string;
}

/**
 * The `Nats-Msg-Id` of a {@link FindingDismissed}: the same dismissal sent by the ingress (a command)
 * and the notifier (a reaction), or sent again, is stored once.
 */
export function dismissalMessageId(
  d: Pick<FindingDismissed, 'platform' | 'repo' | 'pr' | 'fingerprint'>,
): string {
  return `finding-dismissed:${d.platform}:${d.repo}:${d.pr}:${d.fingerprint}`;
}

/**
 * A gateway budget crossed one of its alert thresholds, on `af.notify.budget-alert`. The gateway
 * raises each (budget, period, threshold) once across its replicas; the notifier posts it to
 * Slack's alert channel once, however often the message is delivered.
 */
export class BudgetThresholdAlert {
  /** The budget as `scope:name:period`, for example `global:all:month` or `team:ios:day`. */
  @IsString() @MinLength(1) budget!: string;
  /** The fraction of the limit crossed: 0.5, 0.8, 1. */
  @IsNumber() @Min(0) threshold!: number;
  @IsNumber() @Min(0) spentUsd!: number;
  @IsNumber() @Min(0) limitUsd!: number;
  /** The budget window the spend counts in (`M2026-11`, `d2026-11-25`): a new window alerts again. */
  @IsString() @MinLength(1) period!: string;
}
