import { vendorManifest } from './vendor-manifest';

/** A testing-AI vendor's HTTP job API, described in providers.yml: launch-and-poll, receives the app, so off until enabled. */
export const httpJob = vendorManifest('http-job', 'job', {
  chat: false,
  stream: false,
  batch: false,
  job: true,
  pooled: false,
  offByDefault: true,
});
