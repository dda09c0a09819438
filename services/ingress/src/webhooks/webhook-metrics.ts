/**
 * Webhooks by what became of them, for the dashboard's "Webhooks by outcome" and the
 * AgentflowWebhooksFailing alert: counted from the answer the platform got, and once more when
 * an accepted delivery fails for good in processing.
 */
import { metrics } from '@agentflow/telemetry';
import type { IntakeReply } from './intake';

export type WebhookOutcome = 'accepted' | 'duplicate' | 'ignored' | 'rejected' | 'failed';

/** What an answer means: 4xx is a delivery refused at the door, 5xx one we could not take now. */
export function outcomeOf(reply: IntakeReply): WebhookOutcome {
  if (reply.status >= 500) return 'failed';
  if (reply.status >= 400) return 'rejected';
  switch (reply.body.result) {
    case 'queued':
    case 'spooled':
      return 'accepted';
    case 'duplicate':
      return 'duplicate';
    default:
      return 'ignored';
  }
}

export function countWebhook(platform: string, outcome: WebhookOutcome): void {
  metrics.webhooks.inc({ platform, outcome });
}
