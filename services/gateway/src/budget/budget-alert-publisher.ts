/**
 * Sends the gateway's budget alerts to the notifier (`notify.budget-alert` on `af.notify.budget-alert`),
 * which posts them to Slack's alert channel. The guard raises each (budget, period, threshold) once
 * across replicas; the message id makes a repeat (a retry after an unclear publish) a no-op, and the
 * notifier posts each once again on its side.
 */
import type { Messenger } from '@agentflow/bus';
import { describeError, type BudgetThresholdAlert, type Topology } from '@agentflow/contracts';
import type { BudgetAlert } from './budget-guard';

/** The `Nats-Msg-Id` of one alert: one per budget, period and threshold. */
export function budgetAlertMessageId(alert: BudgetAlert): string {
  return `budget-alert:${alert.budget}:${alert.period}:${alert.threshold}`;
}

/**
 * A `GatewayOptions.onBudgetAlert` that publishes each alert. The guard's callback is synchronous
 * and on the request path: the publish runs in the background, and a failure is only logged (the
 * alert is also in the gateway's log), never a failed request.
 */
export function budgetAlertPublisher(
  messenger: Messenger,
  topology: Topology,
  warn: (message: string, fields: Record<string, unknown>) => void,
): (alert: BudgetAlert) => Promise<void> {
  return async (alert) => {
    const body: BudgetThresholdAlert = {
      budget: alert.budget,
      threshold: alert.threshold,
      spentUsd: alert.spentUsd,
      limitUsd: alert.limitUsd,
      period: alert.period,
    };
    try {
      await messenger.emit(topology.subjects.notify('budget-alert'), 'notify.budget-alert', body, {
        msgId: budgetAlertMessageId(alert),
      });
    } catch (error) {
      warn('budget alert not sent to the notifier', { ...alert, error: describeError(error) });
    }
  };
}
