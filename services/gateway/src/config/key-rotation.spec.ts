import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { SecretFiles } from '@agentflow/service-kit';
import { MemoryRecordSink } from '../cost/record-sink';
import { Gateway } from '../gateway';
import { MemoryKv } from '../testing/memory-kv';
import { request, SteppingClock, testProviders, testSettings } from '../testing/fixtures';
import { watchProviderKeys } from './key-rotation';

const OLD_KEY = 'sk-ant-api03-OLDKEYabcdefghijklmnopqrstuvwxyz012345';
const NEW_KEY = 'sk-ant-api03-NEWKEYabcdefghijklmnopqrstuvwxyz012345';

/** A Secret projected as the kubelet does it: files behind `..data`, swapped atomically. */
function mountedSecret(file: string, value: string): { dir: string; rotate(v: string): void } {
  const dir = mkdtempSync(join(tmpdir(), 'af-keys-'));
  let n = 0;
  const write = (v: string) => {
    const folder = `..gen_${n++}`;
    mkdirSync(join(dir, folder));
    writeFileSync(join(dir, folder, file), v);
    symlinkSync(folder, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  };
  write(value);
  symlinkSync(join('..data', file), join(dir, file));
  return { dir, rotate: write };
}

describe.each([
  ['SDK clients', false],
  ['pooled clients', true],
])('a vendor key rotated in its mounted file (%s)', (_label, pooled) => {
  let vendor: FakeVendorServer;
  let gateway: Gateway;
  let mounted: ReturnType<typeof mountedSecret>;
  let stop: () => void;
  let secrets: SecretFiles;
  const logs: string[] = [];

  beforeAll(async () => {
    // The vendor knows only the new key: until the rotation reaches the provider, calls fail.
    vendor = new FakeVendorServer({ apiKeys: [NEW_KEY] });
    await vendor.start();
    mounted = mountedSecret('test-anthropic-key', OLD_KEY);
    secrets = new SecretFiles({ AGENTFLOW_SECRETS_DIR: mounted.dir });
    const env = secrets.resolveEnv();
    const providersConfig = testProviders(vendor.url);
    gateway = new Gateway({
      providersConfig,
      settings: testSettings({ retry: { maxAttemptsPerProvider: 1, baseDelayMs: 1, maxDelayMs: 1 } }),
      state: {
        limits: new MemoryKv('limits'),
        budgets: new MemoryKv('budgets'),
        cache: new MemoryKv('cache'),
      },
      records: new MemoryRecordSink(),
      env,
      clock: new SteppingClock(),
      logLevel: 'info',
      logWrite: (line) => logs.push(line),
      random: () => 0.5,
      pooledClients: pooled,
    });
    await gateway.start();
    stop = watchProviderKeys({
      providers: providersConfig,
      serving: () => gateway.providers,
      secrets,
      scrubber: gateway.scrubber,
      log: gateway.logger,
      intervalMs: 0,
    });
  });

  afterAll(async () => {
    stop();
    await gateway.stop();
    await vendor.close();
    rmSync(mounted.dir, { recursive: true, force: true });
  });

  it('is used by the next call, without a restart, and never logged', async () => {
    const only = { providers: [{ provider: 'anthropic', model: 'claude-haiku-4-5' }] };
    const before = await gateway.generate(request(only));
    expect(before.status).not.toBe('ok');

    mounted.rotate(NEW_KEY);
    expect(secrets.poll()).toEqual(['TEST_ANTHROPIC_KEY']);
    const after = await gateway.generate(request(only));
    expect(after.status).toBe('ok');
    expect(logs.some((l) => l.includes('vendor key rotated'))).toBe(true);
    expect(logs.join('\n')).not.toContain(NEW_KEY);
    expect(logs.join('\n')).not.toContain(OLD_KEY);
  });
});
