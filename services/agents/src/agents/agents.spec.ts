/**
 * Every agent type over the sample iOS and Android repositories with a scripted vendor: what the
 * prompt holds, how answers are placed on diff lines, what is not reviewed, and how failures map
 * to result codes.
 */
import {
  AGENT_TYPE_IDS,
  topology,
  type AgentResult,
  type AgentTypeId,
  type GatewayRequest,
} from '@agentflow/contracts';
import { EmbeddedBus } from '@agentflow/bus';
import { MobileRulesAnalyzer } from '../analysis/mobile-analyzer';
import { BusCiArtifactStore } from '../artifacts/report-files';
import { BpeTokenCounter } from '../context/tokens';
import { DataFence } from '../prompts/data-fence';
import type { PushQuota } from '../push/push-files';
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
import { ANDROID_BASE, ANDROID_CHANGE, IOS_BASE, IOS_CHANGE } from '../testing/sample-repos';
import { AGENTS } from './registry';

const unusedQuota: PushQuota = {
  reserve: () => Promise.reject(new Error('only the test runner reserves pushes')),
};

function runner(gateway: ScriptedGateway) {
  return new TaskRunner({
    readers: new LocalReaderFactory(),
    gateway,
    analyzer: new MobileRulesAnalyzer(),
    tokens: new BpeTokenCounter(),
    push: { push: () => Promise.reject(new Error('not in this test')) },
    pushQuota: unusedQuota,
  });
}

const empty = json({ summary: 'nothing to add', confidence: 0.9, findings: [] });
const noFiles = json({ summary: 'nothing to add', confidence: 0.9, files: [] });

function userPrompt(request: GatewayRequest): string {
  return request.messages.map((m) => m.content).join('\n');
}

let ios: FixtureRepo;
let iosBase: string;
let iosHead: string;
let android: FixtureRepo;
let androidBase: string;
let androidHead: string;

beforeAll(() => {
  ios = new FixtureRepo(IOS_BASE);
  iosBase = ios.head();
  iosHead = ios.commit(IOS_CHANGE, 'checkout');
  android = new FixtureRepo(ANDROID_BASE);
  androidBase = android.head();
  androidHead = android.commit(ANDROID_CHANGE, 'save notes');
});

afterAll(() => {
  ios.remove();
  android.remove();
});

async function runAgent(
  agentType: AgentTypeId,
  script: Script,
  repo: 'ios' | 'android' = 'ios',
  stepOverrides = {},
  taskOverrides = {},
) {
  const gateway = new ScriptedGateway(script);
  const [r, base, head] = repo === 'ios' ? [ios, iosBase, iosHead] : [android, androidBase, androidHead];
  const step = planStep(agentType, stepOverrides);
  const result = await runner(gateway).run(
    agentTask(r, base, head, step, taskOverrides),
    new AbortController().signal,
  );
  return { result, gateway };
}

describe('registry', () => {
  it('registers one agent per catalogue id', () => {
    expect(AGENTS.map((a) => a.id).sort()).toEqual([...AGENT_TYPE_IDS].sort());
  });
});

describe('code-review on the iOS sample', () => {
  it('tells the model the project facts, the language guidance and the conventions, with the code fenced as data', async () => {
    const { result, gateway } = await runAgent('code-review', () => empty, 'ios', { tasks: ['find_bugs'] });
    expect(result.status).toBe('succeeded');
    expect(gateway.requests).toHaveLength(1);
    const request = gateway.requests[0];
    const user = userPrompt(request);
    expect(user).toContain('iOS deployment target: 16.0');
    expect(user).toContain('Swift language mode: 5');
    expect(user).toContain('ViewModels are @MainActor');
    expect(request.system).toContain('Swift: respect the project');
    expect(user).toContain('Find bugs: wrong conditions');
    expect(request.responseSchema?.name).toBe('review_result');
    // The diff is inside a data block with its new-side line numbers.
    const nonce = /<<<AF-DATA ([0-9a-f]{16}) diff Sources\/Checkout\/CheckoutViewModel\.swift/.exec(
      user,
    )?.[1];
    expect(nonce).toBeDefined();
    expect(user).toMatch(/\s19 \+\s+receipt = try! await payments\.charge/);
    expect(DataFence.outside(user, nonce!)).not.toContain('try! await payments.charge');
    // The related test and protocol were read for context.
    expect(user).toContain(
      'related test of Sources/Checkout/CheckoutViewModel.swift: Tests/CheckoutTests/CheckoutViewModelTests.swift',
    );
    expect(user).toContain(
      'related interface of Sources/Checkout/CheckoutViewModel.swift: Sources/Checkout/PaymentService.swift',
    );
  });

  it('never sends generated code, lock files or images, and lists them as not reviewed', async () => {
    const { result, gateway } = await runAgent('code-review', () => empty);
    const user = userPrompt(gateway.requests[0]);
    expect(user).not.toContain('enum L10n');
    expect(user).not.toContain('"pins"');
    expect(result.notReviewed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'Sources/Checkout/Generated/Strings+Generated.swift',
          reason: 'generated',
        }),
        expect.objectContaining({ file: 'Package.resolved', reason: 'lockfile' }),
        expect.objectContaining({ file: 'Resources/logo.png', reason: 'asset' }),
      ]),
    );
  });

  it('places findings on diff lines, keeps an exact suggestion and drops the rest', async () => {
    const line = '            receipt = try! await payments.charge(amount: total, token: token)';
    const { result } = await runAgent('code-review', () =>
      json({
        summary: 'one crash',
        confidence: 0.8,
        findings: [
          {
            file: 'Sources/Checkout/CheckoutViewModel.swift',
            startLine: 19,
            endLine: 19,
            severity: 'major',
            category: 'bug',
            message: 'try! crashes when the charge fails',
            confidence: 0.9,
            suggestion: {
              existing: line,
              replacement: '            receipt = try? await payments.charge(amount: total, token: token)',
            },
          },
          {
            file: 'Sources/Checkout/CheckoutViewModel.swift',
            startLine: 17,
            endLine: 19,
            severity: 'minor',
            category: 'concurrency',
            message: 'Task is not cancelled',
            confidence: 0.6,
            suggestion: { existing: 'not what is there', replacement: 'x' },
          },
          {
            file: 'Sources/Checkout/CheckoutViewModel.swift',
            startLine: 1,
            endLine: 1,
            severity: 'minor',
            category: 'style',
            message: 'outside the diff',
            confidence: 0.5,
          },
          {
            file: 'Sources/Other.swift',
            startLine: 3,
            endLine: 3,
            severity: 'minor',
            category: 'bug',
            message: 'a file the model was not shown',
            confidence: 0.5,
          },
        ],
      }),
    );
    const model = result.findings.filter((f) => f.source === 'model');
    expect(model).toHaveLength(2);
    // The one merge (`@agentflow/findings`) gives findings in line order: the concurrency one (17) first.
    expect(model.map((f) => f.category)).toEqual(['concurrency', 'bug']);
    const [cancel, crash] = model;
    expect(crash).toMatchObject({
      startLine: 19,
      endLine: 19,
      severity: 'major',
      agent: 'code-review',
      model: 'claude-sonnet-4-6',
      promptVersion: expect.stringMatching(/^code-review@\d+\/lang@\d+$/),
    });
    expect(crash.suggestion?.replacement).toContain('try?');
    expect(cancel.suggestion).toBeUndefined();
    expect(result.data?.dropped).toEqual({
      'outside-diff': 1,
      'unknown-file': 1,
      'suggestion existing-text-mismatch': 1,
    });
  });

  it('answers unparseable output with the retryable unparseable_output code', async () => {
    const { result } = await runAgent('code-review', () => ({ text: 'LGTM! Ship it.' }));
    expect(result).toMatchObject({ status: 'failed', errorCode: 'unparseable_output' });
  });

  it('repairs near-valid output', async () => {
    const { result } = await runAgent('code-review', () => ({
      text: "```json\n{'summary': 'x', 'confidence': 0.7, 'findings': [{'file': 'Sources/Checkout/CheckoutViewModel.swift', 'startLine': 19, 'endLine': 19, 'severity': 'high', 'category': 'bug', 'message': 'try! crashes', 'confidence': 0.9},],}\n```",
    }));
    expect(result.status).toBe('succeeded');
    expect(result.findings.find((f) => f.source === 'model')).toMatchObject({
      severity: 'major',
      startLine: 19,
    });
    expect(result.data?.repairs).toEqual(
      expect.arrayContaining(['code-fence', 'single-quotes', 'trailing-comma']),
    );
  });

  it('maps gateway outcomes to result codes', async () => {
    const deferred = await runAgent('code-review', () => ({
      status: 'deferred',
      retryAt: 12345,
      errorCode: 'budget_exceeded',
    }));
    expect(deferred.result).toMatchObject({
      status: 'deferred',
      retryAt: 12345,
      errorCode: 'budget_exceeded',
    });
    const failed = await runAgent('code-review', () => ({
      status: 'failed',
      errorCode: 'all_providers_failed',
      errorMessage: 'every provider is down',
    }));
    expect(failed.result).toMatchObject({ status: 'failed', errorCode: 'all_providers_failed' });
  });
});

describe('every model agent over both samples', () => {
  const cases: Array<[AgentTypeId, 'ios' | 'android', RegExp]> = [
    ['security', 'android', /application security engineer/],
    ['test-coverage', 'android', /mobile test engineer/],
    [
      'test-generation',
      'android',
      /app\/src\/test\/kotlin\/com\/acme\/notes\/NotesViewModelTest\.kt using JUnit 5 \+ MockK/,
    ],
    ['test-generation', 'ios', /Tests\/CheckoutTests\/CheckoutViewModelTests\.swift using XCTest/],
    ['documentation', 'ios', /DocC: `\/\/\/` comments/],
    ['architecture-review', 'android', /MVVM, VIPER, Clean Architecture/],
    ['migration-planning', 'ios', /docs\/adr\/NNNN-<slug>\.md/],
    ['impact-analysis', 'android', /docs\/impact\/<short-slug>\.md/],
  ];
  it.each(cases)('%s on %s: prompt, schema and facts', async (agentType, repo, expected) => {
    const generation = ['test-generation', 'migration-planning', 'impact-analysis'].includes(agentType);
    const { result, gateway } = await runAgent(agentType, () => (generation ? noFiles : empty), repo, {
      tasks: [],
    });
    expect(result.status).toBe('succeeded');
    expect(gateway.requests.length).toBeGreaterThan(0);
    const prompt = gateway.prompts()[0];
    expect(prompt).toMatch(expected);
    expect(gateway.requests[0].responseSchema?.name).toBe(generation ? 'generation_result' : 'review_result');
    if (repo === 'android') {
      expect(prompt).toContain('Android minSdk: 26, targetSdk: 35, compileSdk: 35');
      expect(prompt).toContain('Kotlin version: 2.0.21');
      expect(prompt).toContain('Kotlin (Android): coroutine scope');
    }
  });

  it('test-generation keeps tests only where the project keeps them', async () => {
    const { result } = await runAgent(
      'test-generation',
      () =>
        json({
          summary: 'tests',
          confidence: 0.8,
          files: [
            {
              path: 'app/src/test/kotlin/com/acme/notes/NotesViewModelTest.kt',
              content: 'class NotesViewModelTest',
              purpose: 'save() persists the note',
            },
            {
              path: 'app/src/main/kotlin/com/acme/notes/Helper.kt',
              content: 'object Helper',
              purpose: 'not a test',
            },
          ],
        }),
      'android',
    );
    expect(result.proposedFiles?.map((f) => f.path)).toEqual([
      'app/src/test/kotlin/com/acme/notes/NotesViewModelTest.kt',
    ]);
    expect(result.data?.dropped).toEqual({
      'file rejected: app/src/main/kotlin/com/acme/notes/Helper.kt is not in a test folder': 1,
    });
  });

  it('test-coverage reports changed source with no test file as a deterministic finding', async () => {
    const { result } = await runAgent('test-coverage', () => empty, 'android');
    expect(result.findings).toEqual([
      expect.objectContaining({
        file: 'app/src/main/kotlin/com/acme/notes/NotesViewModel.kt',
        source: 'analyzer',
        ruleId: 'testing.untested-change',
        category: 'testing',
      }),
    ]);
    // The iOS view model has a test file: nothing deterministic to report.
    const iosRun = await runAgent('test-coverage', () => empty, 'ios');
    expect(iosRun.result.findings.filter((f) => f.source === 'analyzer')).toHaveLength(0);
  });

  it('test-review reviews proposed tests as added files and sees the CI outcome', async () => {
    const proposed = {
      path: 'Tests/CheckoutTests/CheckoutTests.swift',
      content:
        'import XCTest\nfinal class CheckoutTests: XCTestCase {\n    func testCheckout() { sleep(2) }\n}\n',
      purpose: 'checkout',
    };
    const { result, gateway } = await runAgent(
      'test-review',
      () =>
        json({
          summary: 'flaky',
          confidence: 0.8,
          findings: [
            {
              file: proposed.path,
              startLine: 3,
              endLine: 3,
              severity: 'major',
              category: 'testing',
              message: 'sleep makes it slow and flaky',
              confidence: 0.9,
            },
          ],
        }),
      'ios',
      {},
      {
        context: {
          'test-runner': {
            status: 'succeeded',
            findings: [],
            proposedFiles: [proposed],
            data: { push: { status: 'pushed' }, ci: { conclusion: 'failure', name: 'iOS tests' } },
          },
        },
      },
    );
    expect(gateway.prompts()[0]).toContain('CI results of the pushed tests');
    expect(gateway.prompts()[0]).toContain('"conclusion":"failure"');
    expect(result.findings).toEqual([
      expect.objectContaining({ file: proposed.path, startLine: 3, source: 'model' }),
    ]);
  });
});

describe('agents without a model', () => {
  it('lint turns SARIF on changed lines into sarif findings and lists unreadable reports', async () => {
    const sarif = JSON.stringify({
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'detekt', rules: [{ id: 'detekt.coroutines.GlobalCoroutineUsage' }] } },
          results: [
            {
              ruleId: 'detekt.coroutines.GlobalCoroutineUsage',
              level: 'warning',
              message: { text: 'Usage of GlobalScope instance is highly discouraged' },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: {
                      uri: 'file:///ci/work/app/src/main/kotlin/com/acme/notes/NotesViewModel.kt',
                    },
                    region: { startLine: 14 },
                  },
                },
              ],
            },
            {
              ruleId: 'detekt.style.MagicNumber',
              level: 'warning',
              message: { text: 'old code' },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: 'app/src/main/kotlin/com/acme/notes/NotesViewModel.kt' },
                    region: { startLine: 1 },
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    android.commit({ 'build/reports/detekt.sarif': sarif }, 'report');
    const head = android.head();
    const gateway = new ScriptedGateway(() => empty);
    const result: AgentResult = await runner(gateway).run(
      agentTask(android, androidBase, head, planStep('lint', { providers: [] }), {
        artifacts: ['build/reports/detekt.sarif', 'missing.sarif'],
      }),
      new AbortController().signal,
    );
    expect(gateway.requests).toHaveLength(0);
    expect(result.findings).toEqual([
      expect.objectContaining({
        source: 'sarif',
        ruleId: 'detekt.coroutines.GlobalCoroutineUsage',
        startLine: 14,
        confidence: 1,
        model: 'rules',
      }),
    ]);
    expect(result.notReviewed).toEqual([
      expect.objectContaining({ file: 'missing.sarif', reason: 'artifact-unreadable' }),
    ]);
  });

  it('lint reads CI-uploaded SARIF from the object store by reference, a report larger than any message included', async () => {
    const bus = new EmbeddedBus({});
    const topo = topology('lintci');
    try {
      const objects = await bus.objects(topo.buckets.objects);
      // Results on other files pad the report past NATS's 1 MB message limit.
      const padding = Array.from({ length: 6000 }, (_, i) => ({
        ruleId: 'detekt.style.MaxLineLength',
        level: 'warning',
        message: { text: `line ${i} is too long in a file this change does not touch` },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: `app/src/main/kotlin/com/acme/other/Other${i}.kt` },
              region: { startLine: 1 },
            },
          },
        ],
      }));
      const sarif = Buffer.from(
        JSON.stringify({
          version: '2.1.0',
          runs: [
            {
              tool: { driver: { name: 'detekt' } },
              results: [
                {
                  ruleId: 'detekt.coroutines.GlobalCoroutineUsage',
                  level: 'error',
                  message: { text: 'Usage of GlobalScope instance is highly discouraged' },
                  locations: [
                    {
                      physicalLocation: {
                        artifactLocation: { uri: 'app/src/main/kotlin/com/acme/notes/NotesViewModel.kt' },
                        region: { startLine: 14 },
                      },
                    },
                  ],
                },
                ...padding,
              ],
            },
          ],
        }),
      );
      expect(sarif.length).toBeGreaterThan(1024 * 1024);
      const stored = await objects.put('artifacts/r1/detekt.sarif', sarif);
      const ciArtifacts = [
        {
          name: 'detekt.sarif',
          kind: 'sarif' as const,
          ref: stored.ref,
          sha256: stored.sha256,
          size: stored.size,
        },
        {
          name: 'lost.sarif',
          kind: 'sarif' as const,
          ref: `${topo.buckets.objects}/artifacts/r1/lost.sarif`,
          sha256: stored.sha256,
          size: stored.size,
        },
        {
          name: 'coverage.xml',
          kind: 'coverage' as const,
          ref: stored.ref,
          sha256: stored.sha256,
          size: stored.size,
        },
      ];
      const gateway = new ScriptedGateway(() => empty);
      const result = await new TaskRunner({
        readers: new LocalReaderFactory(),
        gateway,
        analyzer: new MobileRulesAnalyzer(),
        tokens: new BpeTokenCounter(),
        push: { push: () => Promise.reject(new Error('not in this test')) },
        pushQuota: unusedQuota,
        ciArtifacts: new BusCiArtifactStore(bus, topo),
      }).run(
        agentTask(android, androidBase, androidHead, planStep('lint', { providers: [] }), { ciArtifacts }),
        new AbortController().signal,
      );
      expect(result.status).toBe('succeeded');
      expect(result.findings.filter((f) => f.source === 'sarif')).toEqual([
        expect.objectContaining({
          ruleId: 'detekt.coroutines.GlobalCoroutineUsage',
          file: 'app/src/main/kotlin/com/acme/notes/NotesViewModel.kt',
          startLine: 14,
          severity: 'major',
        }),
      ]);
      expect(result.summary).toContain('1 from 1 SARIF report(s) (ci:detekt.sarif)');
      expect(result.notReviewed).toEqual([
        expect.objectContaining({
          file: 'ci:lost.sarif',
          reason: 'artifact-unreadable',
          detail: expect.stringContaining('upload it again'),
        }),
      ]);
    } finally {
      await bus.drain();
    }
  });
});
