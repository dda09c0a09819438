/**
 * The agentflow gateway as the bench runs it: the full production pipeline (virtual key, policy,
 * redaction, response cache, budget, rate limiter, circuit breaker, retries, a two-provider chain,
 * ledger and audit records) behind the HTTP front on node:http. Shared state is the in-memory KV
 * (the pipeline only touches KV off the hot path, in watches and lease refills), the response-cache
 * bucket one that keeps only its recent values in this process as a server-side bucket would
 * (server-side-kv.ts), and the records are encoded and counted as the bus sink would batch them, not kept.
 */
import type { AddressInfo } from 'node:net';
import type { ProvidersConfig } from '@agentflow/contracts';
import {
  DEFAULT_SETTINGS,
  Gateway,
  GatewayHttpFront,
  KeyRequestRate,
  checkVirtualKeysFile,
  createGatewayHttpServer,
  hashVirtualKey,
  type AuditRecord,
  type LedgerEntry,
  type RecordSink,
} from '@agentflow/gateway';
import { MemoryKv } from '../../services/gateway/src/testing/memory-kv';
import { BENCH_KEY } from './bench-key';
import { ServerSideKv } from './server-side-kv';

const vendorUrl = process.argv[2];

/** Encodes every record as the bus sink does and keeps only the count and bytes. */
class CountingRecordSink implements RecordSink {
  ledgerEntries = 0;
  bytes = 0;
  ledger(entry: LedgerEntry): void {
    this.ledgerEntries += 1;
    this.bytes += JSON.stringify(entry).length;
  }
  audit(record: AuditRecord): void {
    this.bytes += JSON.stringify(record).length;
  }
  async flush(): Promise<void> {}
}

const price = [{ effectiveFrom: '2025-01-01', inputPerMTok: 2, outputPerMTok: 8 }];
// Limits far above the bench's rate: the limiter runs (leases, counting) without ever making a request wait.
const limits = { requestsPerMinute: 100_000_000, tokensPerMinute: 1_000_000_000_000 };
const providers: ProvidersConfig = {
  providers: {
    openai: {
      kind: 'openai',
      baseUrl: `${vendorUrl}/v1`,
      apiKey: { env: 'BENCH_OPENAI_KEY' },
      region: 'us',
      retention: '30d',
      dataClasses: ['public', 'internal'],
      timeoutMs: 30_000,
      limits,
      models: { 'gpt-4.1': { contextWindow: 1_000_000, tier: 'medium', prices: price } },
    },
    'openai-backup': {
      kind: 'openai-compatible',
      baseUrl: `${vendorUrl}/v1`,
      apiKey: { env: 'BENCH_OPENAI_KEY' },
      region: 'us',
      dataClasses: ['public', 'internal'],
      timeoutMs: 30_000,
      limits,
      models: { 'gpt-4.1': { contextWindow: 1_000_000, tier: 'medium', prices: price } },
    },
  },
};

async function main(): Promise<void> {
  const records = new CountingRecordSink();
  const gateway = new Gateway({
    providersConfig: providers,
    settings: {
      ...DEFAULT_SETTINGS,
      budgets: [
        { scope: 'team', key: 'bench', period: 'month', limitUsd: 1_000_000 },
        { scope: 'global', period: 'day', limitUsd: 1_000_000 },
      ],
    },
    state: {
      limits: new MemoryKv('limits'),
      budgets: new MemoryKv('budgets'),
      cache: new ServerSideKv('cache'),
    },
    records,
    env: { BENCH_OPENAI_KEY: 'sk-bench-vendor-key' },
    logLevel: 'warn',
    pooledClients: true,
  });
  await gateway.start();
  const keys = checkVirtualKeysFile(
    {
      keys: [{ name: 'bench', sha256: hashVirtualKey(BENCH_KEY), team: 'bench', project: 'bench' }],
      routes: {
        'gpt-4.1': [
          { provider: 'openai', model: 'gpt-4.1' },
          { provider: 'openai-backup', model: 'gpt-4.1' },
        ],
      },
    },
    'bench keys',
    providers,
  );
  const server = createGatewayHttpServer(
    new GatewayHttpFront({ gateway, keys, rate: new KeyRequestRate(), logger: gateway.logger }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.send!({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  process.on('message', (m: { ledger?: boolean }) => {
    if (m.ledger) process.send!({ ledger: records.ledgerEntries });
  });
  process.on('disconnect', () => {
    server.closeAllConnections();
    server.close();
    void gateway.stop().then(() => process.exit(0));
  });
}

void main();
