/**
 * A model's life as providers.yml records it (`deprecatedOn`, `retiresOn`, `replacement`), judged
 * on a given day. `agentflow validate` reports a model a workflow uses in the last
 * {@link RETIREMENT_WARNING_DAYS} days before it retires (a warning: there is still time to move)
 * and from its retirement day on (an error: the vendor refuses it, so every call would fail over).
 */
import type { ProviderConfig } from '@agentflow/contracts';

/** How long before a retirement `agentflow validate` starts warning. Vendors give at least 60 days' notice. */
export const RETIREMENT_WARNING_DAYS = 30;

export interface LifecycleFinding {
  severity: 'warning' | 'error';
  message: string;
}

/** Today as an ISO date in UTC, the calendar the vendors' retirement dates use. */
export function isoToday(now: number = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
}

/**
 * What validate says about `model` of `provider` on `today`, or undefined when it is not near its
 * end. The message names the replacement when providers.yml declares one.
 */
export function judgeModelLifecycle(
  providerName: string,
  provider: ProviderConfig,
  model: string,
  today: string,
): LifecycleFinding | undefined {
  const config = provider.models[model];
  if (!config?.retiresOn) return undefined;
  const instead = config.replacement
    ? `; use \`${config.replacement}\` (its declared replacement)`
    : '; choose another model of this provider';
  const left = daysBetween(today, config.retiresOn);
  if (left <= 0) {
    return {
      severity: 'error',
      message: `model \`${model}\` of provider \`${providerName}\` retired on ${config.retiresOn}: the vendor refuses it${instead}`,
    };
  }
  if (left <= RETIREMENT_WARNING_DAYS) {
    return {
      severity: 'warning',
      message: `model \`${model}\` of provider \`${providerName}\` retires on ${config.retiresOn}, in ${left} day${left === 1 ? '' : 's'}${instead}`,
    };
  }
  return undefined;
}
