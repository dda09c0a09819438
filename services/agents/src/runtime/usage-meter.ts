/** Adds up what a step's model calls cost, for the result's `usage`. */
import type { GatewayResponse, StepUsage } from '@agentflow/contracts';

export class UsageMeter {
  private readonly usage: StepUsage = {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    vendorMs: 0,
    models: [],
  };
  calls = 0;

  add(response: GatewayResponse): void {
    this.calls++;
    const u = response.usage;
    if (u) {
      this.usage.inputTokens += u.inputTokens;
      this.usage.outputTokens += u.outputTokens;
      this.usage.cacheReadTokens += u.cacheReadTokens;
      this.usage.cacheWriteTokens += u.cacheWriteTokens;
    }
    this.usage.costUsd += response.costUsd ?? 0;
    this.usage.vendorMs += response.vendorMs ?? 0;
    if (response.model && !this.usage.models.includes(response.model)) this.usage.models.push(response.model);
  }

  snapshot(): StepUsage {
    return {
      ...this.usage,
      costUsd: Math.round(this.usage.costUsd * 1e6) / 1e6,
      models: [...this.usage.models],
    };
  }
}
