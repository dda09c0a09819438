/**
 * A notifier task run every interval (the reaction sweep, the signal harvest, the usefulness
 * gauges): never two runs at once, a failed run logged and tried again next time, the timer never
 * keeping the process alive, and stop() waiting for the run in flight.
 */
import { describeError } from '@agentflow/contracts';

export interface PeriodicOptions {
  /** 0 or less: never runs by itself. */
  intervalMs: number;
  /** Runs once at start() too, not only after the first interval. */
  immediately?: boolean;
  /** What is said when a run fails, before the error (`the signal harvest failed`). */
  failure: string;
  log: { warn(message: string): void };
}

export class Periodic {
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<unknown>;

  constructor(
    private readonly run: () => Promise<unknown>,
    private readonly o: PeriodicOptions,
  ) {}

  start(): void {
    if (this.o.intervalMs <= 0 || this.timer) return;
    const tick = () => {
      if (this.inFlight) return;
      this.inFlight = this.run()
        .catch((error: unknown) => this.o.log.warn(`notifier: ${this.o.failure}: ${describeError(error)}`))
        .finally(() => {
          this.inFlight = undefined;
        });
    };
    if (this.o.immediately) tick();
    this.timer = setInterval(tick, this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }
}
