export { PooledOpenAIProvider, type PooledOpenAIOptions } from './pooled-openai-provider';
export {
  PooledAnthropicProvider,
  ANTHROPIC_VERSION,
  type PooledAnthropicOptions,
} from './pooled-anthropic-provider';
export { PooledVendorClient, VendorHttpError } from './pooled-vendor-client';
export { isPooledProvider, type PooledProvider } from './pooled-provider';
export { forwardedHeaders, pickForwarded, forwardedFor, FORWARDED_HEADERS } from './forwarded-headers';
