/**
 * The run actor: a pure function `(state, event) -> { state, commands }`. It never reads a clock
 * (every event carries `at`), never does I/O and never mutates its input, so the coordinator shell
 * can store its output by compare-and-set and replay any recorded history to the same result.
 */
import type {
  AgentResult,
  AgentTask,
  PlanStep,
  RunFailed,
  RunProgress,
  StepOutcomeSummary,
  StepState,
  TimerMessage,
} from '@agentflow/contracts';
import { dismissalCovers, stepMessageId } from '@agentflow/contracts';
import { evaluateCondition } from '@agentflow/workflow';
import type { ConditionEvaluator } from './condition';
import { runEndMsgId, type RunCommand } from './commands';
import { taskStepOptions } from './step-options';
import {
  addUsage,
  DEGRADING_ERROR_CODES,
  RETRYABLE_ERROR_CODES,
  TRANSIENT_ERROR_CODES,
  type RunEvent,
  type RunRequestedEvent,
  type StepDeferredEvent,
  type TimerKind,
} from './events';
import { buildReport } from './report';
import {
  emptyUsage,
  isStepTerminal,
  RUN_STATE_SCHEMA_VERSION,
  type DegradedReason,
  type RunState,
  type StepResultRecord,
  type StepRuntime,
} from './state';
import { cloneState } from './clone-state';

/** CI conclusions that let a step waiting for CI succeed; any other ends it failed (`ci_failed`). */
const CI_PASSED = new Set(['success', 'neutral', 'skipped']);

export interface RunActorOptions {
  /** Evaluates `if:`. @default evaluateCondition from @agentflow/workflow */
  evaluateCondition?: ConditionEvaluator;
  /** Shortest wait before a deferred step is tried again, ms. @default 30000 */
  minDeferMs?: number;
  /** Longest single wait for a deferred step, ms. @default 600000 */
  maxDeferMs?: number;
  /** How far deferrals may push a run's deadline beyond the workflow's timeout, ms. @default 21600000 (6 h) */
  maxDeferTotalMs?: number;
  /** The wait before the retry of a transient failure ({@link TRANSIENT_ERROR_CODES}). @default {@link DEFAULT_RETRY_BACKOFF} */
  retryBackoff?: RetryBackoffPolicy;
}

/**
 * Exponential backoff with jitter for the retry of a transient failure. The n-th retry waits
 * between half and all of `min(maxMs, baseMs * 2^(n-1))`, the point in that range drawn from the
 * run id, step and attempt (the actor has no randomness: a replay waits the same), so retries of
 * many runs after one outage spread out. The wait never pushes the retry's own timeout past the
 * run's deadline: with less room left it is shortened, down to an immediate retry.
 */
export interface RetryBackoffPolicy {
  /** @default 5000; 0 retries at once */
  baseMs: number;
  /** @default 60000 */
  maxMs: number;
}

export const DEFAULT_RETRY_BACKOFF: RetryBackoffPolicy = { baseMs: 5_000, maxMs: 60_000 };

/** The actor's answer to one event. */
export interface Transition {
  /** The new state (`undefined` only when an event for an unknown run was ignored). */
  state: RunState | undefined;
  /** What the shell must publish, in order, with their deterministic msg ids. */
  commands: RunCommand[];
  /** Set when the event changed nothing (a stale timer, a late result of an old attempt, a duplicate): the shell just acks. */
  ignored?: string;
}

/** Run ids become subject tokens and KV keys. */
const RUN_ID = /^[A-Za-z0-9_-]{1,128}$/;

const OUTCOME_STATUS: Partial<Record<StepState, StepOutcomeSummary['status']>> = {
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
  timed_out: 'timed_out',
  cancelled: 'cancelled',
};

/** One event's work in progress: a private copy of the state and the commands so far. */
class Turn {
  readonly commands: RunCommand[] = [];
  constructor(
    readonly state: RunState,
    readonly at: number,
  ) {}
}

export class RunActor {
  private readonly evaluate: ConditionEvaluator;
  private readonly minDeferMs: number;
  private readonly maxDeferMs: number;
  private readonly maxDeferTotalMs: number;
  private readonly backoff: RetryBackoffPolicy;

  constructor(options: RunActorOptions = {}) {
    this.evaluate = options.evaluateCondition ?? evaluateCondition;
    this.minDeferMs = options.minDeferMs ?? 30_000;
    this.maxDeferMs = options.maxDeferMs ?? 600_000;
    this.maxDeferTotalMs = options.maxDeferTotalMs ?? 6 * 3_600_000;
    this.backoff = options.retryBackoff ?? DEFAULT_RETRY_BACKOFF;
  }

  apply(current: RunState | undefined, event: RunEvent): Transition {
    if (event.type === 'runRequested') {
      if (current) return { state: current, commands: [], ignored: 'the run was already requested' };
      return this.start(event);
    }
    if (!current)
      return {
        state: undefined,
        commands: [],
        ignored: `no run ${'stepId' in event ? `for step ${event.stepId}` : ''}`.trim(),
      };
    if (current.status !== 'running')
      return {
        state: current,
        commands: [],
        ignored: `the run already ${current.status}: a late ${event.type} is discarded`,
      };

    const turn = new Turn(cloneState(current), event.at);
    turn.state.eventCount += 1;
    const ignored = this.handle(turn, event);
    if (ignored) return { state: current, commands: [], ignored };
    return { state: turn.state, commands: turn.commands };
  }

  private start(event: RunRequestedEvent): Transition {
    const { request, at } = event;
    const plan = request.plan;
    const deadlineAt = at + plan.timeoutMs;
    const state: RunState = {
      schemaVersion: RUN_STATE_SCHEMA_VERSION,
      runId: request.runId,
      status: 'running',
      request: {
        change: request.change,
        plan,
        trigger: request.trigger,
        attribution: request.attribution,
        rollout: request.rollout,
        dataClass: request.dataClass,
        ...(request.deliveryId !== undefined ? { deliveryId: request.deliveryId } : {}),
        ...(request.previousHeadSha !== undefined ? { previousHeadSha: request.previousHeadSha } : {}),
        ...(request.artifacts !== undefined ? { artifacts: request.artifacts } : {}),
        ...(request.ciArtifacts !== undefined ? { ciArtifacts: request.ciArtifacts } : {}),
      },
      prior: event.prior ?? { openFindings: [], dismissedFingerprints: [] },
      steps: Object.fromEntries(
        plan.steps.map((s) => [
          s.id,
          { id: s.id, state: 'pending', attempt: 0, retriesUsed: 0, deferrals: 0 } satisfies StepRuntime,
        ]),
      ),
      startedAt: at,
      deadlineAt,
      deadlineTimerId: `deadline@${deadlineAt}`,
      deferLimitAt: deadlineAt + this.maxDeferTotalMs,
      usage: emptyUsage(),
      degraded: [],
      firedActions: [],
      eventCount: 0,
    };
    const turn = new Turn(state, at);
    state.eventCount = 1;
    if (!RUN_ID.test(request.runId)) {
      this.failRun(
        turn,
        'invalid_request',
        `run id "${request.runId}" must be 1-128 of A-Z a-z 0-9 _ -`,
        false,
      );
      return { state, commands: turn.commands };
    }
    const planProblem = checkPlan(plan.steps);
    if (planProblem) {
      this.failRun(turn, 'invalid_plan', planProblem, false);
      return { state, commands: turn.commands };
    }
    for (const old of event.supersedes ?? []) {
      turn.commands.push({
        type: 'cancelRun',
        msgId: `${old}:cancel:${state.runId}`,
        cancel: {
          runId: old,
          reason: `superseded by run ${state.runId} for ${request.change.headSha}`,
          supersededBy: state.runId,
        },
      });
    }
    if (event.supersededBy) {
      state.supersededBy = event.supersededBy;
      this.failRun(
        turn,
        'superseded',
        `a newer run ${event.supersededBy} of the same concurrency group was already requested`,
        false,
      );
      return { state, commands: turn.commands };
    }
    if (event.cancelledBefore !== undefined) {
      this.failRun(turn, 'cancelled', event.cancelledBefore, false);
      return { state, commands: turn.commands };
    }
    this.startTimer(turn, { timerId: state.deadlineTimerId, kind: 'run-deadline', dueAt: deadlineAt });
    this.advance(turn);
    return { state, commands: turn.commands };
  }

  /** Returns why the event was ignored, or undefined when it was applied. */
  private handle(turn: Turn, event: Exclude<RunEvent, RunRequestedEvent>): string | undefined {
    const s = turn.state;
    switch (event.type) {
      case 'stepStarted': {
        const step = this.liveStep(s, event.stepId, event.attempt, 'running');
        if (typeof step === 'string') return step;
        if (step.pickedUpAt !== undefined) return 'the agent already reported the start';
        step.pickedUpAt = event.at;
        this.progress(turn, step, 'agent started');
        return undefined;
      }
      case 'stepSucceeded': {
        const step = this.liveStep(s, event.stepId, event.attempt, 'running');
        if (typeof step === 'string') return step;
        this.recordResult(turn, step, event.result);
        const wait = event.result.awaitCi;
        if (wait) {
          const plan = this.planStep(s, step.id);
          const timerId = `${step.id}:${step.attempt}:ci`;
          const repo = wait.repo ?? s.request.change.repo;
          step.state = 'waiting';
          step.timerId = timerId;
          step.waiting = {
            kind: 'ci',
            platform: s.request.change.platform,
            repo,
            headSha: wait.headSha,
            timerId,
          };
          turn.commands.push({
            type: 'awaitOutsideEvent',
            msgId: `${s.runId}:${step.id}:${step.attempt}:await-ci`,
            runId: s.runId,
            stepId: step.id,
            attempt: step.attempt,
            ci: { platform: s.request.change.platform, repo, headSha: wait.headSha },
          });
          this.startTimer(turn, {
            timerId,
            kind: 'wait-ci',
            dueAt: event.at + (wait.timeoutMs ?? plan.timeoutMs),
            stepId: step.id,
            attempt: step.attempt,
          });
          this.progress(turn, step, `waiting for CI on ${wait.headSha}`);
          return undefined;
        }
        this.finishStep(turn, step, 'succeeded');
        this.advance(turn);
        return undefined;
      }
      case 'stepFailed': {
        const step = this.liveStep(s, event.stepId, event.attempt, 'running');
        if (typeof step === 'string') return step;
        if (event.result) this.recordUsage(turn, event.result);
        const degraded = DEGRADING_ERROR_CODES[event.errorCode];
        if (degraded) this.degrade(turn, degraded);
        if (
          RETRYABLE_ERROR_CODES.includes(event.errorCode) &&
          this.retry(turn, step, event.errorCode, `${event.errorCode}: ${event.errorMessage ?? ''}`.trim())
        )
          return undefined;
        step.errorCode = event.errorCode;
        step.errorMessage = event.errorMessage ?? event.errorCode;
        if (event.result) step.result = resultRecord(event.result);
        this.finishStep(turn, step, 'failed');
        this.advance(turn);
        return undefined;
      }
      case 'stepTimedOut':
        return this.onStepTimeout(turn, event.stepId, event.attempt, event.timerId);
      case 'stepDeferred': {
        const step = this.liveStep(s, event.stepId, event.attempt, 'running');
        if (typeof step === 'string') return step;
        this.onDeferred(turn, step, event);
        return undefined;
      }
      case 'providersExhausted': {
        const step = this.liveStep(s, event.stepId, event.attempt, 'running');
        if (typeof step === 'string') return step;
        if (event.result) this.recordUsage(turn, event.result);
        // What the step found before its vendors gave out (the analysers' findings) stays in the report.
        if (event.result) step.result = resultRecord(event.result);
        this.degrade(turn, 'vendors_down');
        step.errorCode = 'all_providers_failed';
        step.errorMessage = event.errorMessage ?? 'every provider of the step failed';
        const plan = this.planStep(s, step.id);
        let stop = false;
        s.request.plan.runActions.forEach((action, index) => {
          const applies =
            action.ifProviderFails === '*' ||
            plan.providers.some((p) => p.provider === action.ifProviderFails);
          if (!applies) return;
          if (!action.continue) stop = true;
          if (action.notify && !s.firedActions.includes(index)) {
            s.firedActions.push(index);
            turn.commands.push({
              type: 'notify',
              msgId: `${s.runId}:action:${index}`,
              alert: {
                runId: s.runId,
                target: action.notify,
                code: 'all_providers_failed',
                message: `${s.request.plan.name}: every provider failed for step ${step.id} (${plan.providers.map((p) => p.provider).join(', ') || 'no providers'})${action.continue ? '' : '; the run stops'}`,
                change: s.request.change,
                workflow: s.request.plan.id,
                stepId: step.id,
              },
            });
          }
        });
        // The step's own failure does not stop the run: only a run-level `continue: false` does.
        this.finishStep(turn, step, 'failed', false);
        if (stop)
          this.failRun(
            turn,
            'all_providers_failed',
            `every provider failed for step ${step.id} and the workflow says continue: false`,
            true,
          );
        else this.advance(turn);
        return undefined;
      }
      case 'outsideEvent': {
        const ci = event.ci;
        if (ci.conclusion === 'pending') return 'CI has not finished yet';
        const waiting = Object.values(s.steps).filter(
          (st) =>
            st.state === 'waiting' &&
            st.waiting?.kind === 'ci' &&
            st.waiting.headSha === ci.headSha &&
            st.waiting.repo === ci.repo &&
            st.waiting.platform === ci.platform,
        );
        if (waiting.length === 0) return `no step waits for CI on ${ci.headSha}`;
        for (const step of waiting) {
          const result = step.result ?? { findings: [], notReviewed: [], proposedFiles: [], models: [] };
          step.result = {
            ...result,
            data: {
              ...(result.data ?? {}),
              ci: {
                conclusion: ci.conclusion,
                name: ci.name,
                headSha: ci.headSha,
                ...(ci.url ? { url: ci.url } : {}),
                ...(ci.details ? { details: ci.details } : {}),
              },
            },
          };
          delete step.waiting;
          if (CI_PASSED.has(ci.conclusion)) {
            this.finishStep(turn, step, 'succeeded');
            continue;
          }
          // The team's CI did not pass on the commit: the step failed, and says what CI said.
          const said = [ci.details?.title, ci.details?.summary]
            .filter((v): v is string => typeof v === 'string' && v.length > 0)
            .join(': ');
          step.errorCode = 'ci_failed';
          step.errorMessage = `CI ${ci.name} ended ${ci.conclusion} on ${ci.headSha.slice(0, 12)}${said ? `: ${said.slice(0, 1000)}` : ''}${ci.url ? ` (${ci.url})` : ''}`;
          this.finishStep(turn, step, 'failed');
        }
        this.advance(turn);
        return undefined;
      }
      case 'cancelRequested': {
        if (event.supersededBy) s.supersededBy = event.supersededBy;
        // The cancel was published on the run's cancel subject, which the agents watch: no need to repeat it.
        this.failRun(turn, event.supersededBy ? 'superseded' : 'cancelled', event.reason, false);
        return undefined;
      }
      case 'timerDue':
        return this.onTimer(turn, event.kind, event.timerId, event.stepId, event.attempt);
    }
  }

  private onTimer(
    turn: Turn,
    kind: TimerKind,
    timerId: string,
    stepId?: string,
    attempt?: number,
  ): string | undefined {
    const s = turn.state;
    if (kind === 'step-timeout') return this.onStepTimeout(turn, stepId ?? '', attempt ?? 0, timerId);
    if (kind === 'run-deadline') {
      if (timerId !== s.deadlineTimerId) return 'a stale deadline timer';
      if (turn.at < s.deadlineAt) {
        // A deferral pushed the deadline out: arm the new one.
        s.deadlineTimerId = `deadline@${s.deadlineAt}`;
        this.startTimer(turn, { timerId: s.deadlineTimerId, kind: 'run-deadline', dueAt: s.deadlineAt });
        return undefined;
      }
      const open = Object.values(s.steps)
        .filter((st) => !isStepTerminal(st))
        .map((st) => st.id);
      this.failRun(
        turn,
        'deadline_exceeded',
        `the run passed its ${s.request.plan.timeoutMs} ms deadline with ${open.join(', ') || 'no step'} unfinished`,
        true,
      );
      return undefined;
    }
    const step = stepId ? s.steps[stepId] : undefined;
    if (!step || step.timerId !== timerId || step.state !== 'waiting') return `a stale ${kind} timer`;
    if (kind === 'retry-deferred') {
      if (step.waiting) return 'a stale retry timer';
      this.dispatch(turn, step, `retry after deferral ${step.deferrals}`);
      return undefined;
    }
    if (kind === 'retry-backoff') {
      const backoff = step.backoff;
      if (!backoff) return 'a stale backoff timer';
      delete step.backoff;
      const plan = this.planStep(s, step.id);
      this.dispatch(
        turn,
        step,
        `retry ${step.retriesUsed}/${plan.retries} after a ${backoff.dueAt - backoff.since} ms backoff: ${backoff.reason}`,
      );
      return undefined;
    }
    // wait-ci: CI never reported within the wait.
    const wait = step.waiting;
    delete step.waiting;
    step.errorCode = 'ci_wait_timed_out';
    step.errorMessage = `no CI result for ${wait?.headSha ?? 'the commit'} arrived in time`;
    this.finishStep(turn, step, 'timed_out');
    this.advance(turn);
    return undefined;
  }

  private onStepTimeout(turn: Turn, stepId: string, attempt: number, timerId: string): string | undefined {
    const step = turn.state.steps[stepId];
    if (!step || step.state !== 'running' || step.attempt !== attempt || step.timerId !== timerId)
      return 'a stale step timeout';
    if (this.retry(turn, step, 'timeout', `attempt ${attempt} timed out`)) return undefined;
    step.errorCode = 'timeout';
    step.errorMessage = `no result within ${this.planStep(turn.state, stepId).timeoutMs} ms after ${step.attempt} attempt(s)`;
    this.finishStep(turn, step, 'timed_out');
    this.advance(turn);
    return undefined;
  }

  private onDeferred(turn: Turn, step: StepRuntime, event: StepDeferredEvent): void {
    const s = turn.state;
    if (event.result) this.recordUsage(turn, event.result);
    this.degrade(turn, 'deferred');
    const reason = event.errorCode ? DEGRADING_ERROR_CODES[event.errorCode] : undefined;
    if (reason) this.degrade(turn, reason);
    const wanted = event.retryAt !== undefined ? event.retryAt - turn.at : this.minDeferMs;
    const wait = Math.min(this.maxDeferMs, Math.max(this.minDeferMs, wanted));
    const dueAt = turn.at + wait;
    const plan = this.planStep(s, step.id);
    if (dueAt + plan.timeoutMs > s.deferLimitAt) {
      step.errorCode = 'deferred_too_long';
      step.errorMessage = `the providers stayed unavailable past the run's deferral limit (${event.errorCode ?? 'deferred'})`;
      this.finishStep(turn, step, 'failed');
      this.advance(turn);
      return;
    }
    step.state = 'waiting';
    step.deferrals += 1;
    step.timerId = `${step.id}:${step.attempt}:retry`;
    s.deadlineAt = Math.min(s.deferLimitAt, Math.max(s.deadlineAt, dueAt + plan.timeoutMs));
    this.startTimer(turn, {
      timerId: step.timerId,
      kind: 'retry-deferred',
      dueAt,
      stepId: step.id,
      attempt: step.attempt,
    });
    this.progress(
      turn,
      step,
      `deferred (${event.errorCode ?? 'providers unavailable'}); retry at ${new Date(dueAt).toISOString()}`,
    );
  }

  /**
   * Dispatches the step again when its `retries` allow, after a backoff for a transient failure;
   * returns false when they are used up.
   */
  private retry(turn: Turn, step: StepRuntime, errorCode: string, why: string): boolean {
    const plan = this.planStep(turn.state, step.id);
    if (step.retriesUsed >= plan.retries) return false;
    step.retriesUsed += 1;
    const delayMs = TRANSIENT_ERROR_CODES.includes(errorCode) ? this.backoffMs(turn, step, plan) : 0;
    if (delayMs <= 0) {
      this.dispatch(turn, step, `retry ${step.retriesUsed}/${plan.retries}: ${why}`);
      return true;
    }
    const dueAt = turn.at + delayMs;
    step.state = 'waiting';
    step.timerId = `${step.id}:${step.attempt}:backoff`;
    step.backoff = { reason: why, since: turn.at, dueAt };
    this.startTimer(turn, {
      timerId: step.timerId,
      kind: 'retry-backoff',
      dueAt,
      stepId: step.id,
      attempt: step.attempt,
    });
    this.progress(turn, step, `retry ${step.retriesUsed}/${plan.retries} in ${delayMs} ms: ${why}`);
    return true;
  }

  /** The backoff before retry number `step.retriesUsed` (see {@link RetryBackoffPolicy}). */
  private backoffMs(turn: Turn, step: StepRuntime, plan: PlanStep): number {
    const { baseMs, maxMs } = this.backoff;
    if (baseMs <= 0) return 0;
    const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(30, step.retriesUsed - 1));
    const jitter = unitFraction(`${turn.state.runId}:${step.id}:${step.attempt}`);
    const wanted = Math.round(ceiling / 2 + (ceiling / 2) * jitter);
    const room = turn.state.deadlineAt - turn.at - plan.timeoutMs;
    return Math.max(0, Math.min(wanted, room));
  }

  /** Starts every ready step (all of a phase at once), skips those whose `if:` is false, and ends the run when nothing is left. */
  private advance(turn: Turn): void {
    const s = turn.state;
    if (s.status !== 'running') return;
    let changed = true;
    while (changed) {
      changed = false;
      for (const plan of s.request.plan.steps) {
        const step = s.steps[plan.id];
        if (step.state !== 'pending') continue;
        if (!plan.dependsOn.every((d) => isStepTerminal(s.steps[d]))) continue;
        // Without an `if:` that reads the outcome, a step whose input failed has nothing to build on.
        const brokenInput =
          plan.if === undefined ? plan.dependsOn.find((d) => failedWithoutContinue(s, d)) : undefined;
        if (brokenInput) {
          step.errorCode = 'dependency_failed';
          step.errorMessage = `not run: step ${brokenInput} it depends on ${s.steps[brokenInput].state === 'timed_out' ? 'timed out' : 'failed'}`;
          this.finishStep(turn, step, 'skipped');
          changed = true;
          continue;
        }
        if (plan.if !== undefined && !step.condition) {
          try {
            step.condition = { expr: plan.if, value: this.evaluate(plan.if, outcomesFor(s)) };
          } catch (error) {
            step.condition = {
              expr: plan.if,
              value: false,
              error: error instanceof Error ? error.message : String(error),
            };
          }
        }
        if (step.condition?.error) {
          step.errorCode = 'condition_invalid';
          step.errorMessage = step.condition.error;
          this.finishStep(turn, step, 'failed');
          if (s.status !== 'running') return;
          changed = true;
          continue;
        }
        if (step.condition && !step.condition.value) {
          this.finishStep(turn, step, 'skipped');
          changed = true;
          continue;
        }
        this.dispatch(turn, step, 'dispatched');
      }
    }
    if (Object.values(s.steps).every(isStepTerminal)) this.completeRun(turn);
  }

  private dispatch(turn: Turn, step: StepRuntime, detail: string): void {
    const s = turn.state;
    const plan = this.planStep(s, step.id);
    step.attempt += 1;
    step.state = 'running';
    step.dispatchedAt = turn.at;
    step.firstDispatchedAt ??= turn.at;
    delete step.pickedUpAt;
    const dueAt = turn.at + plan.timeoutMs;
    step.timerId = `${step.id}:${step.attempt}:timeout`;
    turn.commands.push({
      type: 'publishTask',
      msgId: stepMessageId(s.runId, step.id, step.attempt),
      agentType: plan.agentType,
      task: this.task(s, plan, step, dueAt),
    });
    this.startTimer(turn, {
      timerId: step.timerId,
      kind: 'step-timeout',
      dueAt,
      stepId: step.id,
      attempt: step.attempt,
    });
    this.progress(turn, step, detail);
  }

  private task(s: RunState, plan: PlanStep, step: StepRuntime, deadline: number): AgentTask {
    const context: Record<string, StepOutcomeSummary> = {};
    for (const dep of dependencyClosure(s.request.plan.steps, plan.id)) {
      const outcome = outcomeOf(s.steps[dep]);
      if (outcome) context[dep] = outcome;
    }
    const task: AgentTask = {
      runId: s.runId,
      stepId: plan.id,
      attempt: step.attempt,
      agentType: plan.agentType,
      tasks: plan.tasks,
      change: s.request.change,
      step: { ...plan, options: taskStepOptions(s.request.plan, plan) } as unknown as Record<string, unknown>,
      deadline,
      context,
      attribution: { ...s.request.attribution, runId: s.runId, stepId: plan.id, workflow: s.request.plan.id },
      dataClass: s.request.dataClass,
    };
    const since = incrementalBase(s);
    if (since) {
      task.sinceSha = since;
      task.openFindings = s.prior.openFindings.filter(
        (f) =>
          f.agent === plan.agentType &&
          !s.prior.dismissedFingerprints.some((id) => dismissalCovers(id, f.fingerprint)),
      );
    }
    if (s.request.artifacts) task.artifacts = s.request.artifacts;
    if (s.request.ciArtifacts) task.ciArtifacts = s.request.ciArtifacts;
    return task;
  }

  private finishStep(turn: Turn, step: StepRuntime, state: StepState, failRunOnFailure = true): void {
    step.state = state;
    step.finishedAt = turn.at;
    delete step.timerId;
    delete step.waiting;
    delete step.backoff;
    this.progress(
      turn,
      step,
      step.errorMessage ??
        (step.condition && !step.condition.value ? `if: ${step.condition.expr} is false` : state),
    );
    // Siblings run to the end unless the workflow asks for fail_fast (ADR 0077).
    const failFast = turn.state.request.plan.failFast === true;
    if (
      failFast &&
      failRunOnFailure &&
      (state === 'failed' || state === 'timed_out') &&
      !continuesOnError(this.planStep(turn.state, step.id))
    ) {
      this.failRun(
        turn,
        'step_failed',
        `step ${step.id} ${state === 'timed_out' ? 'timed out' : 'failed'}: ${step.errorMessage ?? step.errorCode ?? state}`,
        true,
      );
    }
  }

  private completeRun(turn: Turn): void {
    const s = turn.state;
    s.status = 'completed';
    s.finishedAt = turn.at;
    turn.commands.push({ type: 'completeRun', msgId: runEndMsgId(s.runId), report: buildReport(s, turn.at) });
  }

  private failRun(turn: Turn, code: string, reason: string, abortAgents: boolean): void {
    const s = turn.state;
    if (s.status !== 'running') return;
    let inFlight = false;
    for (const step of Object.values(s.steps)) {
      if (isStepTerminal(step)) continue;
      if (step.state === 'running' || step.state === 'waiting') inFlight = true;
      step.state = 'cancelled';
      step.finishedAt = turn.at;
      delete step.timerId;
      delete step.waiting;
      delete step.backoff;
      this.progress(turn, step, `run ended: ${code}`);
    }
    s.status = 'failed';
    s.finishedAt = turn.at;
    s.outcome = { code, reason };
    if (abortAgents && inFlight) {
      turn.commands.push({
        type: 'cancelRun',
        msgId: `${s.runId}:cancel:${code}`,
        cancel: { runId: s.runId, reason: `${code}: ${reason}` },
      });
    }
    const failure: RunFailed = { runId: s.runId, code, reason, partial: buildReport(s, turn.at) };
    turn.commands.push({ type: 'failRun', msgId: runEndMsgId(s.runId), failure });
  }

  private recordResult(turn: Turn, step: StepRuntime, result: AgentResult): void {
    this.recordUsage(turn, result);
    step.result = resultRecord(result);
  }

  private recordUsage(turn: Turn, result: AgentResult): void {
    turn.state.usage = addUsage(turn.state.usage, result.usage);
  }

  private degrade(turn: Turn, reason: DegradedReason): void {
    if (!turn.state.degraded.includes(reason)) turn.state.degraded.push(reason);
  }

  private startTimer(turn: Turn, t: Omit<TimerMessage, 'runId'>): void {
    const timer: TimerMessage = { runId: turn.state.runId, ...t };
    turn.commands.push({ type: 'startTimer', msgId: `${turn.state.runId}:timer:${t.timerId}`, timer });
  }

  private progress(turn: Turn, step: StepRuntime, detail: string): void {
    const s = turn.state;
    const progress: RunProgress = {
      runId: s.runId,
      stepId: step.id,
      state: step.state,
      attempt: Math.max(1, step.attempt),
      detail,
      change: s.request.change,
      workflow: s.request.plan.id,
      steps: Object.fromEntries(Object.values(s.steps).map((st) => [st.id, st.state])),
    };
    // Several progress updates of one step within one event are collapsed to the last.
    const msgId = `${s.runId}:progress:${s.eventCount}:${step.id}`;
    const earlier = turn.commands.findIndex((c) => c.type === 'publishProgress' && c.msgId === msgId);
    if (earlier >= 0) turn.commands.splice(earlier, 1);
    for (const c of turn.commands) if (c.type === 'publishProgress') c.progress.steps[step.id] = step.state;
    turn.commands.push({ type: 'publishProgress', msgId, progress });
  }

  private planStep(s: RunState, stepId: string): PlanStep {
    const plan = s.request.plan.steps.find((p) => p.id === stepId);
    if (!plan) throw new Error(`step ${stepId} is not in the plan of run ${s.runId}`);
    return plan;
  }

  /** The step when the event is about its current attempt in the expected state, else why the event is stale. */
  private liveStep(s: RunState, stepId: string, attempt: number, state: StepState): StepRuntime | string {
    const step = s.steps[stepId];
    if (!step) return `step ${stepId} is not in the plan`;
    if (step.attempt !== attempt)
      return `a late message of attempt ${attempt} of step ${stepId} (current attempt ${step.attempt}) is discarded`;
    if (step.state !== state) return `step ${stepId} is ${step.state}, not ${state}`;
    return step;
  }
}

/** A number in [0, 1) drawn from `key` (FNV-1a): the same key, the same number, on every replica and replay. */
export function unitFraction(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 0x1_0000_0000;
}

function resultRecord(result: AgentResult): StepResultRecord {
  return {
    findings: result.findings,
    notReviewed: result.notReviewed,
    proposedFiles: result.proposedFiles ?? [],
    models: result.usage?.models ?? [],
    ...(result.summary !== undefined ? { summary: result.summary } : {}),
    ...(result.data !== undefined ? { data: result.data } : {}),
  };
}

function continuesOnError(plan: PlanStep): boolean {
  return plan.options.continueOnError === true || plan.options.continue_on_error === true;
}

/** A dependency that failed or timed out and did not ask its dependents to go on (`continue_on_error`). */
function failedWithoutContinue(s: RunState, stepId: string): boolean {
  const step = s.steps[stepId];
  if (step.state !== 'failed' && step.state !== 'timed_out') return false;
  const plan = s.request.plan.steps.find((p) => p.id === stepId);
  return !plan || !continuesOnError(plan);
}

/** The commit the previous review of this PR and workflow saw, when this run is a newer push to it. */
function incrementalBase(s: RunState): string | undefined {
  if (!/synchronize/.test(s.request.trigger)) return undefined;
  const since = s.prior.lastReviewedHeadSha ?? s.request.previousHeadSha;
  return since && since !== s.request.change.headSha ? since : undefined;
}

function outcomeOf(step: StepRuntime | undefined): StepOutcomeSummary | undefined {
  const status = step ? OUTCOME_STATUS[step.state] : undefined;
  if (!step || !status) return undefined;
  return {
    status,
    findings: step.result?.findings ?? [],
    ...(step.result?.summary !== undefined ? { summary: step.result.summary } : {}),
    ...(step.result?.proposedFiles.length ? { proposedFiles: step.result.proposedFiles } : {}),
    ...(step.result?.data !== undefined ? { data: step.result.data } : {}),
  };
}

/** Outcomes of the steps that have ended, by step id (the evaluator resolves phase names by prefix). */
export function outcomesFor(s: RunState): Record<string, StepOutcomeSummary> {
  const out: Record<string, StepOutcomeSummary> = {};
  for (const plan of s.request.plan.steps) {
    const outcome = outcomeOf(s.steps[plan.id]);
    if (outcome) out[plan.id] = outcome;
  }
  return out;
}

function dependencyClosure(steps: PlanStep[], id: string): string[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const stack = [...(byId.get(id)?.dependsOn ?? [])];
  while (stack.length) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byId.get(next)?.dependsOn ?? []));
  }
  return steps.map((s) => s.id).filter((sid) => seen.has(sid));
}

/** The workflow library validates plans; this guards the actor against a plan it could never finish. */
function checkPlan(steps: PlanStep[]): string | undefined {
  if (steps.length === 0) return 'the plan has no steps';
  const ids = new Set<string>();
  for (const s of steps) {
    if (ids.has(s.id)) return `step id ${s.id} appears twice`;
    ids.add(s.id);
  }
  for (const s of steps)
    for (const d of s.dependsOn) if (!ids.has(d)) return `step ${s.id} depends on unknown step ${d}`;
  const visiting = new Set<string>();
  const done = new Set<string>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  const cyclic = (id: string): boolean => {
    if (done.has(id)) return false;
    if (visiting.has(id)) return true;
    visiting.add(id);
    const found = byId.get(id)!.dependsOn.some(cyclic);
    visiting.delete(id);
    done.add(id);
    return found;
  };
  return steps.some((s) => cyclic(s.id)) ? 'the steps depend on each other in a cycle' : undefined;
}
