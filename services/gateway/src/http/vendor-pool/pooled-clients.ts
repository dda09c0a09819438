/**
 * Swaps the SDK client of every OpenAI, OpenAI-compatible and direct Anthropic provider of a
 * gateway for a pooled one (same config, same key, same translation and error classification). The pipeline
 * holds the gateway's provider map by reference, so the swap applies to every caller of
 * {@link Gateway.generate}, NATS and HTTP alike. Other kinds (Anthropic, Bedrock, Vertex, Azure)
 * keep their SDK clients.
 */
import type { ProvidersConfig } from '@agentflow/contracts';
import { ProviderKeys } from '../../config/provider-keys';
import type { Gateway } from '../../gateway';
import { PooledAnthropicProvider } from './pooled-anthropic-provider';
import { PooledOpenAIProvider } from './pooled-openai-provider';

export type PooledProvider = PooledOpenAIProvider | PooledAnthropicProvider;

/** Returns the pooled providers installed, to close at shutdown. */
export function usePooledVendorClients(gateway: Gateway, config: ProvidersConfig, env: Readonly<Record<string, string | undefined>>): PooledProvider[] {
  const keys = new ProviderKeys(env, gateway.scrubber);
  const installed: PooledProvider[] = [];
  for (const [name, p] of Object.entries(config.providers)) {
    if (p.enabled === false || !gateway.providers.has(name)) continue;
    let provider: PooledProvider;
    if (p.kind === 'openai' || p.kind === 'openai-compatible') {
      const headers = p.kind === 'openai-compatible' ? (p.options?.headers as Record<string, string> | undefined) : undefined;
      provider = new PooledOpenAIProvider(name, p.kind, { baseUrl: p.baseUrl ?? 'https://api.openai.com/v1', apiKey: keys.resolve(name, p) ?? 'no-key', headers }, gateway.scrubber.scrub);
    } else if (p.kind === 'anthropic') {
      const apiKey = keys.resolve(name, p);
      if (!apiKey) continue;
      provider = new PooledAnthropicProvider(name, p.kind, { baseUrl: p.baseUrl ?? 'https://api.anthropic.com', apiKey }, gateway.scrubber.scrub);
    } else {
      continue;
    }
    gateway.providers.set(name, provider);
    installed.push(provider);
  }
  return installed;
}
