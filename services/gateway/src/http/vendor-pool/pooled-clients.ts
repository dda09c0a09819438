/**
 * Swaps the SDK client of every OpenAI and OpenAI-compatible provider of a gateway for a
 * {@link PooledOpenAIProvider} (same config, same key, same error classification). The pipeline
 * holds the gateway's provider map by reference, so the swap applies to every caller of
 * {@link Gateway.generate}, NATS and HTTP alike. Other kinds (Anthropic, Bedrock, Vertex, Azure)
 * keep their SDK clients.
 */
import type { ProvidersConfig } from '@agentflow/contracts';
import { ProviderKeys } from '../../config/provider-keys';
import type { Gateway } from '../../gateway';
import { PooledOpenAIProvider } from './pooled-openai-provider';

/** Returns the pooled providers installed, to close at shutdown. */
export function usePooledVendorClients(gateway: Gateway, config: ProvidersConfig, env: Readonly<Record<string, string | undefined>>): PooledOpenAIProvider[] {
  const keys = new ProviderKeys(env, gateway.scrubber);
  const installed: PooledOpenAIProvider[] = [];
  for (const [name, p] of Object.entries(config.providers)) {
    if (p.enabled === false || !gateway.providers.has(name)) continue;
    if (p.kind !== 'openai' && p.kind !== 'openai-compatible') continue;
    const baseUrl = p.baseUrl ?? 'https://api.openai.com/v1';
    const apiKey = keys.resolve(name, p) ?? 'no-key';
    const headers = p.kind === 'openai-compatible' ? (p.options?.headers as Record<string, string> | undefined) : undefined;
    const provider = new PooledOpenAIProvider(name, p.kind, { baseUrl, apiKey, headers }, gateway.scrubber.scrub);
    gateway.providers.set(name, provider);
    installed.push(provider);
  }
  return installed;
}
