export { PooledOpenAIProvider, type PooledOpenAIOptions } from './pooled-openai-provider';
export { usePooledVendorClients } from './pooled-clients';
