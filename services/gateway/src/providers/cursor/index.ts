/** The `cursor` kind: Cursor background agents, a launch-and-poll job that needs a key. */
import type { JobProviderFactory } from '../../jobs/job-provider';
import { CursorJobProvider } from './cursor-job-provider';

export const cursorJobFactory: JobProviderFactory = (name, config, key) => {
  const k = key();
  return k ? new CursorJobProvider(name, config, k) : undefined;
};
