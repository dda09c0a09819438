/**
 * One event at a time per run within this replica. Events of one run arrive together (four
 * parallel steps start and finish at about the same moment); handled at once, all but one lose
 * the compare-and-set, reload and apply again, and each loser first re-publishes the winner's
 * outbox and fails to clear it. On JetStream that was more than twice the work per event. Queued
 * here, they take turns; across replicas compare-and-set still decides, as before.
 *
 * A turn waits for the one before it at most `maxWaitMs` and then goes ahead anyway: handling an
 * event can apply another run's event (a superseded run is cancelled from the outbox), so two
 * runs could otherwise wait on each other forever. Going ahead is safe, only slower.
 */
export class RunTurns {
  private readonly tails = new Map<string, Promise<void>>();

  /** @param maxWaitMs longest wait for the turn before going ahead. @default 2000 */
  constructor(private readonly maxWaitMs = 2000) {}

  async take<T>(runId: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(runId);
    let finished!: () => void;
    const mine = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const tail = before ? before.then(() => mine) : mine;
    this.tails.set(runId, tail);
    try {
      if (before) await this.waitAtMost(before);
      return await work();
    } finally {
      finished();
      if (this.tails.get(runId) === tail) this.tails.delete(runId);
    }
  }

  /** Runs with an event in progress or waiting (for tests). */
  get busy(): number {
    return this.tails.size;
  }

  private waitAtMost(turn: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.maxWaitMs);
    });
    return Promise.race([turn, timeout]).finally(() => clearTimeout(timer));
  }
}
