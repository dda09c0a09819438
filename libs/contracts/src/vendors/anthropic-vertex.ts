import { vendorManifest } from './vendor-manifest';

/** Claude on Google Vertex AI: Anthropic Messages through the Vertex SDK client; no batch, no pool. */
export const anthropicVertex = vendorManifest('anthropic-vertex', 'anthropic', {
  chat: true,
  stream: true,
  batch: false,
  job: false,
  pooled: false,
  offByDefault: false,
});
