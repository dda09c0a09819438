/**
 * Builds the chat providers from providers.yml, one factory per chat kind of the vendor manifests
 * (`VENDOR_KINDS` in @agentflow/contracts), each exported by its folder's `index.ts`. Adding a
 * vendor kind is a manifest, a registry line and a folder (docs/development.md).
 */
import { vendorCan, type ProviderKind, type ProvidersConfig } from '@agentflow/contracts';
import { MissingProviderKeyError } from '../config/provider-keys';
import { anthropicFactory } from './anthropic';
import { anthropicBedrockFactory } from './anthropic-bedrock';
import { anthropicVertexFactory } from './anthropic-vertex';
import { azureOpenaiFactory } from './azure-openai';
import type { ChatProvider } from './chat-provider';
import { openaiFactory } from './openai';
import { openaiCompatibleFactory } from './openai-compatible';
import type { ChatProviderFactory, ProviderBuildContext } from './provider-factory';

export type { ChatProviderFactory, ProviderBuildContext } from './provider-factory';

/** One factory per kind whose manifest says `chat`; a spec checks none is missing. */
export const CHAT_FACTORIES: Partial<Record<ProviderKind, ChatProviderFactory>> = {
  anthropic: anthropicFactory,
  'anthropic-bedrock': anthropicBedrockFactory,
  'anthropic-vertex': anthropicVertexFactory,
  openai: openaiFactory,
  'openai-compatible': openaiCompatibleFactory,
  'azure-openai': azureOpenaiFactory,
};

/** Chat providers for every enabled chat-capable entry; job kinds (cursor, http-job) are served by the jobs side. */
export function buildChatProviders(
  config: ProvidersConfig,
  ctx: ProviderBuildContext,
): Map<string, ChatProvider> {
  const out = new Map<string, ChatProvider>();
  for (const [name, provider] of Object.entries(config.providers)) {
    const factory = CHAT_FACTORIES[provider.kind];
    if (!factory || !vendorCan(provider.kind, 'chat') || provider.enabled === false) continue;
    try {
      out.set(name, factory(name, provider, ctx));
    } catch (error) {
      if (!(error instanceof MissingProviderKeyError) || !ctx.onUnavailable) throw error;
      ctx.onUnavailable(name, error.message);
    }
  }
  return out;
}
