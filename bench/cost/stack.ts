/**
 * The services a review runs through, in this process as `agentflow review` runs them: the
 * coordinator, the gateway and the agents on the embedded bus and a PGlite database, the shipped
 * workflows with every provider answered by the fake vendor (its token accounting, the shipped list
 * prices). Runs are requested on the bus as the ingress requests them; the gateway books every
 * vendor call in `cost_ledger`, which is what the bench reads.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { RunRequested } from '@agentflow/contracts';
import type { RunningServices } from '@agentflow/service-kit';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { OFFLINE_KEY, OFFLINE_KEY_ENV, REPO_ROOT, writeOfflineProviders } from '../../cli/src/demo/stack';

export interface LedgerRow {
  run_id: string;
  workflow: string;
  step_id: string | null;
  team: string | null;
  provider: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number;
  cached: boolean;
  waste_kind: string | null;
  /** Booked through a vendor's Batch API (a gateway job), at the batch rate. */
  batch: boolean;
}

export interface RunEnd {
  ok: boolean;
  reason?: string;
}

export interface CostStackOptions {
  /** The gateway's budgets (`gateway.budgets` of gateway.yml); [] turns them off. */
  budgets: unknown[];
}

export class CostStack {
  readonly root = mkdtempSync(join(tmpdir(), 'agentflow-bench-cost-'));
  readonly configDir = join(this.root, 'config');
  private vendor = new FakeVendorServer({ log: 'count' });
  private running?: RunningServices;
  private readonly waiting = new Map<string, (end: RunEnd) => void>();

  constructor(private readonly options: CostStackOptions) {}

  get providersFile(): string {
    return join(this.configDir, 'providers.yml');
  }

  async start(): Promise<void> {
    mkdirSync(this.configDir, { recursive: true });
    const shipped = join(REPO_ROOT, 'workflows');
    for (const file of readdirSync(shipped))
      if (/\.ya?ml$/.test(file) && file !== 'kustomization.yaml')
        copyFileSync(join(shipped, file), join(this.configDir, file));
    writeOfflineProviders(join(shipped, 'providers.yml'), this.providersFile, await this.vendor.start());
    // A month replayed in minutes: per-minute vendor limits would stretch it back to a month. The
    // limits change when calls are made, never what they cost.
    const providers = parse(readFileSync(this.providersFile, 'utf8')) as {
      providers: Record<string, { limits?: Record<string, number> }>;
    };
    for (const p of Object.values(providers.providers))
      p.limits = { requestsPerMinute: 1_000_000, tokensPerMinute: 1_000_000_000, concurrency: 64 };
    writeFileSync(this.providersFile, stringify(providers));
    const settings = parse(readFileSync(join(shipped, 'gateway.yml'), 'utf8')) as {
      gateway: Record<string, unknown>;
    };
    settings.gateway.budgets = this.options.budgets;
    writeFileSync(join(this.configDir, 'gateway.yml'), stringify(settings));

    const [{ runServices }, coordinator, gateway, agents] = await Promise.all([
      import('@agentflow/service-kit'),
      import('@agentflow/coordinator'),
      import('@agentflow/gateway'),
      import('@agentflow/agents'),
    ]);
    this.running = await runServices(
      [coordinator.coordinatorService, gateway.gatewayService, agents.agentsService],
      {
        name: 'bench-cost',
        handleSignals: false,
        env: {
          ...process.env,
          ANTHROPIC_API_KEY: '',
          OPENAI_API_KEY: '',
          PORT: '0',
          HOST: '127.0.0.1',
          NATS_URL: '',
          DATABASE_URL: '',
          DATABASE_SCHEMA: '',
          AGENTFLOW_DATA_DIR: join(this.root, 'data'),
          AGENTFLOW_BUS_PREFIX: 'cost',
          LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
          AGENTFLOW_SECRETS_POLL_MS: '0',
          AGENTS_CONCURRENCY: '16',
          // Batch steps go through the fake vendor's Batch API, as a deployment's do.
          AGENTS_BATCH: 'vendor',
          GATEWAY_JOB_POLL_MS: '200',
          AGENTS_JOB_POLL_MS: '100',
          OTEL_SDK_DISABLED: 'true',
          OTEL_METRICS_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'none',
          OTEL_TRACES_EXPORTER: 'none',
          AGENTFLOW_WORKFLOWS_DIR: this.configDir,
          PROVIDERS_FILE: this.providersFile,
          GATEWAY_CONFIG_FILE: join(this.configDir, 'gateway.yml'),
          AGENTS_CHECKOUTS_DIR: '',
          [OFFLINE_KEY_ENV]: OFFLINE_KEY,
        },
      },
    );
    const { bus, topology } = this.running.context;
    await bus.subscribe(`${topology.prefix}.runs.*.*`, (msg) => {
      const parts = msg.subject.split('.');
      const what = parts[parts.length - 1];
      if (what !== 'completed' && what !== 'failed') return;
      const resolve = this.waiting.get(parts[parts.length - 2]);
      if (!resolve) return;
      this.waiting.delete(parts[parts.length - 2]);
      const body = (
        JSON.parse(Buffer.from(msg.data).toString('utf8')) as { body: { code?: string; reason?: string } }
      ).body;
      resolve(what === 'completed' ? { ok: true } : { ok: false, reason: `${body.code}: ${body.reason}` });
    });
  }

  /** Requests a run as the ingress does (its row first) and resolves when it ends, or after `timeoutMs`. */
  async run(request: RunRequested, timeoutMs = 300_000): Promise<RunEnd> {
    const { messenger, topology, db } = this.running!.context;
    const ended = new Promise<RunEnd>((resolve) => {
      this.waiting.set(request.runId, resolve);
      setTimeout(() => {
        if (this.waiting.delete(request.runId))
          resolve({ ok: false, reason: `no end within ${timeoutMs / 1000} s` });
      }, timeoutMs).unref();
    });
    const c = request.change;
    await db.query(
      `INSERT INTO runs (id, workflow, platform, repo, pr, head_sha, base_sha, trigger, project, rollout) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
      [
        request.runId,
        request.plan.id,
        c.platform,
        c.repo,
        c.pr ?? null,
        c.headSha,
        c.baseSha ?? null,
        request.trigger,
        request.attribution?.project ?? c.repo,
        request.rollout ?? 'gate',
      ],
    );
    await messenger.emit(topology.subjects.runsRequested, 'run.requested', request, {
      runId: request.runId,
      msgId: `run-requested:${request.runId}`,
    });
    return ended;
  }

  /** Every ledger row, once the gateway's record writer has caught up (no new row for 2 s). */
  async ledger(): Promise<LedgerRow[]> {
    const db = this.running!.context.db;
    let last = -1;
    for (;;) {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM cost_ledger');
      const n = Number(rows[0].n);
      if (n === last) break;
      last = n;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT run_id, workflow, step_id, team, provider, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, cached, waste_kind, request_id FROM cost_ledger`,
    );
    return rows.map((r) => ({
      run_id: String(r.run_id),
      workflow: String(r.workflow),
      step_id: (r.step_id as string | null) ?? null,
      team: (r.team as string | null) ?? null,
      provider: String(r.provider),
      model: String(r.model),
      input_tokens: Number(r.input_tokens),
      output_tokens: Number(r.output_tokens),
      cache_read_tokens: Number(r.cache_read_tokens),
      cache_write_tokens: Number(r.cache_write_tokens),
      cost_usd: Number(r.cost_usd),
      cached: r.cached === true,
      waste_kind: (r.waste_kind as string | null) ?? null,
      // A gateway job (a vendor batch) is booked under `job:<jobId>`.
      batch: String(r.request_id).startsWith('job:'),
    }));
  }

  vendorRequests(): number {
    return this.vendor.count();
  }

  async stop(): Promise<void> {
    await this.running?.shutdown('bench finished').catch(() => undefined);
    await this.vendor.close().catch(() => undefined);
    rmSync(this.root, { recursive: true, force: true });
  }
}
