import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { topology as makeTopology } from '@agentflow/contracts';
import { EmbeddedBus } from '@agentflow/bus';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { SecretFiles, type ServiceContext } from '@agentflow/service-kit';
import { loadGatewaySettings } from './config/config-source';
import { GatewayRuntime } from './service';
import { ANTHROPIC_KEY, OPENAI_KEY, request, testEnv, testProviders } from './testing/fixtures';
import { requestGeneration } from './transport/nats-transport';

describe('gateway service runtime', () => {
  it('reads the repository gateway.yml', async () => {
    const settings = await loadGatewaySettings(join(__dirname, '..', '..', '..', 'workflows', 'gateway.yml'));
    expect(settings.budgets).toContainEqual({ scope: 'project', key: '*', period: 'month', limitUsd: 1000 });
    expect(settings.policy.neverSent).toContain('**/*.p8');
  });

  it('starts from config files on the embedded bus and serves generate requests', async () => {
    const vendor = new FakeVendorServer({ apiKeys: [ANTHROPIC_KEY, OPENAI_KEY] });
    await vendor.start();
    const dir = mkdtempSync(join(tmpdir(), 'gw-'));
    writeFileSync(join(dir, 'providers.yml'), stringify(testProviders(vendor.url)));
    writeFileSync(
      join(dir, 'gateway.yml'),
      stringify({ gateway: { budgets: [{ scope: 'global', period: 'day', limitUsd: 5 }] } }),
    );
    const bus = new EmbeddedBus({});
    const topology = makeTopology('t_gwsvc');
    const ctx = {
      bus,
      topology,
      messenger: undefined as never,
      db: undefined as never,
      env: {
        ...testEnv,
        PROVIDERS_FILE: join(dir, 'providers.yml'),
        GATEWAY_CONFIG_FILE: join(dir, 'gateway.yml'),
        GATEWAY_RECORDS_WRITER: 'off',
        LOG_LEVEL: 'silent',
      },
      secrets: new SecretFiles({}, { dir: '/nonexistent' }),
    } satisfies ServiceContext;
    const runtime = new GatewayRuntime(ctx);
    await runtime.onApplicationBootstrap();
    try {
      const res = await requestGeneration(bus, topology, request());
      expect(res).toMatchObject({ status: 'ok', provider: 'anthropic' });
      expect(vendor.count('anthropic', 200)).toBe(1);
    } finally {
      await runtime.beforeApplicationShutdown();
      await bus.drain();
      await vendor.close();
    }
  });
});
