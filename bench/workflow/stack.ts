/**
 * The measured path, wired as the services wire it: coordinator (run actor over KV), agents
 * service (durable consumers on `af.tasks.<type>`), gateway service (`af.gateway.generate`,
 * queue group `gateway`) calling fake vendors over HTTP. Two vendors at fixed latencies are
 * configured as two providers, so a run picks its vendor through its steps' provider chain.
 */
import {
  createMessenger,
  deleteTopology,
  provisionTopology,
  type MessageBus,
  type ServiceHandle,
} from '@agentflow/bus';
import type { AgentTypeId, ProvidersConfig, RunReport, Topology } from '@agentflow/contracts';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import {
  DEFAULT_SETTINGS,
  Gateway,
  GatewayNatsTransport,
  MemoryRecordSink,
  openGatewayState,
} from '@agentflow/gateway';
import {
  AgentWorker,
  BpeTokenCounter,
  BusModelGateway,
  LocalReaderFactory,
  MobileRulesAnalyzer,
  TaskRunner,
} from '@agentflow/agents';
import { Coordinator, readCoordinatorConfig } from '@agentflow/coordinator';

export const MODEL = 'claude-sonnet-4-6';
const FAKE_KEY = 'sk-ant-api03-BENCHFAKEKEY0123456789abcdefghij';

/** How a run ended, as the bench's subscriber saw it. */
export interface RunEnd {
  runId: string;
  ok: boolean;
  at: number;
  report?: RunReport;
  reason?: string;
}

export interface StackOptions {
  bus: MessageBus;
  topology: Topology;
  /** Provider name -> vendor latency in ms. */
  vendors: Record<string, number>;
  agentTypes: AgentTypeId[];
  /** Tasks in flight per agent type (the agents service's AGENTS_CONCURRENCY). */
  agentConcurrency: number;
  onEnd: (end: RunEnd) => void;
}

export class BenchStack {
  readonly vendors = new Map<string, FakeVendorServer>();
  private gateway?: Gateway;
  private transport?: GatewayNatsTransport;
  private worker?: AgentWorker;
  private coordinator?: Coordinator;
  private endSub?: ServiceHandle;

  constructor(private readonly o: StackOptions) {}

  async start(): Promise<void> {
    const { bus, topology } = this.o;
    // The buckets as the service kit provisions them: the gateway opens them with these ages and
    // refuses a bucket created otherwise.
    await provisionTopology(bus, topology);
    const messenger = createMessenger(bus, topology);
    const price = [{ effectiveFrom: '2025-01-01', inputPerMTok: 3, outputPerMTok: 15 }];
    const providers: ProvidersConfig['providers'] = {};
    for (const [name, latencyMs] of Object.entries(this.o.vendors)) {
      const vendor = new FakeVendorServer({ latencyMs, log: 'count' });
      providers[name] = {
        kind: 'anthropic',
        baseUrl: await vendor.start(),
        apiKey: { env: 'BENCH_FAKE_KEY' },
        dataClasses: ['internal'],
        timeoutMs: 30_000,
        models: { [MODEL]: { contextWindow: 200_000, tier: 'medium', prices: price } },
      };
      this.vendors.set(name, vendor);
    }
    this.gateway = new Gateway({
      providersConfig: { providers },
      settings: DEFAULT_SETTINGS,
      state: await openGatewayState(bus, topology),
      records: new MemoryRecordSink(),
      env: { ...process.env, BENCH_FAKE_KEY: FAKE_KEY },
      logLevel: 'warn',
    });
    await this.gateway.start();
    this.transport = new GatewayNatsTransport(bus, topology, this.gateway, this.gateway.logger);
    await this.transport.start();

    const runner = new TaskRunner({
      readers: new LocalReaderFactory(),
      gateway: new BusModelGateway(bus, topology),
      analyzer: new MobileRulesAnalyzer(),
      tokens: new BpeTokenCounter(),
      push: { push: () => Promise.reject(new Error('the workflow bench creates no files')) },
      pushQuota: { reserve: () => Promise.reject(new Error('the workflow bench creates no files')) },
    });
    this.worker = new AgentWorker(bus, messenger, topology, runner, {
      agentTypes: this.o.agentTypes,
      concurrency: this.o.agentConcurrency,
    });
    await this.worker.start();

    this.coordinator = new Coordinator({
      bus,
      messenger,
      topology,
      config: readCoordinatorConfig(process.env),
    });
    await this.coordinator.start();

    this.endSub = await bus.subscribe(`${topology.prefix}.runs.*.*`, (msg) => {
      const parts = msg.subject.split('.');
      const what = parts[parts.length - 1];
      if (what !== 'completed' && what !== 'failed') return;
      const at = Date.now();
      const runId = parts[parts.length - 2];
      const body = msg.json<{ body: { report?: RunReport; code?: string; reason?: string } }>().body;
      this.o.onEnd(
        what === 'completed'
          ? { runId, ok: true, at, report: body.report }
          : { runId, ok: false, at, reason: `${body.code}: ${body.reason}` },
      );
    });
  }

  /** Vendor requests served so far, over every vendor. */
  vendorRequests(): number {
    let n = 0;
    for (const v of this.vendors.values()) n += v.count();
    return n;
  }

  async stop(): Promise<void> {
    const { bus, topology } = this.o;
    await this.coordinator?.stop();
    await this.worker?.stop();
    await this.transport?.stop();
    await this.gateway?.stop();
    await this.endSub?.stop();
    await deleteTopology(bus, topology);
    await bus.deleteKv(`${topology.buckets.limits}_budgets`);
    await bus.drain();
    for (const v of this.vendors.values()) await v.close();
  }
}
