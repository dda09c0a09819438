/** Drains the spool onto the bus once it is back, oldest first; each delivery keeps its message id. */
import { describeError } from '@agentflow/contracts';
import type { Clock, IngressLog } from '../log';
import type { DeliveryPublisher } from './delivery-publisher';
import type { WebhookSpool } from './spool';

export class SpoolForwarder {
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<number> | undefined;

  constructor(
    private readonly spool: WebhookSpool,
    private readonly publisher: DeliveryPublisher,
    private readonly clock: Clock,
    private readonly log: IngressLog,
    private readonly batchSize = 100,
  ) {}

  /** Publishes what is due; stops at the first bus failure (the rest waits for the next pass). Returns how many went out. */
  drain(): Promise<number> {
    // One pass at a time: overlapping passes would publish the same rows twice (deduped, but wasteful).
    this.draining ??= this.pass().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async pass(): Promise<number> {
    if (!this.publisher.ready()) return 0;
    let sent = 0;
    for (;;) {
      const due = await this.spool.due(this.clock(), this.batchSize);
      if (due.length === 0) return sent;
      for (const d of due) {
        try {
          await this.publisher.publish({
            platform: d.platform,
            deliveryId: d.deliveryId,
            event: d.event,
            payload: d.payload,
            receivedAt: d.receivedAt.toISOString(),
          });
        } catch (error) {
          const backoffMs = Math.min(60_000, 1000 * 2 ** Math.min(d.attempts, 6));
          await this.spool.postpone(
            d.platform,
            d.deliveryId,
            describeError(error),
            new Date(this.clock().getTime() + backoffMs),
          );
          this.log.warn(
            `spooled delivery ${d.deliveryId} still cannot reach the bus: ${describeError(error)}`,
          );
          return sent;
        }
        await this.spool.remove(d.platform, d.deliveryId);
        sent += 1;
      }
      if (due.length < this.batchSize) return sent;
    }
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.drain().catch((error: unknown) => this.log.warn(`spool drain failed: ${describeError(error)}`));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.draining?.catch(() => undefined);
  }
}
