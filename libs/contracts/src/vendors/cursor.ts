import { vendorManifest } from './vendor-manifest';

/** Cursor background agents: a launch-and-poll job that clones the repository, so off until enabled. */
export const cursor = vendorManifest('cursor', 'job', {
  chat: false,
  stream: false,
  batch: false,
  job: true,
  pooled: false,
  offByDefault: true,
});
