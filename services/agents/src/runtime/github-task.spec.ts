/**
 * A task for a GitHub pull request, end to end through the worker: the reader factory picks the
 * GitHub reader (token auth, `GITHUB_API_URL` = the fake GitHub), the worker reads the diff and the
 * files over the API, asks a scripted gateway on `af.gateway.generate`, and publishes the result.
 * No local clone exists, so everything the model sees came from the (fake) GitHub API.
 */
import { execFileSync } from 'node:child_process';
import {
  createEnvelope,
  topology,
  type AgentResult,
  type AgentTask,
  type Envelope,
  type GatewayRequest,
} from '@agentflow/contracts';
import {
  createMessenger,
  EmbeddedBus,
  provisionTopology,
  type MessageBus,
  type Messenger,
} from '@agentflow/bus';
import { startFakeGitHub, type FakeGitHub, type FakePrFile } from '@agentflow/fake-platforms';
import { MobileRulesAnalyzer } from '../analysis/mobile-analyzer';
import { readAgentsConfig } from '../config';
import { BpeTokenCounter } from '../context/tokens';
import { BusModelGateway } from '../gateway/model-gateway';
import { PlatformReaderFactory } from '../repo/reader-factory';
import { agentTask, FixtureRepo, okResponse, planStep } from '../testing/fixture-repo';
import { IOS_BASE, IOS_CHANGE } from '../testing/sample-repos';
import { AgentWorker } from './agent-worker';
import { TaskRunner } from './task-runner';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The pull request's files as GitHub lists them, computed by git from the sample repository. */
function prFiles(repo: FixtureRepo, base: string, head: string) {
  const names = repo.git('diff', '--name-status', base, head).split('\n').filter(Boolean);
  return names.map((line) => {
    const [code, filename] = line.split('\t');
    const text = execFileSync('git', ['-C', repo.root, 'diff', base, head, '--', filename], {
      encoding: 'utf8',
    });
    const patch = text.slice(text.indexOf('@@'));
    const additions = patch.split('\n').filter((l) => l.startsWith('+')).length;
    const deletions = patch.split('\n').filter((l) => l.startsWith('-')).length;
    const status: FakePrFile['status'] = code === 'A' ? 'added' : code === 'D' ? 'removed' : 'modified';
    return { filename, status, additions, deletions, patch };
  });
}

describe('agent task for a GitHub change, read through the GitHub API', () => {
  const topo = topology(`t_aggh_${Math.random().toString(36).slice(2, 8)}`);
  let bus: MessageBus;
  let messenger: Messenger;
  let worker: AgentWorker;
  let github: FakeGitHub;
  let repo: FixtureRepo;
  let base: string;
  let head: string;
  const gatewayRequests: GatewayRequest[] = [];

  beforeAll(async () => {
    github = await startFakeGitHub();
    // The sample repository gives real SHAs and patches; the agent never sees this clone.
    repo = new FixtureRepo(IOS_BASE);
    base = repo.head();
    head = repo.commit(IOS_CHANGE);
    github.seedPullRequest({
      owner: 'acme',
      repo: 'ios-shop',
      number: 12,
      headSha: head,
      baseSha: base,
      files: prFiles(repo, base, head),
      contents: { ...IOS_BASE, ...IOS_CHANGE },
      baseContents: IOS_BASE,
    });

    bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
    await provisionTopology(bus, topo);
    messenger = createMessenger(bus, topo);
    await bus.serve(topo.subjects.gatewayGenerate, 'gateway', async (msg) => {
      const request = (JSON.parse(decoder.decode(msg.data)) as Envelope<GatewayRequest>).body;
      gatewayRequests.push(request);
      const finding = {
        file: 'Sources/Checkout/CheckoutViewModel.swift',
        startLine: 20,
        endLine: 20,
        severity: 'major',
        category: 'bug',
        message: 'try! crashes the app when the charge fails',
        confidence: 0.9,
      };
      const body = { text: JSON.stringify({ summary: 'one crash', confidence: 0.8, findings: [finding] }) };
      msg.respond(
        encoder.encode(
          JSON.stringify(
            createEnvelope('gateway.response', okResponse(request, body), {
              runId: request.attribution.runId,
            }),
          ),
        ),
      );
    });
    const config = readAgentsConfig({
      AGENT_TYPES: 'code-review',
      GITHUB_API_URL: github.apiUrl,
      GITHUB_TOKEN: 'ghs_agents',
    });
    const runner = new TaskRunner({
      readers: new PlatformReaderFactory({ checkoutsDir: config.checkoutsDir, platforms: config.platforms }),
      gateway: new BusModelGateway(bus, topo),
      analyzer: new MobileRulesAnalyzer(),
      tokens: new BpeTokenCounter(),
      push: { push: () => Promise.reject(new Error('not in this test')) },
      pushQuota: { reserve: () => Promise.reject(new Error('not in this test')) },
    });
    worker = new AgentWorker(bus, messenger, topo, runner, { agentTypes: config.agentTypes, concurrency: 1 });
    await worker.start();
  });

  afterAll(async () => {
    await worker.stop();
    await bus.drain();
    await github.close();
    repo.remove();
  });

  async function taskResult(runId: string): Promise<AgentResult> {
    for (let i = 0; i < 500; i++) {
      const messages = await bus.readSubject(topo.streams.results.name, topo.subjects.results(runId));
      const found = messages
        .map((m) => JSON.parse(decoder.decode(m.data)) as Envelope<AgentResult>)
        .find((e) => e.type === 'task.result');
      if (found) return found.body;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no task.result for ${runId}`);
  }

  it('reviews the pull request from the API and places the model finding on the changed line', async () => {
    const local = agentTask(repo, base, head, planStep('code-review'), { runId: 'run-gh' });
    const task: AgentTask = {
      ...local,
      change: { ...local.change, platform: 'github', repo: 'acme/ios-shop', pr: 12 },
    };
    await messenger.emit(topo.subjects.tasks('code-review'), 'task.requested', task, { runId: 'run-gh' });
    const result = await taskResult('run-gh');

    expect(result).toMatchObject({ status: 'succeeded', summary: expect.stringContaining('one crash') });
    expect(result.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'Sources/Checkout/CheckoutViewModel.swift',
          startLine: 20,
          source: 'model',
        }),
      ]),
    );
    const prompt = gatewayRequests.map((r) => r.messages.map((m) => m.content).join('\n')).join('\n');
    // The changed code and the test file of the view model reached the model: both came from the API.
    expect(prompt).toContain('receipt = try! await payments.charge(amount: total, token: token)');
    expect(prompt).toContain('CheckoutViewModelTests');
    // Generated code and lock files are listed as not reviewed, as for a local checkout.
    expect(result.notReviewed?.map((n) => n.file)).toEqual(
      expect.arrayContaining(['Sources/Checkout/Generated/Strings+Generated.swift', 'Package.resolved']),
    );
  });

  it('fails the task as repo_unavailable when the pull request commits are unknown to GitHub', async () => {
    const local = agentTask(repo, base, head, planStep('code-review'), { runId: 'run-gh-missing' });
    const task: AgentTask = {
      ...local,
      change: { ...local.change, platform: 'github', repo: 'acme/elsewhere', pr: 1 },
    };
    await messenger.emit(topo.subjects.tasks('code-review'), 'task.requested', task, {
      runId: 'run-gh-missing',
    });
    const result = await taskResult('run-gh-missing');
    expect(result).toMatchObject({ status: 'failed', errorCode: 'repo_unavailable' });
  });
});
