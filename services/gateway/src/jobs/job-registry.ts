/**
 * Builds the job-style providers from providers.yml, one per entry: entries of a job kind
 * (`cursor`, `http-job`) as themselves, entries of a kind whose manifest says `batch` (`anthropic`,
 * `openai`) as their Batch APIs (for `batch: true` steps). Entries that are off are not built (their keys are not even read); a job whose provider
 * was turned off after launch is failed by the poller with that reason. {@link JobPolicy} also
 * checks the data class on launch.
 */
import {
  ConfigError,
  vendorCan,
  type ProviderConfig,
  type ProviderKind,
  type ProvidersConfig,
} from '@agentflow/contracts';
import { AnthropicBatchProvider } from '../batch/anthropic-batch';
import { BatchPricer } from '../batch/batch-pricer';
import { OpenAiBatchProvider } from '../batch/openai-batch';
import type { ProviderKeys } from '../config/provider-keys';
import { cursorJobFactory } from '../providers/cursor';
import { httpJobFactory } from '../providers/http-job';
import type { Clock } from '../shared/clock';
import type { JobProvider, JobProviderFactory } from './job-provider';

/** One factory per kind whose manifest says `job`, each from its provider folder; a spec checks none is missing. */
export const JOB_FACTORIES: Partial<Record<ProviderKind, JobProviderFactory>> = {
  cursor: cursorJobFactory,
  'http-job': httpJobFactory,
};

/** A chat kind's Batch API provider, for one entry with its key. */
export type BatchProviderFactory = (
  name: string,
  config: ProviderConfig,
  key: string,
  pricer: BatchPricer,
  clock: Pick<Clock, 'now'>,
) => JobProvider;

/** One Batch API provider per kind whose manifest says `batch`; a spec checks none is missing. */
export const BATCH_FACTORIES: Partial<Record<ProviderKind, BatchProviderFactory>> = {
  anthropic: (name, config, key, pricer, clock) =>
    new AnthropicBatchProvider(name, config, key, pricer, clock),
  openai: (name, config, key, pricer, clock) => new OpenAiBatchProvider(name, config, key, pricer, clock),
};

export function buildJobProviders(
  config: ProvidersConfig,
  keys: Pick<ProviderKeys, 'resolve'>,
  clock: Pick<Clock, 'now'>,
): Map<string, JobProvider> {
  const pricer = new BatchPricer(config);
  const out = new Map<string, JobProvider>();
  for (const [name, p] of Object.entries(config.providers)) {
    const key = () => keys.resolve(name, p);
    // A chat provider's missing key is reported by the chat registry; its Batch API is just absent.
    const optionalKey = () => {
      try {
        return keys.resolve(name, p);
      } catch (e) {
        if (e instanceof ConfigError) return undefined;
        throw e;
      }
    };
    const jobFactory = vendorCan(p.kind, 'job') ? JOB_FACTORIES[p.kind] : undefined;
    if (jobFactory) {
      // An offByDefault kind is built only once providers.yml says `enabled: true` for it.
      if (vendorCan(p.kind, 'offByDefault') ? p.enabled !== true : p.enabled === false) continue;
      const provider = jobFactory(name, p, key);
      if (provider) out.set(name, provider);
      continue;
    }
    const batchFactory = vendorCan(p.kind, 'batch') ? BATCH_FACTORIES[p.kind] : undefined;
    if (!batchFactory || p.enabled === false) continue;
    const k = optionalKey();
    if (k) out.set(name, batchFactory(name, p, k, pricer, clock));
  }
  return out;
}
