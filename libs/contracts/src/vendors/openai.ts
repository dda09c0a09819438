import { vendorManifest } from './vendor-manifest';

/** OpenAI Chat Completions, direct: chat, streaming, the Batch API, pooled client. */
export const openai = vendorManifest('openai', 'openai', {
  chat: true,
  stream: true,
  batch: true,
  job: false,
  pooled: true,
  offByDefault: false,
});
