import type { JobLaunch, ProvidersConfig } from '@agentflow/contracts';
import { FakeVendorServer } from '@agentflow/fake-vendor';
import { CursorJobProvider } from '../providers/cursor/cursor-job-provider';
import { JobPolicyDenied, UnknownJobProvider } from './job-errors';
import { jobHarness, type JobHarness } from './testing/job-harness';

const KEY = 'crsr_test_key_0123456789';

function config(enabled = true): ProvidersConfig {
  return {
    providers: {
      cursor: {
        kind: 'cursor',
        enabled,
        dataClasses: ['internal'],
        models: {},
        options: { costPerJobUsd: 1.5 },
      },
    },
  };
}

function launch(requestId: string, over: Partial<JobLaunch> = {}): JobLaunch {
  return {
    op: 'launch',
    requestId,
    provider: 'cursor',
    prompt: 'Add UI tests for the login screen',
    repository: 'https://github.com/acme/ios-app',
    ref: 'feature/login',
    attribution: { runId: 'run-1', stepId: 'ui-tests', team: 'mobile' },
    dataClass: 'internal',
    ...over,
  };
}

async function vendorJobId(h: JobHarness, jobId: string): Promise<string> {
  return (await h.kv.get(`job.${jobId}`))!.json<{ vendorJobId: string }>().vendorJobId;
}

describe('JobRunner with Cursor cloud agents on the fake vendor', () => {
  const vendor = new FakeVendorServer({ apiKeys: [KEY] });
  let h: JobHarness;

  beforeAll(async () => {
    await vendor.start();
  });
  afterAll(async () => {
    await vendor.close();
  });
  beforeEach(() => {
    vendor.cursor.reset();
    const cfg = config();
    cfg.providers.cursor.baseUrl = vendor.url;
    h = jobHarness(cfg, new Map([['cursor', new CursorJobProvider('cursor', cfg.providers.cursor, KEY)]]));
  });

  it('launches an agent on the repository and ref, polls it to FINISHED and hands the summary and branch back to the launching step', async () => {
    vendor.cursor.enqueue({
      statuses: ['CREATING', 'RUNNING', 'RUNNING', 'FINISHED'],
      summary: 'Added 4 XCUITests for login',
      prUrl: 'https://github.com/acme/ios-app/pull/7',
    });
    const reply = await h.runner.launch(launch('req-1'));
    expect(reply).toMatchObject({ status: 'ok', state: 'queued', vendorStatus: 'CREATING' });
    expect(vendor.cursor.launches[0]).toMatchObject({
      prompt: { text: 'Add UI tests for the login screen' },
      source: { repository: 'https://github.com/acme/ios-app', ref: 'feature/login' },
    });

    await h.pollOnce();
    expect((await h.runner.status(reply.jobId!)).state).toBe('running');
    expect(h.results.messages).toHaveLength(0);
    await h.pollOnce();
    await h.pollOnce();

    expect(h.results.messages).toEqual([
      expect.objectContaining({
        jobId: reply.jobId,
        state: 'finished',
        vendorStatus: 'FINISHED',
        costUsd: 1.5,
        attribution: expect.objectContaining({ runId: 'run-1', stepId: 'ui-tests' }),
        outcome: expect.objectContaining({
          summary: 'Added 4 XCUITests for login',
          prUrl: 'https://github.com/acme/ios-app/pull/7',
          branch: expect.stringMatching(/^cursor\/bc_/),
        }),
      }),
    ]);
    expect(h.records.entries).toEqual([
      expect.objectContaining({ id: `job:${reply.jobId}`, provider: 'cursor', costUsd: 1.5, waste: 'none' }),
    ]);
    // Handed back once: later passes neither poll the vendor again nor publish twice.
    const agentId = await vendorJobId(h, reply.jobId!);
    expect(vendor.cursor.reads(agentId)).toBe(3);
    await h.pollOnce();
    expect(vendor.cursor.reads(agentId)).toBe(3);
    expect(h.results.messages).toHaveLength(1);
  });

  it.each([
    ['ERROR', 'failed', /Cursor agent ended in ERROR: could not build the app/],
    ['EXPIRED', 'expired', /EXPIRED before it finished/],
    ['STOPPED', 'cancelled', /STOPPED before it finished/],
  ] as const)(
    'reports an agent that ends in %s as a %s step with the reason',
    async (status, state, reason) => {
      vendor.cursor.enqueue({
        statuses: ['CREATING', 'RUNNING', status],
        summary: status === 'ERROR' ? 'could not build the app' : undefined,
      });
      const reply = await h.runner.launch(launch(`req-${status}`));
      await h.pollOnce();
      await h.pollOnce();
      expect(h.results.messages).toEqual([
        expect.objectContaining({
          jobId: reply.jobId,
          state,
          vendorStatus: status,
          reason: expect.stringMatching(reason),
        }),
      ]);
      expect(h.records.entries[0]).toMatchObject({ waste: 'retry' });
    },
  );

  it('resumes polling after a restart mid-poll and hands the job back exactly once', async () => {
    vendor.cursor.enqueue({
      statuses: ['CREATING', 'RUNNING', 'RUNNING', 'FINISHED'],
      summary: 'done after restart',
    });
    const reply = await h.runner.launch(launch('req-restart'));
    await h.pollOnce();
    await h.runner.stop();

    const restarted = h.restart();
    await h.pollOnce(restarted);
    expect(h.results.messages).toHaveLength(0);
    await h.pollOnce(restarted);
    expect(h.results.messages).toEqual([
      expect.objectContaining({
        jobId: reply.jobId,
        state: 'finished',
        outcome: expect.objectContaining({ summary: 'done after restart' }),
      }),
    ]);
    expect((await h.runner.status(reply.jobId!)).state).toBe('finished');
    await restarted.stop();
  });

  it('returns the first job when the same launch request arrives twice', async () => {
    const first = await h.runner.launch(launch('req-dup'));
    const second = await h.runner.launch(launch('req-dup'));
    expect(second.jobId).toBe(first.jobId);
    expect(vendor.cursor.launches).toHaveLength(1);
  });

  it('cancels: stops the agent at Cursor and hands the job back as cancelled', async () => {
    vendor.cursor.enqueue({ statuses: ['CREATING', 'RUNNING'] });
    const reply = await h.runner.launch(launch('req-cancel'));
    const cancelled = await h.runner.cancel(reply.jobId!);
    expect(cancelled.state).toBe('cancelled');
    expect(vendor.cursor.stopped(await vendorJobId(h, reply.jobId!))).toBe(true);
    expect(h.results.messages).toEqual([
      expect.objectContaining({ state: 'cancelled', reason: 'cancelled by the caller' }),
    ]);
  });

  it('expires a job still running at its deadline, and stops the agent', async () => {
    vendor.cursor.enqueue({ statuses: ['CREATING', 'RUNNING'] });
    const reply = await h.runner.launch(launch('req-deadline', { deadline: h.clock.now() + 1500 }));
    await h.pollOnce();
    await h.pollOnce();
    expect(h.results.messages).toEqual([
      expect.objectContaining({
        jobId: reply.jobId,
        state: 'expired',
        reason: expect.stringContaining('no result before the deadline'),
      }),
    ]);
    expect(vendor.cursor.stopped(await vendorJobId(h, reply.jobId!))).toBe(true);
  });

  it('authenticates to Cursor with Basic auth, the API key as user name, as Cursor documents it', async () => {
    // The fake takes only Basic on /v0/agents, as Cursor documents: a bearer token is refused...
    const bearer = await fetch(`${vendor.url}/v0/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(bearer.status).toBe(401);
    // ...and the provider's launch goes through.
    const provider = new CursorJobProvider(
      'cursor',
      { ...config().providers.cursor, baseUrl: vendor.url },
      KEY,
    );
    await provider.submit({ prompt: 'p', repository: 'https://github.com/acme/ios-app' });
    expect(vendor.cursor.launches).toHaveLength(1);
  });

  it('keeps job providers off until policy enables them, and refuses unknown providers', async () => {
    const off = config(false);
    const denied = jobHarness(
      off,
      new Map([
        ['cursor', new CursorJobProvider('cursor', { ...off.providers.cursor, baseUrl: vendor.url }, KEY)],
      ]),
    );
    await expect(denied.runner.launch(launch('req-off'))).rejects.toBeInstanceOf(JobPolicyDenied);
    await expect(
      h.runner.launch(launch('req-restricted', { dataClass: 'restricted' })),
    ).rejects.toBeInstanceOf(JobPolicyDenied);
    await expect(h.runner.launch(launch('req-unknown', { provider: 'devin' }))).rejects.toBeInstanceOf(
      UnknownJobProvider,
    );
    expect(vendor.cursor.launches).toHaveLength(0);
  });
});
