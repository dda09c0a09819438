/**
 * The order in which a request's targets are tried. Starts as the routed chain; after a
 * context-length error it drops targets whose window is no larger (they cannot take the prompt
 * either) and puts larger-window models first, the same provider's before other vendors'.
 */
import type { ProviderTarget } from '@agentflow/contracts';
import type { ModelRouter } from '../routing/model-router';

export class ProviderChain {
  private readonly queue: ProviderTarget[];
  private readonly tried = new Set<string>();

  constructor(
    targets: ProviderTarget[],
    private readonly router: ModelRouter,
    private readonly dataClass: string,
    private readonly available: (provider: string) => boolean,
  ) {
    this.queue = [...targets];
  }

  /** The next target not tried yet, or undefined when the chain is used up. */
  next(): ProviderTarget | undefined {
    while (this.queue.length) {
      const target = this.queue.shift()!;
      const id = `${target.provider}/${target.model}`;
      if (this.tried.has(id)) continue;
      this.tried.add(id);
      return target;
    }
    return undefined;
  }

  /** Re-plans after `failed` said the prompt is too long for it. */
  contextTooLong(failed: ProviderTarget): void {
    const window = this.router.contextWindow(failed.provider, failed.model);
    const larger = this.router
      .largerWindow(failed, window, this.dataClass, this.tried)
      .filter((t) => this.available(t.provider));
    const rest = this.queue.filter(
      (t) =>
        this.router.contextWindow(t.provider, t.model) > window &&
        !larger.some((l) => l.provider === t.provider && l.model === t.model),
    );
    const next = [...larger, ...rest].sort(
      (a, b) => Number(b.provider === failed.provider) - Number(a.provider === failed.provider),
    );
    this.queue.length = 0;
    this.queue.push(...next);
  }
}
