/** The Nest wiring: consumers start when the application boots and stop pulling when it shuts down. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createMessenger, EmbeddedBus, provisionTopology } from '@agentflow/bus';
import { topology as makeTopology } from '@agentflow/contracts';
import { buildPlan, buildRunRequest } from '@agentflow/run-actor';
import { SecretFiles, type ServiceContext } from '@agentflow/service-kit';
import { coordinatorService } from './service';
import { RunStore } from './run-store';

describe('coordinatorService', () => {
  it('starts its consumers on bootstrap and stops pulling on shutdown', async () => {
    const topology = makeTopology('t_coord_nest');
    const bus = new EmbeddedBus({ deadLetterSubject: topology.subjects.dlq });
    await provisionTopology(bus, topology);
    const messenger = createMessenger(bus, topology);
    const ctx = {
      bus,
      messenger,
      topology,
      db: undefined as never,
      env: { COORDINATOR_SWEEP_INTERVAL_MS: '50' },
      secrets: new SecretFiles({}, { dir: '/nonexistent' }),
    } satisfies ServiceContext;
    const app = await NestFactory.createApplicationContext(await coordinatorService.module(ctx), {
      logger: false,
    });
    await app.init();
    const store = new RunStore(await bus.kv(topology.buckets.runs));
    const waitFor = async (runId: string) => {
      for (let i = 0; i < 200; i++) {
        if (await store.load(runId)) return true;
        await new Promise((r) => setTimeout(r, 10));
      }
      return false;
    };
    try {
      await messenger.emit(
        topology.subjects.runsRequested,
        'run.requested',
        buildRunRequest('nest-1', buildPlan([{ id: 'review' }])),
        { runId: 'nest-1' },
      );
      expect(await waitFor('nest-1')).toBe(true);
    } finally {
      await app.close();
    }
    await messenger.emit(
      topology.subjects.runsRequested,
      'run.requested',
      buildRunRequest('nest-2', buildPlan([{ id: 'review' }])),
      { runId: 'nest-2' },
    );
    expect(await waitFor('nest-2')).toBe(false);
    await bus.drain();
  });
});
