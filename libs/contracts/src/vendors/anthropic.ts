import { vendorManifest } from './vendor-manifest';

/** Anthropic Messages API, direct: chat, streaming, Message Batches, pooled client. */
export const anthropic = vendorManifest('anthropic', 'anthropic', {
  chat: true,
  stream: true,
  batch: true,
  job: false,
  pooled: true,
  offByDefault: false,
});
