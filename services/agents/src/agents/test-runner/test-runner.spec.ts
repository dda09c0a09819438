/**
 * The test runner against a scripted push-files consumer on the embedded bus (the notifier may not
 * exist yet), with the daily cap kept in PGlite through the real migrations.
 */
import { execFileSync } from 'node:child_process';
import { topology, type PushFilesCommand } from '@agentflow/contracts';
import { createMessenger, EmbeddedBus, provisionTopology, type MessageBus } from '@agentflow/bus';
import { openDatabase, type SqlDatabase } from '@agentflow/store';
import { MobileRulesAnalyzer } from '../../analysis/mobile-analyzer';
import { BpeTokenCounter } from '../../context/tokens';
import { BusPushFiles, SqlPushQuota } from '../../push/push-files';
import { LocalReaderFactory } from '../../repo/reader-factory';
import { TaskRunner } from '../../runtime/task-runner';
import { agentTask, FixtureRepo, planStep, ScriptedGateway } from '../../testing/fixture-repo';
import { IOS_BASE, IOS_CHANGE } from '../../testing/sample-repos';

const proposed = {
  path: 'Tests/CheckoutTests/CheckoutTests.swift',
  content: 'import XCTest\n@testable import Checkout\n\nfinal class CheckoutTests: XCTestCase {}\n',
  purpose: 'checkout() charges the total',
};

describe('test-runner', () => {
  let bus: MessageBus;
  let db: SqlDatabase;
  let repo: FixtureRepo;
  let base: string;
  let head: string;
  const topo = topology(`t_push_${Math.random().toString(36).slice(2, 8)}`);
  const received: PushFilesCommand[] = [];

  beforeAll(async () => {
    bus = new EmbeddedBus({ deadLetterSubject: topo.subjects.dlq });
    await provisionTopology(bus, topo);
    db = await openDatabase({ migrate: true });
    repo = new FixtureRepo(IOS_BASE);
    base = repo.head();
    head = repo.commit(IOS_CHANGE);
    // The scripted consumer stands in for the notifier.
    const messenger = createMessenger(bus, topo);
    await bus.consume(
      {
        stream: topo.streams.notify.name,
        durable: 'scripted-notifier',
        filterSubject: topo.subjects.notify('push-files'),
        ackWaitMs: 30_000,
        maxDeliver: 3,
        maxAckPending: 10,
        backoffMs: [1_000],
      },
      async (msg) => {
        received.push((await messenger.read(msg, 'notify.push-files')).body);
      },
    );
  });

  afterAll(async () => {
    await bus.drain();
    await db.close();
    repo.remove();
  });

  function run(runId: string, options: Record<string, unknown>) {
    const messenger = createMessenger(bus, topo);
    const runner = new TaskRunner({
      readers: new LocalReaderFactory(),
      gateway: new ScriptedGateway(() => ({ text: 'unused' })),
      analyzer: new MobileRulesAnalyzer(),
      tokens: new BpeTokenCounter(),
      push: new BusPushFiles(messenger, topo),
      pushQuota: new SqlPushQuota(db),
    });
    const step = planStep('test-runner', { providers: [], options });
    return runner.run(
      agentTask(repo, base, head, step, {
        runId,
        context: { 'test-generation': { status: 'succeeded', findings: [], proposedFiles: [proposed] } },
      }),
      new AbortController().signal,
    );
  }

  async function until(predicate: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
  }

  it('pushes nothing unless the workflow opted in', async () => {
    const result = await run('run-off', {});
    expect(result).toMatchObject({ status: 'succeeded', data: { push: { status: 'skipped' } } });
    expect(result.awaitCi).toBeUndefined();
    expect(result.proposedFiles).toEqual([proposed]);
  });

  it('sends the push command for agentflow/run-<id> and asks the coordinator to wait for CI on the commit it built', async () => {
    const result = await run('run-a', { push: true, maxPushesPerDay: 2 });
    expect(result.status).toBe('succeeded');
    await until(() => received.length === 1);
    const command = received[0];
    expect(command).toMatchObject({
      runId: 'run-a',
      stepId: 'test-runner',
      branch: 'agentflow/run-run-a',
      baseSha: head,
      mode: 'branch',
      files: [proposed],
    });
    const sha = command.commit!.sha;
    expect(result.awaitCi).toEqual({ headSha: sha, repo: repo.root, timeoutMs: undefined });
    // The commit exists in the checkout, on top of the PR head, holding exactly the proposed file.
    expect(repo.git('rev-parse', `${sha}^`)).toBe(head);
    expect(repo.git('show', `${sha}:${proposed.path}`)).toBe(proposed.content.trimEnd());
    expect(repo.git('diff', '--name-only', head, sha)).toBe(proposed.path);
    // Rebuilding from the command's fields yields the same SHA (what a notifier re-creating it gets).
    const again = await run('run-a', { push: true, maxPushesPerDay: 2 });
    expect(again.awaitCi?.headSha).toBe(sha);
    // The working tree and refs were not touched.
    expect(execFileSync('git', ['-C', repo.root, 'status', '--porcelain'], { encoding: 'utf8' })).toBe('');
    expect(repo.head()).toBe(head);
  });

  it('stops at the daily cap per repository, counting a run once', async () => {
    // Options as a workflow file writes them.
    const second = await run('run-b', { push: true, max_pushes_per_day: 2 });
    expect(second.data?.push).toMatchObject({ status: 'pushed', used: 2, cap: 2 });
    const third = await run('run-c', { push: true, maxPushesPerDay: 2 });
    expect(third.data?.push).toMatchObject({ status: 'skipped', used: 2, cap: 2 });
    expect(third.awaitCi).toBeUndefined();
    await until(() => received.length >= 2);
    expect(received.map((c) => c.runId).sort()).toEqual(['run-a', 'run-b']);
  });
});
