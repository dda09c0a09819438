/** The `http-job` kind: a testing-AI vendor's HTTP job API as providers.yml describes it; the key is optional. */
import type { JobProviderFactory } from '../../jobs/job-provider';
import { HttpJobProvider } from './http-job-provider';

export const httpJobFactory: JobProviderFactory = (name, config, key) =>
  new HttpJobProvider(name, config, key());
