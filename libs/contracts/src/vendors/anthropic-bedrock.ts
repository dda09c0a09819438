import { vendorManifest } from './vendor-manifest';

/** Claude on Amazon Bedrock: Anthropic Messages through the Bedrock SDK client; no batch, no pool. */
export const anthropicBedrock = vendorManifest('anthropic-bedrock', 'anthropic', {
  chat: true,
  stream: true,
  batch: false,
  job: false,
  pooled: false,
  offByDefault: false,
});
