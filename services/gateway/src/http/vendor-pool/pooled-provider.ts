/**
 * The chat providers that use a keep-alive undici pool instead of the SDK client. The kind's folder
 * factory builds one when its manifest says `pooled` and the gateway asks for pools; the owner
 * closes them at shutdown.
 */
import type { ChatProvider } from '../../providers/chat-provider';
import { PooledAnthropicProvider } from './pooled-anthropic-provider';
import { PooledOpenAIProvider } from './pooled-openai-provider';

export type PooledProvider = PooledOpenAIProvider | PooledAnthropicProvider;

export function isPooledProvider(provider: ChatProvider): provider is PooledProvider {
  return provider instanceof PooledOpenAIProvider || provider instanceof PooledAnthropicProvider;
}
