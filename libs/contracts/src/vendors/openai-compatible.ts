import { vendorManifest } from './vendor-manifest';

/** Chat Completions at another base URL (vLLM, Ollama, OpenRouter): chat, streaming, pooled; no Batch API. */
export const openaiCompatible = vendorManifest('openai-compatible', 'openai', {
  chat: true,
  stream: true,
  batch: false,
  job: false,
  pooled: true,
  offByDefault: false,
});
