/** Puts a verified delivery on `af.webhooks.<platform>`, its delivery id as `Nats-Msg-Id`. */
import { TransientError, type Platform, type Topology, type WebhookReceived } from '@agentflow/contracts';
import type { MessageBus, Messenger } from '@agentflow/bus';

export interface DeliveryPublisher {
  /** Whether the bus looks usable now (a down bus goes straight to the spool, without waiting). */
  ready(): boolean;
  publish(delivery: WebhookReceived): Promise<void>;
}

/** The message id of a delivery: per platform, since GitHub and GitLab ids live in different spaces. */
export function deliveryMessageId(platform: Platform, deliveryId: string): string {
  return `webhook:${platform}:${deliveryId}`;
}

export class BusDeliveryPublisher implements DeliveryPublisher {
  constructor(
    private readonly bus: MessageBus,
    private readonly messenger: Messenger,
    private readonly topology: Topology,
    /** A publish slower than this is treated as a down bus: the webhook is answered from the spool. */
    private readonly timeoutMs = 3000,
  ) {}

  ready(): boolean {
    return this.bus.isHealthy();
  }

  async publish(delivery: WebhookReceived): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TransientError(`bus did not acknowledge within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      await Promise.race([
        this.messenger.emit(
          this.topology.subjects.webhooks(delivery.platform),
          'webhook.received',
          delivery,
          { msgId: deliveryMessageId(delivery.platform, delivery.deliveryId) },
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
