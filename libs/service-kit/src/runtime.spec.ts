import {
  Controller,
  Inject,
  Injectable,
  Module,
  Post,
  Req,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ConfigError } from '@agentflow/contracts';
import { PgliteDatabase, pgliteDirOf } from '@agentflow/store';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runServices, type RunningServices } from './runtime';
import type { ServiceContext, ServiceDefinition } from './service';

const EVENTS = Symbol('events');

@Controller('probe')
class ProbeController {
  /** Echoes what a webhook verifier would hash: the exact bytes received. */
  @Post('raw')
  raw(@Req() req: RawBodyRequest<FastifyRequest>): { raw: string; parsed: unknown } {
    return { raw: req.rawBody?.toString('utf8') ?? '<none>', parsed: req.body };
  }
}

@Injectable()
class ProbeConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(EVENTS) private readonly events: string[],
    @Inject('ctx') private readonly ctx: ServiceContext,
  ) {}

  onApplicationBootstrap(): void {
    this.events.push('bootstrap');
  }

  async beforeApplicationShutdown(): Promise<void> {
    // In-flight work finishes here, while the bus is still open (it drains after the hooks).
    await new Promise((r) => setTimeout(r, 50));
    this.events.push(`before-shutdown:bus-healthy=${this.ctx.bus.isHealthy()}`);
  }
}

function probeService(events: string[]): ServiceDefinition {
  @Module({})
  class ProbeModule {}
  return {
    name: 'ingress',
    module: (ctx) => ({
      module: ProbeModule,
      controllers: [ProbeController],
      providers: [ProbeConsumer, { provide: EVENTS, useValue: events }, { provide: 'ctx', useValue: ctx }],
    }),
  };
}

describe('runServices', () => {
  let dataDir: string;
  const env = () => ({ AGENTFLOW_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'agentflow-kit-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('a running application', () => {
    const events: string[] = [];
    let running: RunningServices;

    beforeAll(async () => {
      running = await runServices([probeService(events)], { env: env(), handleSignals: false });
      // PGlite opens in seconds when idle, tens of seconds on a loaded machine.
    }, 120_000);
    afterAll(async () => {
      await running?.shutdown();
    });

    it('starts on the embedded bus and PGlite in the data directory, migrated', async () => {
      expect(running.bus.kind).toBe('embedded');
      expect(running.db.kind).toBe('pglite');
      expect((running.db as PgliteDatabase).dataDir).toBe(pgliteDirOf(dataDir));
      const { rows } = await running.db.query<{ n: string }>('SELECT count(*) AS n FROM schema_migrations');
      expect(Number(rows[0].n)).toBeGreaterThan(0);
      expect(events).toEqual(['bootstrap']);
      expect(running.previousInstance).toBeUndefined();
    });

    it('answers /health and /ready', async () => {
      const health = await fetch(`${running.url}/health`);
      expect(health.status).toBe(200);
      const ready = await fetch(`${running.url}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', reasons: [] });
    });

    it('serves Prometheus metrics', async () => {
      const response = await fetch(`${running.url}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('agentflow_run_duration_seconds');
    });

    it('gives controllers the exact request bytes', async () => {
      const body = '{ "zen":  "Keep it logically awesome.",\n  "hook_id": 1 }';
      const response = await fetch(`${running.url}/probe/raw`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(await response.json()).toEqual({
        raw: body,
        parsed: { zen: 'Keep it logically awesome.', hook_id: 1 },
      });
    });

    it('answers 503 with the reason when the database stops answering', async () => {
      await running.db.close();
      const ready = await fetch(`${running.url}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        status: 'not ready',
        reasons: ['database: pglite does not answer'],
      });
    });

    it('shuts down in order: hooks while the bus is open, then everything closed', async () => {
      await running.shutdown('test');
      expect(events).toEqual(['bootstrap', 'before-shutdown:bus-healthy=true']);
      expect(running.bus.isHealthy()).toBe(false);
      await expect(fetch(`${running.url}/health`)).rejects.toThrow();
    });
  });

  it('refuses bad configuration before opening anything, naming the variable', async () => {
    await expect(
      runServices([probeService([])], { env: { ...env(), PORT: 'x' }, handleSignals: false }),
    ).rejects.toThrow(/PORT="x" is not valid/);
    await expect(
      runServices([probeService([]), probeService([])], { env: env(), handleSignals: false }),
    ).rejects.toBeInstanceOf(ConfigError);
  });

  it('closes what it opened when a service fails to start', async () => {
    const broken: ServiceDefinition = {
      name: 'gateway',
      module: () => {
        throw new ConfigError('ANTHROPIC_PRICE is missing');
      },
    };
    await expect(runServices([broken], { env: env(), handleSignals: false })).rejects.toThrow(
      'ANTHROPIC_PRICE is missing',
    );
    // The PGlite directory was released: it opens again.
    const db = await PgliteDatabase.open({ dataDir: pgliteDirOf(dataDir) });
    try {
      // Both starts were recorded. The first lost its database mid-run (the 503 test), so its stop
      // could not be stamped and reads as unclean; the failed start was stamped with its reason.
      const { rows } = await db.query<{
        name: string;
        services: string[];
        stop_reason: string;
        stopped: boolean;
      }>(
        'SELECT name, services, stop_reason, stopped_at IS NOT NULL AS stopped FROM service_instances ORDER BY started_at',
      );
      expect(rows).toEqual([
        { name: 'ingress', services: ['ingress'], stop_reason: null, stopped: false },
        { name: 'gateway', services: ['gateway'], stop_reason: 'start-up failed', stopped: true },
      ]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
