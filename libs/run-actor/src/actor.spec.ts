import type { CiEvent, WorkflowPlan } from '@agentflow/contracts';
import { RunActor } from './actor';
import { buildReport } from './report';
import type { PublishTaskCommand, RunCommand } from './commands';
import type { RunEvent } from './events';
import { buildPlan, buildRunRequest, type StepSpec } from './plan-builders';
import { RUN_STATE_SCHEMA_VERSION, timerIsLive, upgradeState, type RunState } from './state';
import { buildFinding, buildResult, replay } from './test-support';
import { UnsupportedStateVersionError } from './errors';

const T0 = 1_700_000_000_000;
const RUN = 'run-1';

function start(
  actor: RunActor,
  steps: StepSpec[],
  planOverrides: Partial<WorkflowPlan> = {},
  extra: Partial<Extract<RunEvent, { type: 'runRequested' }>> = {},
  requestOverrides = {},
) {
  const plan = buildPlan(steps, planOverrides);
  const none: RunState | undefined = undefined;
  return actor.apply(none, {
    type: 'runRequested',
    at: T0,
    request: buildRunRequest(RUN, plan, requestOverrides),
    ...extra,
  });
}

const tasksOf = (commands: RunCommand[]) =>
  commands.filter((c): c is PublishTaskCommand => c.type === 'publishTask');
const ofType = <T extends RunCommand['type']>(commands: RunCommand[], type: T) =>
  commands.filter((c): c is Extract<RunCommand, { type: T }> => c.type === type);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function apply(actor: RunActor, state: RunState, event: RunEvent) {
  const t = actor.apply(deepFreeze(structuredClone(state)), event);
  return t;
}

const fourThenOne: StepSpec[] = [
  { id: 'review', agentType: 'code-review', phase: 'analysis' },
  { id: 'security', agentType: 'security', phase: 'analysis' },
  { id: 'coverage', agentType: 'test-coverage', phase: 'analysis' },
  { id: 'docs', agentType: 'documentation', phase: 'analysis' },
  {
    id: 'tests',
    agentType: 'test-generation',
    phase: 'generation',
    dependsOn: ['review', 'security', 'coverage', 'docs'],
  },
];

describe('RunActor: phases', () => {
  const actor = new RunActor();

  it('starts every ready step of a parallel phase at once, each with a timeout timer and the run deadline', () => {
    const t = start(actor, fourThenOne);
    const tasks = tasksOf(t.commands);
    expect(tasks.map((c) => c.task.stepId)).toEqual(['review', 'security', 'coverage', 'docs']);
    expect(tasks.map((c) => c.msgId)).toEqual([
      'run-1:review:1',
      'run-1:security:1',
      'run-1:coverage:1',
      'run-1:docs:1',
    ]);
    expect(tasks.map((c) => c.agentType)).toEqual([
      'code-review',
      'security',
      'test-coverage',
      'documentation',
    ]);
    const timers = ofType(t.commands, 'startTimer').map((c) => c.timer);
    expect(timers.find((x) => x.kind === 'run-deadline')?.dueAt).toBe(T0 + 900_000);
    expect(timers.filter((x) => x.kind === 'step-timeout').map((x) => x.dueAt)).toEqual([
      T0 + 60_000,
      T0 + 60_000,
      T0 + 60_000,
      T0 + 60_000,
    ]);
    expect(t.state!.steps.tests.state).toBe('pending');
    expect(t.state!.schemaVersion).toBe(RUN_STATE_SCHEMA_VERSION);
  });

  it('gives a later phase the results of every earlier step it depends on, and completes once all have ended', () => {
    let state = start(actor, fourThenOne).state!;
    for (const id of ['review', 'security', 'coverage']) {
      const t = apply(actor, state, {
        type: 'stepSucceeded',
        at: T0 + 1000,
        stepId: id,
        attempt: 1,
        result: buildResult(RUN, id, 1, {
          findings: [buildFinding({ file: `${id}.swift` })],
          summary: `${id} done`,
        }),
      });
      expect(tasksOf(t.commands)).toHaveLength(0);
      state = t.state!;
    }
    const t = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 2000,
      stepId: 'docs',
      attempt: 1,
      result: buildResult(RUN, 'docs', 1, { summary: 'docs done' }),
    });
    const [task] = tasksOf(t.commands);
    expect(task.task.stepId).toBe('tests');
    expect(Object.keys(task.task.context).sort()).toEqual(['coverage', 'docs', 'review', 'security']);
    expect(task.task.context.review).toMatchObject({
      status: 'succeeded',
      summary: 'review done',
      findings: [expect.objectContaining({ file: 'review.swift' })],
    });
    state = t.state!;
    const done = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 3000,
      stepId: 'tests',
      attempt: 1,
      result: buildResult(RUN, 'tests', 1),
    });
    expect(done.state!.status).toBe('completed');
    const completes = ofType(done.commands, 'completeRun');
    expect(completes).toHaveLength(1);
    expect(completes[0].msgId).toBe('run-1:end');
    expect(completes[0].report.usage.costUsd).toBeCloseTo(0.05);
    expect(completes[0].report.steps.tests).toMatchObject({
      state: 'succeeded',
      attempts: 1,
      durationMs: 1000,
    });
    // After the end, anything else is discarded.
    const late = actor.apply(done.state, {
      type: 'stepSucceeded',
      at: T0 + 4000,
      stepId: 'tests',
      attempt: 1,
      result: buildResult(RUN, 'tests', 1),
    });
    expect(late.ignored).toMatch(/already completed/);
    expect(late.commands).toEqual([]);
  });

  it('passes transitive dependencies as context too', () => {
    let state = start(actor, [
      { id: 'a' },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['b'] },
    ]).state!;
    state = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 1,
      stepId: 'a',
      attempt: 1,
      result: buildResult(RUN, 'a', 1, { summary: 'A' }),
    }).state!;
    const t = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 2,
      stepId: 'b',
      attempt: 1,
      result: buildResult(RUN, 'b', 1, { summary: 'B' }),
    });
    expect(Object.keys(tasksOf(t.commands)[0].task.context)).toEqual(['a', 'b']);
  });

  it('publishes progress for every step change, with every step state in each message', () => {
    const t = start(actor, fourThenOne);
    const progress = ofType(t.commands, 'publishProgress');
    expect(progress.map((p) => p.progress.stepId)).toEqual(['review', 'security', 'coverage', 'docs']);
    expect(new Set(progress.map((p) => p.msgId)).size).toBe(4);
    expect(progress[0].progress.steps).toEqual({
      review: 'running',
      security: 'running',
      coverage: 'running',
      docs: 'running',
      tests: 'pending',
    });
    const started = apply(actor, t.state!, { type: 'stepStarted', at: T0 + 5, stepId: 'review', attempt: 1 });
    expect(ofType(started.commands, 'publishProgress')[0].progress).toMatchObject({
      stepId: 'review',
      state: 'running',
      detail: 'agent started',
    });
    expect(started.state!.steps.review.pickedUpAt).toBe(T0 + 5);
  });

  it('never mutates the state it is given', () => {
    const state = deepFreeze(start(actor, fourThenOne).state!);
    expect(() =>
      actor.apply(state, {
        type: 'stepSucceeded',
        at: T0 + 1,
        stepId: 'review',
        attempt: 1,
        result: buildResult(RUN, 'review', 1),
      }),
    ).not.toThrow();
  });

  it('refuses a plan it could never finish', () => {
    const t = start(actor, [
      { id: 'a', dependsOn: ['b'] },
      { id: 'b', dependsOn: ['a'] },
    ]);
    expect(t.state!.status).toBe('failed');
    expect(ofType(t.commands, 'failRun')[0].failure.code).toBe('invalid_plan');
    expect(tasksOf(t.commands)).toHaveLength(0);
  });
});

describe('RunActor: retries', () => {
  const actor = new RunActor();

  it('retries a step after unparseable_output at once, with the next attempt id', () => {
    const state = start(actor, [{ id: 'review', retries: 1 }]).state!;
    const t = apply(actor, state, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'review',
      attempt: 1,
      errorCode: 'unparseable_output',
    });
    const [task] = tasksOf(t.commands);
    expect(task.msgId).toBe('run-1:review:2');
    expect(task.task.attempt).toBe(2);
    expect(t.state!.steps.review).toMatchObject({ state: 'running', attempt: 2, retriesUsed: 1 });
  });

  it("does not retry other failures (provider fallback is the gateway's) and fails the run under fail_fast", () => {
    const state = start(actor, [{ id: 'review', retries: 3 }], { failFast: true }).state!;
    const t = apply(actor, state, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'review',
      attempt: 1,
      errorCode: 'policy_denied',
      errorMessage: 'restricted data',
    });
    expect(tasksOf(t.commands)).toHaveLength(0);
    expect(t.state!.status).toBe('failed');
    expect(ofType(t.commands, 'failRun')[0].failure).toMatchObject({
      code: 'step_failed',
      reason: expect.stringContaining('restricted data'),
    });
  });

  it('retries a timed-out step, then fails the run under fail_fast when retries are spent', () => {
    let state = start(actor, [{ id: 'review', retries: 1, timeoutMs: 5_000 }], { failFast: true }).state!;
    let t = apply(actor, state, {
      type: 'stepTimedOut',
      at: T0 + 5_000,
      stepId: 'review',
      attempt: 1,
      timerId: 'review:1:timeout',
    });
    expect(tasksOf(t.commands)).toEqual([]);
    const backoff = ofType(t.commands, 'startTimer')[0].timer;
    expect(backoff).toMatchObject({
      kind: 'retry-backoff',
      timerId: 'review:1:backoff',
      stepId: 'review',
      attempt: 1,
    });
    t = apply(actor, t.state!, {
      type: 'timerDue',
      at: backoff.dueAt,
      kind: 'retry-backoff',
      timerId: backoff.timerId,
      stepId: 'review',
      attempt: 1,
    });
    expect(tasksOf(t.commands).map((c) => c.msgId)).toEqual(['run-1:review:2']);
    expect(ofType(t.commands, 'startTimer')[0].timer).toMatchObject({
      kind: 'step-timeout',
      timerId: 'review:2:timeout',
      dueAt: backoff.dueAt + 5_000,
    });
    state = t.state!;
    t = apply(actor, state, {
      type: 'stepTimedOut',
      at: backoff.dueAt + 5_000,
      stepId: 'review',
      attempt: 2,
      timerId: 'review:2:timeout',
    });
    expect(t.state!.steps.review.state).toBe('timed_out');
    expect(t.state!.status).toBe('failed');
    expect(ofType(t.commands, 'failRun')[0].failure.code).toBe('step_failed');
  });

  it('continues the run past a timed-out step when the workflow says continueOnError', () => {
    let state = start(actor, [
      { id: 'slow', retries: 0, options: { continueOnError: true } },
      { id: 'fast' },
      { id: 'after', dependsOn: ['slow', 'fast'] },
    ]).state!;
    state = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 1,
      stepId: 'fast',
      attempt: 1,
      result: buildResult(RUN, 'fast', 1),
    }).state!;
    const t = apply(actor, state, {
      type: 'stepTimedOut',
      at: T0 + 60_000,
      stepId: 'slow',
      attempt: 1,
      timerId: 'slow:1:timeout',
    });
    expect(t.state!.steps.slow.state).toBe('timed_out');
    expect(t.state!.status).toBe('running');
    const [task] = tasksOf(t.commands);
    expect(task.task.stepId).toBe('after');
    expect(task.task.context.slow.status).toBe('timed_out');
  });

  it('ignores a stale timeout and a late result of an earlier attempt', () => {
    let state = start(actor, [{ id: 'review', retries: 1 }]).state!;
    expect(timerIsLive(state, { timerId: 'review:1:timeout', kind: 'step-timeout', stepId: 'review' })).toBe(
      true,
    );
    state = apply(actor, state, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'review',
      attempt: 1,
      errorCode: 'unparseable_output',
    }).state!;
    expect(timerIsLive(state, { timerId: 'review:1:timeout', kind: 'step-timeout', stepId: 'review' })).toBe(
      false,
    );
    expect(timerIsLive(state, { timerId: `deadline@${T0 + 900_000}`, kind: 'run-deadline' })).toBe(true);
    const staleTimer = apply(actor, state, {
      type: 'stepTimedOut',
      at: T0 + 60_000,
      stepId: 'review',
      attempt: 1,
      timerId: 'review:1:timeout',
    });
    expect(staleTimer.ignored).toBeDefined();
    const lateResult = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 20,
      stepId: 'review',
      attempt: 1,
      result: buildResult(RUN, 'review', 1),
    });
    expect(lateResult.ignored).toMatch(/late message of attempt 1/);
    expect(lateResult.commands).toEqual([]);
  });
});

describe('RunActor: backoff before the retry of a transient failure', () => {
  const actor = new RunActor();
  const backoffOf = (commands: RunCommand[]) =>
    ofType(commands, 'startTimer')
      .map((c) => c.timer)
      .find((t) => t.kind === 'retry-backoff');

  it.each(['gateway_unavailable', 'agent_crashed', 'timeout'])(
    'waits out a backoff after %s, then retries and the retry succeeds',
    (code) => {
      // Both gateways down: the attempt fails at once with no replica listening.
      const state = start(actor, [{ id: 'review', retries: 1 }]).state!;
      const failed = apply(actor, state, {
        type: 'stepFailed',
        at: T0 + 10,
        stepId: 'review',
        attempt: 1,
        errorCode: code,
        errorMessage: 'no gateway replica is listening',
      });
      expect(tasksOf(failed.commands)).toEqual([]);
      const timer = backoffOf(failed.commands)!;
      expect(timer).toMatchObject({ timerId: 'review:1:backoff', stepId: 'review', attempt: 1 });
      // The first retry waits half to all of the 5 s base: well past a 2 s outage.
      expect(timer.dueAt - (T0 + 10)).toBeGreaterThanOrEqual(2_500);
      expect(timer.dueAt - (T0 + 10)).toBeLessThanOrEqual(5_000);
      expect(failed.state!.steps.review).toMatchObject({
        state: 'waiting',
        attempt: 1,
        retriesUsed: 1,
        backoff: { since: T0 + 10, dueAt: timer.dueAt },
      });
      expect(ofType(failed.commands, 'publishProgress').at(-1)!.progress.detail).toMatch(
        /^retry 1\/1 in \d+ ms: /,
      );
      expect(timerIsLive(failed.state!, timer)).toBe(true);

      const retried = apply(actor, failed.state!, {
        type: 'timerDue',
        at: timer.dueAt,
        kind: 'retry-backoff',
        timerId: timer.timerId,
        stepId: 'review',
        attempt: 1,
      });
      expect(tasksOf(retried.commands).map((c) => c.msgId)).toEqual(['run-1:review:2']);
      expect(retried.state!.steps.review.backoff).toBeUndefined();
      expect(ofType(retried.commands, 'publishProgress').at(-1)!.progress.detail).toContain(
        `after a ${timer.dueAt - T0 - 10} ms backoff`,
      );

      const done = apply(actor, retried.state!, {
        type: 'stepSucceeded',
        at: timer.dueAt + 100,
        stepId: 'review',
        attempt: 2,
        result: buildResult(RUN, 'review', 2),
      });
      expect(done.state!.status).toBe('completed');
      expect(ofType(done.commands, 'completeRun')[0].report.steps.review).toMatchObject({
        state: 'succeeded',
      });
    },
  );

  it('doubles the wait per retry up to its maximum, with jitter drawn from the run, step and attempt', () => {
    const NO_RUN: RunState | undefined = undefined;
    const custom = new RunActor({ retryBackoff: { baseMs: 1_000, maxMs: 3_000 } });
    const waits = (runId: string): number[] => {
      let state = custom.apply(NO_RUN, {
        type: 'runRequested',
        at: T0,
        request: buildRunRequest(runId, buildPlan([{ id: 'review', retries: 3 }])),
      }).state!;
      const out: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        const at = T0 + attempt * 100_000;
        const t = custom.apply(state, {
          type: 'stepFailed',
          at,
          stepId: 'review',
          attempt,
          errorCode: 'gateway_unavailable',
        });
        const timer = backoffOf(t.commands)!;
        out.push(timer.dueAt - at);
        state = custom.apply(t.state!, {
          type: 'timerDue',
          at: timer.dueAt,
          kind: 'retry-backoff',
          timerId: timer.timerId,
          stepId: 'review',
          attempt,
        }).state!;
      }
      return out;
    };
    const [first, second, third] = waits('jitter-a');
    expect(first).toBeGreaterThanOrEqual(500);
    expect(first).toBeLessThanOrEqual(1_000);
    expect(second).toBeGreaterThanOrEqual(1_000);
    expect(second).toBeLessThanOrEqual(2_000);
    expect(third).toBeGreaterThanOrEqual(1_500);
    expect(third).toBeLessThanOrEqual(3_000);
    // No randomness: a replay (or another replica) waits the same; other runs spread out.
    expect(waits('jitter-a')).toEqual([first, second, third]);
    expect(
      new Set(['jitter-b', 'jitter-c', 'jitter-d', 'jitter-e'].map((id) => waits(id)[0])).size,
    ).toBeGreaterThan(1);
  });

  it('never lets the backoff push the retry past the run deadline: shorter, down to an immediate retry', () => {
    // Run deadline T0 + 900 s. With a 898 s step timeout, a retry at T0 + 10 has 1.99 s of room.
    let t = apply(actor, start(actor, [{ id: 'review', retries: 1, timeoutMs: 898_000 }]).state!, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'review',
      attempt: 1,
      errorCode: 'gateway_unavailable',
    });
    expect(backoffOf(t.commands)!.dueAt).toBe(T0 + 2_000);
    // With no room at all, the retry goes out at once, as before.
    t = apply(actor, start(actor, [{ id: 'review', retries: 1, timeoutMs: 900_000 }]).state!, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'review',
      attempt: 1,
      errorCode: 'gateway_unavailable',
    });
    expect(backoffOf(t.commands)).toBeUndefined();
    expect(tasksOf(t.commands).map((c) => c.msgId)).toEqual(['run-1:review:2']);
  });

  it('ends a step cancelled when its run is cancelled during the backoff; the timer is then stale', () => {
    const failed = apply(actor, start(actor, [{ id: 'review', retries: 1 }]).state!, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'review',
      attempt: 1,
      errorCode: 'gateway_unavailable',
    });
    const timer = backoffOf(failed.commands)!;
    const cancelled = apply(actor, failed.state!, { type: 'cancelRequested', at: T0 + 20, reason: 'closed' });
    expect(cancelled.state!.steps.review).toMatchObject({ state: 'cancelled' });
    expect(cancelled.state!.steps.review.backoff).toBeUndefined();
    expect(timerIsLive(cancelled.state!, timer)).toBe(false);
    // A late result of the attempt that failed changes nothing while the backoff runs.
    const late = apply(actor, failed.state!, {
      type: 'stepSucceeded',
      at: T0 + 30,
      stepId: 'review',
      attempt: 1,
      result: buildResult(RUN, 'review', 1),
    });
    expect(late.ignored).toMatch(/waiting, not running/);
  });

  it('retries at once when the backoff is off (baseMs 0)', () => {
    const now = new RunActor({ retryBackoff: { baseMs: 0, maxMs: 0 } });
    const t = apply(now, start(now, [{ id: 'review', retries: 1 }]).state!, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'review',
      attempt: 1,
      errorCode: 'gateway_unavailable',
    });
    expect(tasksOf(t.commands).map((c) => c.msgId)).toEqual(['run-1:review:2']);
  });
});

describe("RunActor: degrade, don't fail", () => {
  const actor = new RunActor();
  const prReview: StepSpec[] = [
    { id: 'code-review', agentType: 'code-review' },
    { id: 'security', agentType: 'security' },
    { id: 'test-coverage', agentType: 'test-coverage' },
  ];
  const blocker = buildFinding({
    severity: 'blocker',
    source: 'model',
    confidence: 0.95,
    agent: 'security',
    category: 'security',
    file: 'App/Keys.swift',
  });

  it('lets siblings of a failed step run to the end and gates on what they found', () => {
    let state = start(actor, prReview).state!;
    const failed = apply(actor, state, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'code-review',
      attempt: 1,
      errorCode: 'policy_denied',
      errorMessage: 'never-sent paths in the request: App/Vendor/V.swift',
    });
    expect(failed.state!.status).toBe('running');
    expect(ofType(failed.commands, 'cancelRun')).toHaveLength(0);
    expect(failed.state!.steps.security.state).toBe('running');
    state = failed.state!;
    state = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 20,
      stepId: 'security',
      attempt: 1,
      result: buildResult(RUN, 'security', 1, { findings: [blocker] }),
    }).state!;
    const done = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 30,
      stepId: 'test-coverage',
      attempt: 1,
      result: buildResult(RUN, 'test-coverage', 1),
    });
    const report = ofType(done.commands, 'completeRun')[0].report;
    expect(report.findings.map((f) => f.file)).toEqual(['App/Keys.swift']);
    expect(report.gateConclusion).toBe('failure');
    expect(report.incompleteSteps).toEqual(['code-review']);
    expect(report.steps['code-review']).toMatchObject({
      state: 'failed',
      errorCode: 'policy_denied',
      errorMessage: expect.stringContaining('App/Vendor/V.swift'),
    });
    expect(report.gateSummary).toContain(
      'code-review failed (never-sent paths in the request: App/Vendor/V.swift)',
    );
  });

  it('passes a review whose other steps found nothing, naming the failed step in the summary', () => {
    let state = start(actor, prReview).state!;
    state = apply(actor, state, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'code-review',
      attempt: 1,
      errorCode: 'repo_unavailable',
      errorMessage: 'diff unreadable',
    }).state!;
    state = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 20,
      stepId: 'security',
      attempt: 1,
      result: buildResult(RUN, 'security', 1),
    }).state!;
    const done = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 30,
      stepId: 'test-coverage',
      attempt: 1,
      result: buildResult(RUN, 'test-coverage', 1),
    });
    const report = ofType(done.commands, 'completeRun')[0].report;
    expect(report.gateConclusion).toBe('success');
    expect(report.gateSummary).toBe(
      'success: no finding at or above blocker; incomplete: code-review failed (diff unreadable)',
    );
  });

  it("keeps the findings a failed step reported (the analysers' ones) and gates on them", () => {
    const state = start(actor, [{ id: 'code-review' }]).state!;
    const token = buildFinding({
      severity: 'blocker',
      source: 'analyzer',
      confidence: 1,
      category: 'security',
      file: 'App/A.swift',
      ruleId: 'secret.github-token',
    });
    const t = apply(actor, state, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'code-review',
      attempt: 1,
      errorCode: 'policy_denied',
      errorMessage: 'refused',
      result: buildResult(RUN, 'code-review', 1, { status: 'failed', findings: [token] }),
    });
    const report = ofType(t.commands, 'completeRun')[0].report;
    expect(report.findings).toHaveLength(1);
    expect(report.gateConclusion).toBe('failure');
  });

  it('is neutral, never success, when every model step failed and no finding fails the gate', () => {
    let state = start(actor, [
      ...prReview.slice(0, 2),
      { id: 'lint', agentType: 'lint', providers: [] },
    ]).state!;
    state = apply(actor, state, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'code-review',
      attempt: 1,
      errorCode: 'policy_denied',
      errorMessage: 'refused',
    }).state!;
    state = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 12,
      stepId: 'lint',
      attempt: 1,
      result: buildResult(RUN, 'lint', 1),
    }).state!;
    const t = apply(actor, state, {
      type: 'stepFailed',
      at: T0 + 20,
      stepId: 'security',
      attempt: 1,
      errorCode: 'policy_denied',
      errorMessage: 'refused',
    });
    const report = ofType(t.commands, 'completeRun')[0].report;
    expect(report.gateConclusion).toBe('neutral');
    expect(report.gateSummary).toMatch(
      /^neutral: every model step failed, only the deterministic rules reviewed the change/,
    );
  });

  it('fails instead when the gate says whenModelsFail: failure', () => {
    const state = start(actor, [{ id: 'code-review' }], {
      gate: { failOn: 'blocker', sources: [], minConfidence: 0.7, whenModelsFail: 'failure' },
    }).state!;
    const t = apply(actor, state, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'code-review',
      attempt: 1,
      errorCode: 'policy_denied',
      errorMessage: 'refused',
    });
    expect(ofType(t.commands, 'completeRun')[0].report.gateConclusion).toBe('failure');
  });

  it('under fail_fast ends the run at the first failure and cancels the siblings still running', () => {
    const state = start(actor, prReview, { failFast: true }).state!;
    const t = apply(actor, state, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'code-review',
      attempt: 1,
      errorCode: 'policy_denied',
      errorMessage: 'refused',
    });
    expect(t.state!.status).toBe('failed');
    expect(t.state!.steps.security.state).toBe('cancelled');
    expect(ofType(t.commands, 'cancelRun')).toHaveLength(1);
  });

  it('under fail_fast a continue_on_error step fails alone', () => {
    const state = start(
      actor,
      [{ id: 'code-review', options: { continue_on_error: true } }, { id: 'security' }],
      { failFast: true },
    ).state!;
    const t = apply(actor, state, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'code-review',
      attempt: 1,
      errorCode: 'policy_denied',
      errorMessage: 'refused',
    });
    expect(t.state!.status).toBe('running');
  });

  it('does not run a step whose input failed, and names it as not run', () => {
    let state = start(actor, [{ id: 'review' }, { id: 'tests', dependsOn: ['review'] }]).state!;
    const t = apply(actor, state, {
      type: 'stepFailed',
      at: T0 + 10,
      stepId: 'review',
      attempt: 1,
      errorCode: 'policy_denied',
      errorMessage: 'refused',
    });
    expect(tasksOf(t.commands)).toHaveLength(0);
    state = t.state!;
    expect(state.steps.tests).toMatchObject({
      state: 'skipped',
      errorCode: 'dependency_failed',
      errorMessage: 'not run: step review it depends on failed',
    });
    const report = ofType(t.commands, 'completeRun')[0].report;
    expect(report.incompleteSteps).toEqual(['review', 'tests']);
  });
});

describe('RunActor: run-level actions when every provider failed', () => {
  const actor = new RunActor();
  const steps: StepSpec[] = [
    {
      id: 'review',
      providers: [
        { provider: 'anthropic', model: 'm1' },
        { provider: 'openai', model: 'm2' },
      ],
    },
    { id: 'lint', agentType: 'lint', providers: [] },
  ];

  it('notifies once and stops the run on continue: false, aborting agents still working', () => {
    const state = start(actor, steps, {
      runActions: [{ ifProviderFails: 'openai', notify: '#mobile-alerts', continue: false }],
    }).state!;
    const t = apply(actor, state, {
      type: 'providersExhausted',
      at: T0 + 100,
      stepId: 'review',
      attempt: 1,
      errorMessage: 'anthropic overloaded; openai 500',
    });
    expect(ofType(t.commands, 'notify').map((c) => c.alert)).toEqual([
      expect.objectContaining({ target: '#mobile-alerts', code: 'all_providers_failed', stepId: 'review' }),
    ]);
    expect(t.state!.status).toBe('failed');
    expect(ofType(t.commands, 'failRun')[0].failure.code).toBe('all_providers_failed');
    expect(ofType(t.commands, 'cancelRun')[0].cancel).toMatchObject({ runId: RUN });
    expect(tasksOf(t.commands)).toHaveLength(0);
  });

  it("without continue: false the run goes on, degraded, and the analysers' blocker still fails the gate", () => {
    let state = start(actor, steps, {
      runActions: [{ ifProviderFails: '*', notify: 'ops', continue: true }],
    }).state!;
    const t = apply(actor, state, { type: 'providersExhausted', at: T0 + 100, stepId: 'review', attempt: 1 });
    expect(tasksOf(t.commands)).toHaveLength(0);
    expect(ofType(t.commands, 'notify')).toHaveLength(1);
    expect(t.state!.status).toBe('running');
    state = t.state!;
    const done = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 200,
      stepId: 'lint',
      attempt: 1,
      result: buildResult(RUN, 'lint', 1, {
        findings: [buildFinding({ severity: 'blocker', source: 'analyzer', confidence: 1 })],
      }),
    });
    const report = ofType(done.commands, 'completeRun')[0].report;
    expect(report.degraded).toBe(true);
    expect(report.gateConclusion).toBe('failure');
    expect(report.gateSummary).toMatch(/incomplete: review failed \(every provider of the step failed\)/);
    expect(report.steps.review).toMatchObject({ state: 'failed', errorCode: 'all_providers_failed' });
    expect(report.incompleteSteps).toEqual(['review']);
  });

  it('a degraded run with no finding that fails the gate stays neutral, and keeps what the exhausted step found', () => {
    let state = start(actor, steps).state!;
    const ruleFinding = buildFinding({
      severity: 'minor',
      source: 'analyzer',
      confidence: 1,
      file: 'App/A.swift',
      category: 'localization',
    });
    state = apply(actor, state, {
      type: 'providersExhausted',
      at: T0 + 100,
      stepId: 'review',
      attempt: 1,
      result: buildResult(RUN, 'review', 1, { status: 'failed', findings: [ruleFinding] }),
    }).state!;
    const done = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 200,
      stepId: 'lint',
      attempt: 1,
      result: buildResult(RUN, 'lint', 1),
    });
    const report = ofType(done.commands, 'completeRun')[0].report;
    expect(report.gateConclusion).toBe('neutral');
    expect(report.findings.map((f) => f.file)).toEqual(['App/A.swift']);
  });

  it('does not apply an action for a provider the step never used', () => {
    const state = start(actor, steps, {
      runActions: [{ ifProviderFails: 'cursor', notify: 'ops', continue: false }],
    }).state!;
    const t = apply(actor, state, { type: 'providersExhausted', at: T0 + 100, stepId: 'review', attempt: 1 });
    expect(ofType(t.commands, 'notify')).toHaveLength(0);
    expect(t.state!.status).toBe('running');
  });
});

describe('RunActor: if: conditions', () => {
  it('evaluates a condition once, when the step becomes ready, and records it', () => {
    const calls: string[] = [];
    const actor = new RunActor({
      evaluateCondition: (expr, outcomes) => {
        calls.push(expr);
        return (outcomes.review?.findings.length ?? 0) > 0;
      },
    });
    let state = start(actor, [
      { id: 'review' },
      { id: 'fix', dependsOn: ['review'], if: 'review.findings > 0' },
      { id: 'other' },
    ]).state!;
    expect(calls).toEqual([]);
    const t = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 1,
      stepId: 'review',
      attempt: 1,
      result: buildResult(RUN, 'review', 1),
    });
    expect(calls).toEqual(['review.findings > 0']);
    expect(t.state!.steps.fix).toMatchObject({
      state: 'skipped',
      condition: { expr: 'review.findings > 0', value: false },
    });
    state = t.state!;
    apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 2,
      stepId: 'other',
      attempt: 1,
      result: buildResult(RUN, 'other', 1),
    });
    expect(calls).toHaveLength(1);
  });

  it('starts the step when the condition holds, with the built-in evaluator', () => {
    const actor = new RunActor();
    const state = start(actor, [
      { id: 'review' },
      { id: 'fix', dependsOn: ['review'], if: 'review.findings.blocker > 0 && review.succeeded' },
    ]).state!;
    const t = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 1,
      stepId: 'review',
      attempt: 1,
      result: buildResult(RUN, 'review', 1, { findings: [buildFinding({ severity: 'blocker' })] }),
    });
    expect(tasksOf(t.commands).map((c) => c.task.stepId)).toEqual(['fix']);
    expect(t.state!.steps.fix.condition).toEqual({
      expr: 'review.findings.blocker > 0 && review.succeeded',
      value: true,
    });
  });

  it("resolves a phase name to its steps (the workflow library's evaluator)", () => {
    const actor = new RunActor();
    let state = start(actor, [
      { id: 'analysis.review', phase: 'analysis' },
      { id: 'analysis.security', phase: 'analysis', agentType: 'security' },
      {
        id: 'generation.tests',
        phase: 'generation',
        agentType: 'test-generation',
        dependsOn: ['analysis.review', 'analysis.security'],
        if: 'analysis.succeeded',
      },
    ]).state!;
    state = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 1,
      stepId: 'analysis.review',
      attempt: 1,
      result: buildResult(RUN, 'analysis.review', 1),
    }).state!;
    const t = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 2,
      stepId: 'analysis.security',
      attempt: 1,
      result: buildResult(RUN, 'analysis.security', 1),
    });
    expect(tasksOf(t.commands).map((c) => c.task.stepId)).toEqual(['generation.tests']);
  });

  it('fails the step, saying why, when the condition cannot be read', () => {
    const actor = new RunActor();
    const state = start(actor, [
      { id: 'review' },
      { id: 'fix', dependsOn: ['review'], if: 'nosuch.succeeded' },
    ]).state!;
    const t = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 1,
      stepId: 'review',
      attempt: 1,
      result: buildResult(RUN, 'review', 1),
    });
    expect(t.state!.steps.fix).toMatchObject({ state: 'failed', errorCode: 'condition_invalid' });
    expect(ofType(t.commands, 'completeRun')[0].report.incompleteSteps).toEqual(['fix']);
  });
});

describe('RunActor: concurrency groups and cancel', () => {
  const actor = new RunActor();

  it('cancels the runs a new push supersedes', () => {
    const t = start(actor, [{ id: 'review' }], {}, { supersedes: ['run-0'] });
    expect(ofType(t.commands, 'cancelRun').map((c) => [c.msgId, c.cancel])).toEqual([
      ['run-0:cancel:run-1', expect.objectContaining({ runId: 'run-0', supersededBy: 'run-1' })],
    ]);
    expect(tasksOf(t.commands)).toHaveLength(1);
  });

  it('ends at once a request that a newer run already superseded', () => {
    const t = start(actor, [{ id: 'review' }], {}, { supersededBy: 'run-2' });
    expect(tasksOf(t.commands)).toHaveLength(0);
    expect(ofType(t.commands, 'failRun')[0].failure.code).toBe('superseded');
  });

  it('ends at once, asking no agent, a request whose cancel arrived first (a PR closed during a backlog)', () => {
    const t = start(actor, [{ id: 'review' }], {}, { cancelledBefore: 'pull request merged' });
    expect(tasksOf(t.commands)).toHaveLength(0);
    expect(ofType(t.commands, 'failRun')[0].failure).toMatchObject({
      code: 'cancelled',
      reason: 'pull request merged',
    });
    expect(t.state!.status).not.toBe('running');
  });

  it('on cancel ends the run as superseded, with partial results, and discards late results', () => {
    let state = start(actor, [{ id: 'review' }, { id: 'lint', agentType: 'lint' }]).state!;
    state = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 1,
      stepId: 'lint',
      attempt: 1,
      result: buildResult(RUN, 'lint', 1, { findings: [buildFinding()] }),
    }).state!;
    const t = apply(actor, state, {
      type: 'cancelRequested',
      at: T0 + 2,
      reason: 'new push',
      supersededBy: 'run-2',
    });
    const failure = ofType(t.commands, 'failRun')[0].failure;
    expect(failure.code).toBe('superseded');
    expect(failure.partial.findings).toHaveLength(1);
    expect(failure.partial.steps.review.state).toBe('cancelled');
    expect(ofType(t.commands, 'cancelRun')).toHaveLength(0);
    const late = actor.apply(t.state, {
      type: 'stepSucceeded',
      at: T0 + 3,
      stepId: 'review',
      attempt: 1,
      result: buildResult(RUN, 'review', 1),
    });
    expect(late.ignored).toBeDefined();
  });

  it('ignores a second request for the same run', () => {
    const first = start(actor, [{ id: 'review' }]);
    const again = actor.apply(first.state, {
      type: 'runRequested',
      at: T0 + 5,
      request: first.state!.request as never,
    });
    expect(again.ignored).toMatch(/already requested/);
  });
});

describe('RunActor: deadline', () => {
  const actor = new RunActor();
  it('fails the run at its deadline with the partial results, aborting in-flight agents', () => {
    let state = start(actor, [{ id: 'review' }, { id: 'lint', agentType: 'lint' }], {
      timeoutMs: 30_000,
    }).state!;
    state = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 1,
      stepId: 'lint',
      attempt: 1,
      result: buildResult(RUN, 'lint', 1, { findings: [buildFinding()] }),
    }).state!;
    const stale = apply(actor, state, {
      type: 'timerDue',
      at: T0 + 30_000,
      kind: 'run-deadline',
      timerId: 'deadline@1',
    });
    expect(stale.ignored).toBeDefined();
    const t = apply(actor, state, {
      type: 'timerDue',
      at: T0 + 30_000,
      kind: 'run-deadline',
      timerId: `deadline@${T0 + 30_000}`,
    });
    const failure = ofType(t.commands, 'failRun')[0].failure;
    expect(failure).toMatchObject({ code: 'deadline_exceeded' });
    expect(failure.partial.findings).toHaveLength(1);
    expect(ofType(t.commands, 'cancelRun')).toHaveLength(1);
  });
});

describe('RunActor: waiting for CI', () => {
  const actor = new RunActor();
  const ci = (conclusion: string, headSha = 'c'.repeat(40)): CiEvent => ({
    platform: 'github',
    repo: 'acme/ios-app',
    headSha,
    conclusion,
    name: 'iOS tests',
  });

  function waiting() {
    let state = start(actor, [
      { id: 'run', agentType: 'test-runner', providers: [] },
      { id: 'review-tests', agentType: 'test-review', dependsOn: ['run'] },
    ]).state!;
    const t = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 10,
      stepId: 'run',
      attempt: 1,
      result: buildResult(RUN, 'run', 1, { awaitCi: { headSha: 'c'.repeat(40), timeoutMs: 120_000 } }),
    });
    state = t.state!;
    return { state, t };
  }

  it('waits durably for CI on the head SHA and hands the CI result to the next phase', () => {
    const { state, t } = waiting();
    expect(state.steps.run.state).toBe('waiting');
    expect(ofType(t.commands, 'awaitOutsideEvent')[0]).toMatchObject({
      ci: { platform: 'github', repo: 'acme/ios-app', headSha: 'c'.repeat(40) },
      stepId: 'run',
    });
    expect(ofType(t.commands, 'startTimer')[0].timer).toMatchObject({
      kind: 'wait-ci',
      dueAt: T0 + 10 + 120_000,
    });
    expect(
      apply(actor, state, { type: 'outsideEvent', at: T0 + 20, ci: ci('pending') }).ignored,
    ).toBeDefined();
    expect(
      apply(actor, state, { type: 'outsideEvent', at: T0 + 20, ci: ci('success', 'd'.repeat(40)) }).ignored,
    ).toBeDefined();
    const done = apply(actor, state, { type: 'outsideEvent', at: T0 + 30, ci: ci('success') });
    expect(done.state!.steps.run.state).toBe('succeeded');
    const [task] = tasksOf(done.commands);
    expect(task.task.stepId).toBe('review-tests');
    expect(task.task.context.run.data).toMatchObject({ ci: { conclusion: 'success', name: 'iOS tests' } });
  });

  it("fails the step when the team's CI fails, with what CI said, and proposes no files", () => {
    let { state } = waiting();
    state.steps.run.result = {
      ...state.steps.run.result!,
      proposedFiles: [{ path: 'Tests/CartTests.swift', content: 'x', purpose: 'cart tests' }],
    };
    const failed = {
      ...ci('failure'),
      url: 'https://ci.example/1',
      details: { title: '2 tests failed', summary: 'CartTests.testTotal: expected 3, got 2' },
    };
    const done = apply(actor, state, { type: 'outsideEvent', at: T0 + 30, ci: failed });
    state = done.state!;
    expect(state.steps.run).toMatchObject({
      state: 'failed',
      errorCode: 'ci_failed',
      errorMessage: `CI iOS tests ended failure on ${'c'.repeat(12)}: 2 tests failed: CartTests.testTotal: expected 3, got 2 (https://ci.example/1)`,
    });
    expect(state.steps['review-tests'].state).toBe('skipped');
    expect(buildReport(state, T0 + 40).proposedFiles).toEqual([]);
  });

  it('times the wait out through its timer', () => {
    const { state } = waiting();
    const t = apply(actor, state, {
      type: 'timerDue',
      at: T0 + 130_010,
      kind: 'wait-ci',
      timerId: 'run:1:ci',
      stepId: 'run',
      attempt: 1,
    });
    expect(t.state!.steps.run).toMatchObject({ state: 'timed_out', errorCode: 'ci_wait_timed_out' });
  });
});

describe('RunActor: deferred by the gateway', () => {
  const actor = new RunActor({ minDeferMs: 1_000, maxDeferMs: 60_000 });

  it('waits on a timer and dispatches again, without spending a retry, and pushes the deadline out', () => {
    let state = start(actor, [{ id: 'review', retries: 0, timeoutMs: 10_000 }], { timeoutMs: 20_000 }).state!;
    const t = apply(actor, state, {
      type: 'stepDeferred',
      at: T0 + 100,
      stepId: 'review',
      attempt: 1,
      retryAt: T0 + 30_100,
      errorCode: 'all_providers_down',
    });
    expect(t.state!.steps.review).toMatchObject({ state: 'waiting', deferrals: 1 });
    expect(ofType(t.commands, 'startTimer')[0].timer).toMatchObject({
      kind: 'retry-deferred',
      dueAt: T0 + 30_100,
      timerId: 'review:1:retry',
    });
    expect(t.state!.deadlineAt).toBe(T0 + 40_100);
    expect(t.state!.status).toBe('running');
    state = t.state!;
    // The original deadline comes due: the run is re-armed, not failed.
    const rearm = apply(actor, state, {
      type: 'timerDue',
      at: T0 + 20_000,
      kind: 'run-deadline',
      timerId: `deadline@${T0 + 20_000}`,
    });
    expect(ofType(rearm.commands, 'startTimer')[0].timer).toMatchObject({
      kind: 'run-deadline',
      dueAt: T0 + 40_100,
    });
    state = rearm.state!;
    const retried = apply(actor, state, {
      type: 'timerDue',
      at: T0 + 30_100,
      kind: 'retry-deferred',
      timerId: 'review:1:retry',
      stepId: 'review',
      attempt: 1,
    });
    expect(tasksOf(retried.commands).map((c) => c.msgId)).toEqual(['run-1:review:2']);
    expect(retried.state!.steps.review.retriesUsed).toBe(0);
    const done = apply(actor, retried.state!, {
      type: 'stepSucceeded',
      at: T0 + 31_000,
      stepId: 'review',
      attempt: 2,
      result: buildResult(RUN, 'review', 2, {
        findings: [buildFinding({ severity: 'blocker', confidence: 1 })],
      }),
    });
    const report = ofType(done.commands, 'completeRun')[0].report;
    // Late is not incomplete: the review finished, and its blocker fails the gate.
    expect(report.gateConclusion).toBe('failure');
    expect(report.incompleteSteps).toBeUndefined();
  });

  it('clamps a retry time the gateway put too close', () => {
    const state = start(actor, [{ id: 'review' }]).state!;
    const t = apply(actor, state, {
      type: 'stepDeferred',
      at: T0,
      stepId: 'review',
      attempt: 1,
      retryAt: T0 + 5,
    });
    expect(ofType(t.commands, 'startTimer')[0].timer.dueAt).toBe(T0 + 1_000);
  });
});

describe('RunActor: incremental review', () => {
  const actor = new RunActor();
  const open = buildFinding({ fingerprint: 'fp-open', file: 'Old.swift' });
  const gone = buildFinding({ fingerprint: 'fp-gone', file: 'Gone.swift', agent: 'code-review' });
  const otherAgent = buildFinding({ fingerprint: 'fp-sec', agent: 'security' });
  const dismissed = buildFinding({ fingerprint: 'fp-dismissed' });

  it("sends a synchronize run only what changed since the last reviewed head, plus that agent's open findings", () => {
    const t = start(
      actor,
      [{ id: 'review' }],
      {},
      {
        prior: {
          lastReviewedHeadSha: 'a1',
          openFindings: [open, otherAgent, dismissed],
          dismissedFingerprints: ['fp-dismissed'],
        },
      },
      { trigger: 'pull_request.synchronize' },
    );
    const [task] = tasksOf(t.commands);
    expect(task.task.sinceSha).toBe('a1');
    expect(task.task.openFindings!.map((f) => f.fingerprint)).toEqual(['fp-open']);
  });

  it('reviews everything on opened', () => {
    const t = start(
      actor,
      [{ id: 'review' }],
      {},
      { prior: { lastReviewedHeadSha: 'a1', openFindings: [open], dismissedFingerprints: [] } },
    );
    expect(tasksOf(t.commands)[0].task.sinceSha).toBeUndefined();
  });

  it('marks findings new, still open or fixed against the previous review, and never reports a dismissed one', () => {
    const { fingerprintOf } = jest.requireActual(
      '@agentflow/findings',
    ) as typeof import('@agentflow/findings');
    const still = buildFinding({ file: 'Old.swift', message: 'Still broken' });
    const stillFp = fingerprintOf(still);
    const dismissedFinding = buildFinding({ file: 'Nag.swift', message: 'Nitpick' });
    const prior = {
      lastReviewedHeadSha: 'a1',
      openFindings: [{ ...still, fingerprint: stillFp }, gone, otherAgent],
      dismissedFingerprints: [fingerprintOf(dismissedFinding)],
    };
    const state = start(
      actor,
      [{ id: 'review' }],
      {},
      { prior },
      { trigger: 'pull_request.synchronize' },
    ).state!;
    const fresh = buildFinding({ file: 'New.swift', message: 'New problem' });
    const t = apply(actor, state, {
      type: 'stepSucceeded',
      at: T0 + 1,
      stepId: 'review',
      attempt: 1,
      result: buildResult(RUN, 'review', 1, { findings: [still, fresh, dismissedFinding] }),
    });
    const report = ofType(t.commands, 'completeRun')[0].report;
    expect(report.findings.map((f) => f.file).sort()).toEqual(['New.swift', 'Old.swift']);
    expect(report.findingStates[stillFp]).toBe('open');
    expect(report.findingStates[fingerprintOf(fresh)]).toBe('new');
    expect(report.findingStates['fp-gone']).toBe('fixed');
    // The security agent did not run again: its finding is neither open nor fixed.
    expect(report.findingStates['fp-sec']).toBeUndefined();
  });
});

describe('run state schema', () => {
  it('reads the current version and refuses an unknown one', () => {
    const state = start(new RunActor(), [{ id: 'a' }]).state!;
    expect(upgradeState(JSON.parse(JSON.stringify(state)))).toEqual(state);
    expect(() => upgradeState({ ...state, schemaVersion: 99 })).toThrow(UnsupportedStateVersionError);
  });
});

// Keeps the replay helper honest: it folds transitions exactly like repeated apply.
describe('replay', () => {
  it('skips ignored events', () => {
    const actor = new RunActor();
    const plan = buildPlan([{ id: 'a' }]);
    const r = replay(actor, [
      { type: 'stepStarted', at: T0, stepId: 'a', attempt: 1 },
      { type: 'runRequested', at: T0, request: buildRunRequest(RUN, plan) },
      { type: 'stepSucceeded', at: T0 + 1, stepId: 'a', attempt: 1, result: buildResult(RUN, 'a', 1) },
    ]);
    expect(r.transitions[0].ignored).toBeDefined();
    expect(r.state!.status).toBe('completed');
  });
});

describe('RunActor: report', () => {
  it('names each file not reviewed once, however many agents skipped it for the same reason', () => {
    const actor = new RunActor();
    const steps: StepSpec[] = [
      { id: 'review', agentType: 'code-review', phase: 'main' },
      { id: 'security', agentType: 'security', phase: 'main' },
    ];
    let state = start(actor, steps).state!;
    const skipped = [
      { file: 'Podfile.lock', reason: 'lockfile' },
      { file: 'App/Generated/Strings.swift', reason: 'generated' },
    ];
    let commands: RunCommand[] = [];
    for (const stepId of ['review', 'security']) {
      const result = buildResult(RUN, stepId, 1, {
        notReviewed:
          stepId === 'security' ? [...skipped, { file: 'Podfile.lock', reason: 'context-budget' }] : skipped,
      });
      const t = apply(actor, state, { type: 'stepSucceeded', at: T0 + 1_000, stepId, attempt: 1, result });
      state = t.state!;
      commands = t.commands;
    }
    const report = ofType(commands, 'completeRun')[0]?.report;
    expect(report).toBeDefined();
    expect(report!.notReviewed).toEqual([...skipped, { file: 'Podfile.lock', reason: 'context-budget' }]);
  });
});
