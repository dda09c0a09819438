/**
 * The workflow's `ignore`, `pathInstructions` and `conventionsFile` reach the agent as the
 * coordinator sends them: the task is the one the run actor publishes for the plan, run against
 * the sample iOS repository with a scripted vendor.
 */
import type { AgentTask, GatewayRequest } from '@agentflow/contracts';
import {
  buildChange,
  buildPlan,
  buildRunRequest,
  RunActor,
  type PublishTaskCommand,
  type RunState,
} from '@agentflow/run-actor';
import { MobileRulesAnalyzer } from '../analysis/mobile-analyzer';
import { BpeTokenCounter } from '../context/tokens';
import { LocalReaderFactory } from '../repo/reader-factory';
import { TaskRunner } from '../runtime/task-runner';
import { FixtureRepo, json, ScriptedGateway } from '../testing/fixture-repo';
import { IOS_BASE, IOS_CHANGE } from '../testing/sample-repos';

/** A run that has not started: the actor's first event creates its state. */
const NO_STATE: RunState | undefined = undefined;

describe('workflow review settings sent by the coordinator', () => {
  let repo: FixtureRepo;
  let base: string;
  let head: string;
  beforeAll(() => {
    repo = new FixtureRepo({ ...IOS_BASE, 'docs/TEAM.md': 'Every public type has a DocC comment.\n' });
    base = repo.head();
    head = repo.commit({
      ...IOS_CHANGE,
      'Sources/Checkout/Price.swift': 'public struct Price {\n    let amount: Double\n}\n',
    });
  });
  afterAll(() => repo.remove());

  function publishedTask(): AgentTask {
    const plan = buildPlan(
      [
        {
          id: 'review',
          agentType: 'code-review',
          providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-6' }],
          model: { maxTokens: 2048 },
        },
      ],
      {
        ignore: ['Sources/Checkout/CheckoutViewModel.swift'],
        pathInstructions: [
          { path: 'Sources/Checkout/**', instructions: 'Prices are Decimal, never Double.' },
        ],
        conventionsFile: 'docs/TEAM.md',
      },
    );
    const request = buildRunRequest('run-opts', plan, {
      change: buildChange({ platform: 'local', repo: repo.root, baseSha: base, headSha: head, pr: 7 }),
    });
    const { commands } = new RunActor().apply(NO_STATE, { type: 'runRequested', at: Date.now(), request });
    return commands.find((c): c is PublishTaskCommand => c.type === 'publishTask')!.task;
  }

  it('never shows the model an ignored file (listed as policy-excluded), and follows the path instructions and conventions file', async () => {
    const gateway = new ScriptedGateway(() => json({ summary: 'ok', confidence: 0.9, findings: [] }));
    const runner = new TaskRunner({
      readers: new LocalReaderFactory(),
      gateway,
      analyzer: new MobileRulesAnalyzer(),
      tokens: new BpeTokenCounter(),
      push: { push: () => Promise.reject(new Error('not in this test')) },
      pushQuota: { reserve: () => Promise.reject(new Error('not in this test')) },
    });
    const result = await runner.run(publishedTask(), new AbortController().signal);
    expect(result.status).toBe('succeeded');
    expect(result.notReviewed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'Sources/Checkout/CheckoutViewModel.swift',
          reason: 'policy-excluded',
        }),
      ]),
    );
    const prompts = gateway.requests
      .map((r: GatewayRequest) => `${r.system ?? ''}\n${r.messages.map((m) => m.content).join('\n')}`)
      .join('\n');
    expect(prompts).not.toContain('try! await payments.charge');
    expect(gateway.requests.length).toBeGreaterThan(0);
    expect(prompts).toContain('public struct Price');
    expect(prompts).toContain('Prices are Decimal, never Double.');
    // The conventions file named by the workflow is read from the base commit.
    expect(prompts).toContain('Every public type has a DocC comment.');
  });
});
