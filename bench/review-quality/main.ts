/**
 * `npm run bench -- review-quality [--agents code-review,security] [--case <id>]`
 *
 * Runs the agents over the labelled mobile pull requests in `dataset/` through the real gateway
 * and scores their findings: precision and recall by category family, and noise (unmatched
 * findings) per pull request. The vendor is whatever is configured: with `ANTHROPIC_API_KEY` or
 * `OPENAI_API_KEY` set it measures that model (`REVIEW_QUALITY_MODEL` to pick one); otherwise the
 * fake vendor's simulated reviewer answers, which checks the pipeline, not review quality.
 * The last line printed is one JSON object.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  topology as makeTopology,
  type AgentTask,
  type AgentTypeId,
  type Finding,
  type ProvidersConfig,
} from '@agentflow/contracts';
import { EmbeddedBus } from '@agentflow/bus';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import {
  DEFAULT_SETTINGS,
  Gateway,
  GatewayNatsTransport,
  MemoryRecordSink,
  openGatewayState,
} from '@agentflow/gateway';
import {
  BpeTokenCounter,
  BusModelGateway,
  LocalReaderFactory,
  MobileRulesAnalyzer,
  TaskRunner,
} from '@agentflow/agents';
import { score, type CaseOutcome, type LabelledProblem } from './score';

interface LabelledCase {
  id: string;
  platform: 'ios' | 'android';
  description: string;
  base: Record<string, string>;
  change: Record<string, string>;
  expected: LabelledProblem[];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function loadCases(): LabelledCase[] {
  const dir = join(__dirname, 'dataset');
  const only = arg('case');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as LabelledCase)
    .filter((c) => !only || c.id === only);
}

function git(root: string, ...args: string[]): string {
  return execFileSync('git', ['-C', root, ...args], {
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_DATE: '1700000000 +0000', GIT_COMMITTER_DATE: '1700000000 +0000' },
  }).trim();
}

function writeAll(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

function materialise(c: LabelledCase): { root: string; base: string; head: string } {
  const root = mkdtempSync(join(tmpdir(), `af-rq-${c.id}-`));
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'user.email', 'bench@example.com');
  git(root, 'config', 'user.name', 'Bench');
  writeAll(root, c.base);
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'base');
  const base = git(root, 'rev-parse', 'HEAD');
  writeAll(root, c.change);
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', c.description);
  return { root, base, head: git(root, 'rev-parse', 'HEAD') };
}

function vendorSetup(fakeUrl: string | undefined): {
  config: ProvidersConfig;
  target: { provider: string; model: string };
  label: string;
} {
  const price = [{ effectiveFrom: '2025-01-01', inputPerMTok: 3, outputPerMTok: 15 }];
  const model = process.env.REVIEW_QUALITY_MODEL;
  if (!fakeUrl && process.env.ANTHROPIC_API_KEY) {
    const m = model ?? 'claude-sonnet-4-6';
    return {
      config: {
        providers: {
          anthropic: {
            kind: 'anthropic',
            apiKey: { env: 'ANTHROPIC_API_KEY' },
            dataClasses: ['internal'],
            timeoutMs: 120_000,
            models: { [m]: { contextWindow: 200_000, tier: 'medium', prices: price } },
          },
        },
      },
      target: { provider: 'anthropic', model: m },
      label: `anthropic/${m}`,
    };
  }
  if (!fakeUrl && process.env.OPENAI_API_KEY) {
    const m = model ?? 'gpt-4.1';
    return {
      config: {
        providers: {
          openai: {
            kind: 'openai',
            apiKey: { env: 'OPENAI_API_KEY' },
            dataClasses: ['internal'],
            timeoutMs: 120_000,
            models: { [m]: { contextWindow: 1_000_000, tier: 'medium', prices: price } },
          },
        },
      },
      target: { provider: 'openai', model: m },
      label: `openai/${m}`,
    };
  }
  return {
    config: {
      providers: {
        anthropic: {
          kind: 'anthropic',
          baseUrl: fakeUrl,
          apiKey: { env: 'BENCH_FAKE_KEY' },
          dataClasses: ['internal'],
          timeoutMs: 10_000,
          models: { 'claude-sonnet-4-6': { contextWindow: 200_000, tier: 'medium', prices: price } },
        },
      },
    },
    target: { provider: 'anthropic', model: 'claude-sonnet-4-6' },
    label: 'fake-vendor (simulated reviewer: checks the pipeline, not quality)',
  };
}

async function main(): Promise<void> {
  const agents = (arg('agents') ?? 'code-review,security').split(',') as AgentTypeId[];
  const cases = loadCases();
  const useFake = !process.env.ANTHROPIC_API_KEY && !process.env.OPENAI_API_KEY;
  const fake = useFake ? new FakeVendorServer() : undefined;
  const fakeUrl = fake ? await fake.start() : undefined;
  const { config, target, label } = vendorSetup(fakeUrl);
  const topology = makeTopology('rq');
  const bus = new EmbeddedBus({ deadLetterSubject: topology.subjects.dlq });
  const gateway = new Gateway({
    providersConfig: config,
    settings: DEFAULT_SETTINGS,
    state: await openGatewayState(bus, topology),
    records: new MemoryRecordSink(),
    env: { ...process.env, BENCH_FAKE_KEY: 'sk-ant-api03-BENCHFAKEKEY0123456789abcdefghij' },
    logLevel: 'silent',
  });
  await gateway.start();
  const transport = new GatewayNatsTransport(bus, topology, gateway, gateway.logger);
  await transport.start();
  const runner = new TaskRunner({
    readers: new LocalReaderFactory(),
    gateway: new BusModelGateway(bus, topology),
    analyzer: new MobileRulesAnalyzer(),
    tokens: new BpeTokenCounter(),
    push: { push: () => Promise.reject(new Error('the review-quality bench pushes nothing')) },
    pushQuota: { reserve: () => Promise.reject(new Error('the review-quality bench pushes nothing')) },
  });

  console.log(
    `review-quality: ${cases.length} labelled pull requests, agents ${agents.join(', ')}, vendor ${label}`,
  );
  const outcomes: CaseOutcome[] = [];
  let failures = 0;
  let costUsd = 0;
  const started = Date.now();
  for (const c of cases) {
    const { root, base, head } = materialise(c);
    const byFingerprint = new Map<string, Finding>();
    try {
      for (const agentType of agents) {
        const task: AgentTask = {
          runId: `rq-${c.id}`,
          stepId: agentType,
          attempt: 1,
          agentType,
          tasks: [],
          change: { platform: 'local', repo: root, headSha: head, baseSha: base, pr: 1 },
          step: { id: agentType, agentType, providers: [target], model: { maxTokens: 4096 }, options: {} },
          deadline: Date.now() + 180_000,
          context: {},
          attribution: { project: 'review-quality-bench' },
          dataClass: 'internal',
        };
        const result = await runner.run(task, new AbortController().signal);
        costUsd += result.usage.costUsd;
        if (result.status !== 'succeeded') {
          failures++;
          console.log(
            `  ${c.id} ${agentType}: ${result.status} ${result.errorCode ?? ''} ${result.errorMessage ?? ''}`,
          );
          continue;
        }
        for (const f of result.findings)
          if (!byFingerprint.has(f.fingerprint)) byFingerprint.set(f.fingerprint, f);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    const findings = [...byFingerprint.values()];
    outcomes.push({ id: c.id, expected: c.expected, findings });
    const s = score([{ id: c.id, expected: c.expected, findings }]);
    console.log(
      `  ${c.id.padEnd(28)} labelled ${c.expected.length}  findings ${String(findings.length).padStart(2)}  recall ${s.recall ?? '-'}  noise ${s.noisePerPr}`,
    );
  }
  const total = score(outcomes);
  for (const [fam, s] of Object.entries(total.byCategory)) {
    console.log(
      `  ${fam.padEnd(14)} precision ${s.precision ?? '-'}  recall ${s.recall ?? '-'}  (${s.findings} findings, ${s.labelled} labelled)`,
    );
  }
  await transport.stop();
  await gateway.stop();
  await bus.drain();
  await fake?.close();
  console.log(
    JSON.stringify({
      bench: 'review-quality',
      vendor: label,
      measures: useFake ? 'pipeline' : 'quality',
      agents,
      cases: cases.length,
      pipeline_ok: failures === 0,
      failed_steps: failures,
      precision: total.precision,
      recall: total.recall,
      by_category: total.byCategory,
      noise_per_pr: total.noisePerPr,
      clean_pr_noise: total.cleanNoisePerPr,
      cost_usd: Math.round(costUsd * 1e4) / 1e4,
      duration_s: Math.round((Date.now() - started) / 100) / 10,
    }),
  );
  process.exit(failures === 0 || !useFake ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
