/**
 * The job side of the gateway on real NATS JetStream: a Cursor job launched over request/reply,
 * its record in the JetStream KV bucket, a gateway restart mid-poll that resumes from that record,
 * and the JobFinished delivered to the launching step's durable consumer on the job-results stream.
 */
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  DEFAULT_CONSUMER,
  JobFinished,
  topology as makeTopology,
  validateBody,
  type ProvidersConfig,
} from '@agentflow/contracts';
import { JetStreamBus, type ConsumerHandle } from '@agentflow/bus';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { BudgetGuard } from '../budget/budget-guard';
import { DEFAULT_SETTINGS } from '../config/gateway-settings';
import { MemoryRecordSink } from '../cost/record-sink';
import { PolicyState } from '../policy/rules-only-switch';
import { systemClock } from '../shared/clock';
import { MemoryKv } from '../testing/memory-kv';
import { JsonLineLogger } from '../log/gateway-logger';
import { SecretScrubber } from '../log/secret-scrubber';
import { GatewayJobs, gatewayJobsBucket } from './gateway-jobs';
import { gatewayJobResultsStream, jobDoneSubject } from './job-results';
import { requestJob } from './jobs-transport';

const NATS = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const KEY = 'crsr_int_key_0123456789';

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('gateway jobs over NATS', () => {
  const topology = makeTopology(`t_gwjobs_${randomBytes(4).toString('hex')}`);
  const vendor = new FakeVendorServer({ apiKeys: [KEY] });
  let bus: JetStreamBus;
  let consumer: ConsumerHandle | null = null;
  const records = new MemoryRecordSink();

  function jobs(config: ProvidersConfig): GatewayJobs {
    return new GatewayJobs({
      bus,
      topology,
      providersConfig: config,
      records,
      logger: new JsonLineLogger('silent', new SecretScrubber()),
      scrubber: new SecretScrubber(),
      policy: new PolicyState(DEFAULT_SETTINGS.policy, undefined),
      budget: new BudgetGuard(new MemoryKv('budgets'), DEFAULT_SETTINGS, systemClock, () => undefined),
      env: { CURSOR_API_KEY: KEY, GATEWAY_JOB_POLL_MS: '60' },
    });
  }

  beforeAll(async () => {
    await vendor.start();
    bus = await JetStreamBus.connect({ servers: NATS, name: 'gateway-jobs-test' });
  });

  afterAll(async () => {
    await consumer?.stop();
    await bus.deleteStream(gatewayJobResultsStream(topology).name).catch(() => undefined);
    await bus.deleteKv(gatewayJobsBucket(topology)).catch(() => undefined);
    await bus.drain();
    await vendor.close();
  });

  it('launches a Cursor job over request/reply, survives a gateway restart mid-poll and delivers the result to the launching step', async () => {
    const config: ProvidersConfig = {
      providers: {
        cursor: {
          kind: 'cursor',
          enabled: true,
          baseUrl: vendor.url,
          apiKey: { env: 'CURSOR_API_KEY' },
          dataClasses: ['internal'],
          models: {},
        },
      },
    };
    // Enough RUNNING reads that the first gateway is stopped while the agent still runs.
    vendor.cursor.enqueue({
      statuses: ['CREATING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'FINISHED'],
      summary: 'Wrote 3 Espresso tests',
      prUrl: 'https://github.com/acme/android-app/pull/12',
    });
    const first = jobs(config);
    await first.start();

    const received: JobFinished[] = [];
    const stream = gatewayJobResultsStream(topology);
    const spec = {
      stream: stream.name,
      durable: 'step_ui_tests',
      filterSubject: jobDoneSubject(topology, 'run-42', 'ui-tests'),
      ...DEFAULT_CONSUMER,
    };
    await bus.ensureConsumer(spec);
    consumer = await bus.consume(spec, async (msg) => {
      received.push(validateBody(JobFinished, JSON.parse(new TextDecoder().decode(msg.data))));
    });

    const reply = await requestJob(bus, topology, {
      op: 'launch',
      requestId: 'run-42:ui-tests:1',
      provider: 'cursor',
      prompt: 'Write Espresso tests for checkout',
      repository: 'https://github.com/acme/android-app',
      ref: 'main',
      attribution: { runId: 'run-42', stepId: 'ui-tests' },
      dataClass: 'internal',
    });
    expect(reply).toMatchObject({ status: 'ok', state: 'queued' });
    const agentId = (await (await bus.kv(gatewayJobsBucket(topology))).get(`job.${reply.jobId}`))!.json<{
      vendorJobId: string;
    }>().vendorJobId;

    await until(() => vendor.cursor.reads(agentId) >= 1, 'the first gateway to poll');
    await first.stop();
    const readsAtStop = vendor.cursor.reads(agentId);
    expect(received).toHaveLength(0);

    const second = jobs(config);
    await second.start();
    await until(() => received.length === 1, 'the job result on the step subject');
    expect(vendor.cursor.reads(agentId)).toBeGreaterThan(readsAtStop);
    expect(received[0]).toMatchObject({
      jobId: reply.jobId,
      state: 'finished',
      provider: 'cursor',
      attribution: { runId: 'run-42', stepId: 'ui-tests' },
      outcome: { summary: 'Wrote 3 Espresso tests', prUrl: 'https://github.com/acme/android-app/pull/12' },
    });
    expect(await requestJob(bus, topology, { op: 'status', jobId: reply.jobId! })).toMatchObject({
      status: 'ok',
      state: 'finished',
    });
    expect(await requestJob(bus, topology, { op: 'status', jobId: 'no-such-job' })).toMatchObject({
      status: 'failed',
      errorCode: 'unknown_job',
    });
    await second.stop();
  });

  it('answers a launch on a provider that policy keeps off with policy_denied, without calling the vendor', async () => {
    const config: ProvidersConfig = {
      providers: {
        cursor: {
          kind: 'cursor',
          baseUrl: vendor.url,
          apiKey: { env: 'CURSOR_API_KEY' },
          dataClasses: ['internal'],
          models: {},
        },
      },
    };
    const off = jobs(config);
    await off.start();
    const launches = vendor.cursor.launches.length;
    const reply = await requestJob(bus, topology, {
      op: 'launch',
      requestId: 'run-43:x:1',
      provider: 'cursor',
      prompt: 'p',
      repository: 'https://github.com/acme/a',
      attribution: { runId: 'run-43' },
      dataClass: 'internal',
    });
    expect(reply).toMatchObject({
      status: 'failed',
      errorCode: 'policy_denied',
      errorMessage: expect.stringContaining('enabled: true'),
    });
    expect(vendor.cursor.launches).toHaveLength(launches);
    await off.stop();
  });

  it("polls without leaving consumers on the server: the jobs bucket's consumer count stays flat over many polls", async () => {
    const config: ProvidersConfig = {
      providers: {
        cursor: {
          kind: 'cursor',
          enabled: true,
          baseUrl: vendor.url,
          apiKey: { env: 'CURSOR_API_KEY' },
          dataClasses: ['internal'],
          models: {},
        },
      },
    };
    // A job that stays RUNNING, so every tick (20 ms) lists it and polls it.
    vendor.cursor.enqueue({ statuses: ['CREATING', 'RUNNING'] });
    const poller = jobs(config);
    await poller.start();
    const nc = await connect({ servers: NATS, name: 'gateway-jobs-consumer-count' });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = `KV_${gatewayJobsBucket(topology)}`;
      const consumers = async () => (await jsm.consumers.list(stream).next()).length;
      const reply = await requestJob(bus, topology, {
        op: 'launch',
        requestId: 'run-44:ui-tests:1',
        provider: 'cursor',
        prompt: 'Write tests',
        repository: 'https://github.com/acme/android-app',
        attribution: { runId: 'run-44', stepId: 'ui-tests' },
        dataClass: 'internal',
      });
      const agentId = (await (await bus.kv(gatewayJobsBucket(topology))).get(`job.${reply.jobId}`))!.json<{
        vendorJobId: string;
      }>().vendorJobId;
      await until(() => vendor.cursor.reads(agentId) >= 2, 'the first polls');
      const before = await consumers();
      const readsBefore = vendor.cursor.reads(agentId);
      await until(() => vendor.cursor.reads(agentId) >= readsBefore + 15, '15 more polls');
      // Left on the server: at most the one key listing each process started in this file made at its first poll.
      expect(before).toBeLessThanOrEqual(3);
      expect(await consumers()).toBe(before);
    } finally {
      await nc.close();
      await poller.stop();
    }
  });
});
