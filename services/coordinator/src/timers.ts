/**
 * Durable timers (nats-server 2.9 has no scheduled messages): a timer message is nak'ed with the
 * time remaining, at most `maxNakMs` at a time, until due; then it becomes the run's event.
 */
import type { TimerMessage } from '@agentflow/contracts';
import type { RunEvent, TimerKind } from '@agentflow/run-actor';

export const TIMER_KINDS: readonly TimerKind[] = [
  'step-timeout',
  'run-deadline',
  'retry-deferred',
  'retry-backoff',
  'wait-ci',
];

/** Not due yet: nak for this long. */
export interface TimerNotDue {
  due: false;
  nakMs: number;
}

export interface TimerDue {
  due: true;
  event: RunEvent;
}

export function timerDecision(timer: TimerMessage, now: number, maxNakMs: number): TimerNotDue | TimerDue {
  if (timer.dueAt > now) return { due: false, nakMs: Math.min(timer.dueAt - now, maxNakMs) };
  const kind = timer.kind as TimerKind;
  const event: RunEvent =
    kind === 'step-timeout'
      ? {
          type: 'stepTimedOut',
          at: now,
          stepId: timer.stepId ?? '',
          attempt: timer.attempt ?? 0,
          timerId: timer.timerId,
        }
      : {
          type: 'timerDue',
          at: now,
          kind,
          timerId: timer.timerId,
          ...(timer.stepId ? { stepId: timer.stepId } : {}),
          ...(timer.attempt ? { attempt: timer.attempt } : {}),
        };
  return { due: true, event };
}
