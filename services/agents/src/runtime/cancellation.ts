/**
 * Cancellation by run: every in-flight task of a run gets an AbortSignal that a
 * `af.runs.<runId>.cancel` message aborts (the gateway call through it). Cancelled run ids are
 * remembered for a while, so a task that arrives after its run's cancel is not started at all.
 */
export class CancellationRegistry {
  private readonly live = new Map<string, Set<AbortController>>();
  private readonly cancelled = new Map<string, number>();

  constructor(private readonly rememberMs = 60 * 60_000) {}

  /** A signal for one task of `runId`; call the returned `release` when the task is done. */
  open(runId: string): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    if (this.isCancelled(runId)) controller.abort(new Error(`run ${runId} was cancelled`));
    let set = this.live.get(runId);
    if (!set) this.live.set(runId, (set = new Set()));
    set.add(controller);
    return {
      signal: controller.signal,
      release: () => {
        set.delete(controller);
        if (set.size === 0 && this.live.get(runId) === set) this.live.delete(runId);
      },
    };
  }

  cancel(runId: string, reason: string, now = Date.now()): number {
    this.cancelled.set(runId, now);
    this.prune(now);
    const set = this.live.get(runId);
    if (!set) return 0;
    for (const c of set) c.abort(new Error(`run ${runId} cancelled: ${reason}`));
    return set.size;
  }

  isCancelled(runId: string, now = Date.now()): boolean {
    const at = this.cancelled.get(runId);
    return at !== undefined && now - at < this.rememberMs;
  }

  private prune(now: number): void {
    for (const [runId, at] of this.cancelled) if (now - at >= this.rememberMs) this.cancelled.delete(runId);
  }
}
