import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  PROVIDER_KIND_NAMES,
  vendorKindsWith,
  type ProviderConfig,
  type ProviderKind,
  type ProvidersConfig,
} from '@agentflow/contracts';
import { ProviderKeys } from '../config/provider-keys';
import { isPooledProvider } from '../http/vendor-pool/pooled-provider';
import { BATCH_FACTORIES, JOB_FACTORIES } from '../jobs/job-registry';
import { JsonLineLogger } from '../log/gateway-logger';
import { SecretScrubber } from '../log/secret-scrubber';
import { buildChatProviders, CHAT_FACTORIES } from './registry';

/** Folders under providers/ that have no manifest entry, and registered kinds that have no folder. */
function folderMismatch(
  folders: readonly string[],
  kinds: readonly string[],
): { unregistered: string[]; missing: string[] } {
  return {
    unregistered: folders.filter((f) => !kinds.includes(f)),
    missing: kinds.filter((k) => !folders.includes(k)),
  };
}

describe('provider folders and the vendor registry list', () => {
  const folders = readdirSync(__dirname, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);

  it('has one folder per registered kind and no unregistered folder', () => {
    expect(folderMismatch(folders, PROVIDER_KIND_NAMES)).toEqual({ unregistered: [], missing: [] });
  });

  it('would report a folder left out of the list and a kind without a folder', () => {
    expect(
      folderMismatch(
        [...folders, 'mistral'],
        PROVIDER_KIND_NAMES.filter((k) => k !== 'cursor'),
      ),
    ).toEqual({ unregistered: ['cursor', 'mistral'], missing: [] });
    expect(
      folderMismatch(
        folders.filter((f) => f !== 'openai'),
        PROVIDER_KIND_NAMES,
      ),
    ).toEqual({ unregistered: [], missing: ['openai'] });
  });
});

describe('the chat factories keyed by the vendor manifests', () => {
  const scrubber = new SecretScrubber();
  const ctx = (pooledClients: boolean) => ({
    keys: new ProviderKeys({ K: 'sk-test-factory-0123456789abcdef' }, scrubber),
    scrub: scrubber.scrub,
    logger: new JsonLineLogger('silent', scrubber),
    pooledClients,
  });
  const entry = (kind: ProviderKind): ProviderConfig => ({
    kind,
    baseUrl: 'http://127.0.0.1:9/v1',
    apiKey: { env: 'K' },
    dataClasses: ['internal'],
    models: {},
  });

  it('has a chat, job and Batch API factory for every kind whose manifest says so', () => {
    expect(Object.keys(CHAT_FACTORIES).sort()).toEqual(vendorKindsWith('chat').slice().sort());
    expect(Object.keys(JOB_FACTORIES).sort()).toEqual(vendorKindsWith('job').slice().sort());
    expect(Object.keys(BATCH_FACTORIES).sort()).toEqual(vendorKindsWith('batch').slice().sort());
  });

  it('exports each kind folder through its index.ts', () => {
    const folders = readdirSync(__dirname, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !existsSync(join(__dirname, f, 'index.ts')))).toEqual([]);
  });

  it('builds the pooled client exactly for pooled kinds when the gateway asks for pools', async () => {
    const config: ProvidersConfig = {
      providers: Object.fromEntries(
        vendorKindsWith('chat')
          .filter((k) => k !== 'anthropic-vertex')
          .map((k) => [k, entry(k)]),
      ),
    };
    const pooled = buildChatProviders(config, ctx(true));
    const pooledKinds = [...pooled.values()].filter(isPooledProvider).map((p) => p.kind);
    expect(pooledKinds.sort()).toEqual(vendorKindsWith('pooled').slice().sort());
    await Promise.all([...pooled.values()].filter(isPooledProvider).map((p) => p.close()));
    expect([...buildChatProviders(config, ctx(false)).values()].filter(isPooledProvider)).toEqual([]);
  });
});
