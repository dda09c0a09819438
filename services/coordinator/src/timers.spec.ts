import { timerDecision } from './timers';

const timer = {
  runId: 'r',
  timerId: 'review:1:timeout',
  kind: 'step-timeout',
  stepId: 'review',
  attempt: 1,
  dueAt: 100_000,
};

describe('timerDecision', () => {
  it('naks with the time remaining, never more than the cap', () => {
    expect(timerDecision(timer, 90_000, 30_000)).toEqual({ due: false, nakMs: 10_000 });
    expect(timerDecision(timer, 0, 30_000)).toEqual({ due: false, nakMs: 30_000 });
  });

  it('turns a due step timeout into stepTimedOut and other kinds into timerDue', () => {
    expect(timerDecision(timer, 100_000, 30_000)).toEqual({
      due: true,
      event: { type: 'stepTimedOut', at: 100_000, stepId: 'review', attempt: 1, timerId: 'review:1:timeout' },
    });
    expect(
      timerDecision({ runId: 'r', timerId: 'deadline@5', kind: 'run-deadline', dueAt: 5 }, 7, 30_000),
    ).toEqual({
      due: true,
      event: { type: 'timerDue', at: 7, kind: 'run-deadline', timerId: 'deadline@5' },
    });
  });
});
