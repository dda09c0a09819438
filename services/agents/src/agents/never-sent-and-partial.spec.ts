/**
 * One bad part never sinks the rest: a file on the never-sent list is left out of every prompt
 * (and named), and a model call that fails keeps the rules' findings and the other calls'.
 */
import type { GatewayRequest } from '@agentflow/contracts';
import { NeverSentPaths } from '@agentflow/workflow';
import { MobileRulesAnalyzer } from '../analysis/mobile-analyzer';
import { BpeTokenCounter } from '../context/tokens';
import { LocalReaderFactory } from '../repo/reader-factory';
import { TaskRunner } from '../runtime/task-runner';
import {
  agentTask,
  FixtureRepo,
  json,
  planStep,
  ScriptedGateway,
  type Script,
} from '../testing/fixture-repo';

// Built from parts so no scanner mistakes this test for a leak.
const TOKEN = ['ghp', '_', 'R7mK2pQ9xW4vN8bT3cL6hJ1fD5sA0gY2eU7i'].join('');

let repo: FixtureRepo;
let base: string;
let head: string;

beforeAll(() => {
  repo = new FixtureRepo({
    'App/A.swift': 'import Foundation\n\nstruct A {}\n',
    'App/Vendor/V.swift': 'public struct V {}\n',
  });
  base = repo.head();
  head = repo.commit(
    {
      'App/A.swift': `import Foundation\n\nstruct A {\n    let token = "${TOKEN}"\n}\n`,
      'App/Vendor/V.swift': 'public struct V {\n    public init() {}\n}\n',
    },
    'token and vendored change',
  );
});

afterAll(() => repo.remove());

async function review(
  script: Script,
  neverSent?: NeverSentPaths,
  agentType: 'code-review' | 'security' = 'security',
  options: Record<string, unknown> = {},
) {
  const gateway = new ScriptedGateway(script);
  const runner = new TaskRunner({
    readers: new LocalReaderFactory(),
    gateway,
    analyzer: new MobileRulesAnalyzer(),
    tokens: new BpeTokenCounter(),
    push: { push: () => Promise.reject(new Error('not in this test')) },
    pushQuota: { reserve: () => Promise.reject(new Error('not in this test')) },
    ...(neverSent ? { neverSent } : {}),
  });
  const result = await runner.run(
    agentTask(repo, base, head, planStep(agentType, { options })),
    new AbortController().signal,
  );
  return { result, gateway };
}

const prompt = (r: GatewayRequest) => `${r.system}\n${r.messages.map((m) => m.content).join('\n')}`;
const empty = json({ summary: 'nothing to add', confidence: 0.9, findings: [] });

describe('never-sent is a filter, not a wall', () => {
  it('leaves a vendored file out of every prompt and the request paths, names it, and still succeeds', async () => {
    const { result, gateway } = await review(() => empty);
    expect(result.status).toBe('succeeded');
    expect(gateway.requests.length).toBeGreaterThan(0);
    for (const r of gateway.requests) {
      expect(prompt(r)).not.toContain('App/Vendor/V.swift');
      expect(r.paths?.map((p) => p.path)).not.toContain('App/Vendor/V.swift');
    }
    expect(result.notReviewed).toContainEqual({
      file: 'App/Vendor/V.swift',
      reason: 'never-sent',
      detail: 'not sent to any vendor by policy',
    });
    expect(result.findings.some((f) => f.source === 'analyzer' && f.file === 'App/A.swift')).toBe(true);
  });

  it('reads the same configured list the gateway does', async () => {
    const { result, gateway } = await review(() => empty, new NeverSentPaths(['App/A.swift']));
    // Nothing left to send: no vendor call at all, and the rules' token finding stands.
    expect(gateway.requests).toHaveLength(0);
    expect(result.status).toBe('succeeded');
    expect(result.notReviewed.map((n) => n.reason)).toEqual(['never-sent', 'never-sent']);
    expect(result.findings.some((f) => f.source === 'analyzer' && f.severity === 'blocker')).toBe(true);
  });
});

describe('a failed model call keeps what the rules found', () => {
  it("fails the step with the gateway's code and message, and hands on the analysers' findings", async () => {
    const { result } = await review(
      () => ({
        status: 'failed',
        errorCode: 'policy_denied',
        errorMessage: 'never-sent paths in the request: App/Other.swift',
      }),
      new NeverSentPaths([]),
      'code-review',
    );
    expect(result).toMatchObject({ status: 'failed', errorCode: 'policy_denied' });
    expect(result.errorMessage).toContain('never-sent paths in the request: App/Other.swift');
    expect(
      result.findings.some(
        (f) => f.source === 'analyzer' && f.file === 'App/A.swift' && f.severity === 'blocker',
      ),
    ).toBe(true);
    expect(result.notReviewed).toContainEqual(
      expect.objectContaining({ file: 'App/A.swift', reason: 'model-failed' }),
    );
  });

  it('passes an exhausted provider chain on as all_providers_failed with the findings', async () => {
    const { result } = await review(() => ({
      status: 'failed',
      errorCode: 'all_providers_failed',
      errorMessage: 'anthropic 529; openai 500',
    }));
    expect(result).toMatchObject({ status: 'failed', errorCode: 'all_providers_failed' });
    expect(result.findings.length).toBeGreaterThan(0);
  });
});

describe('rules only (agentflow review without a key)', () => {
  it("asks no vendor, succeeds, and reports the analysers' findings", async () => {
    const { result, gateway } = await review(
      () => {
        throw new Error('a rules-only step called the gateway');
      },
      undefined,
      'code-review',
      { rules_only: true },
    );
    expect(gateway.requests).toHaveLength(0);
    expect(result.status).toBe('succeeded');
    expect(result.data).toMatchObject({ rulesOnly: true, modelReadableFiles: 1 });
    expect(result.findings.every((f) => f.source !== 'model')).toBe(true);
    expect(result.findings.some((f) => f.severity === 'blocker' && f.file === 'App/A.swift')).toBe(true);
  });
});
