import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitCodeOfRun } from '../commands/trigger';
import { CiApiError, CiClient, CiUsageError, type ApiRun } from './ci-client';

const run = (status: string, gate: ApiRun['gateConclusion']): ApiRun => ({
  runId: 'r1',
  workflow: 'swift-review',
  platform: 'github',
  repo: 'acme/ios-app',
  pr: 7,
  headSha: 'a'.repeat(40),
  trigger: 'manual',
  status,
  gateConclusion: gate,
  costUsd: 0.01,
  requestedAt: '2026-11-25T00:00:00.000Z',
  finishedAt: null,
});

function fakeFetch(answers: Array<{ status: number; body: unknown }>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const impl = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const next = answers.shift()!;
    return new Response(JSON.stringify(next.body), { status: next.status });
  }) as unknown as typeof fetch;
  return { impl, calls };
}

describe('CiClient', () => {
  it('says what to set when the URL or token is missing', () => {
    expect(() => CiClient.fromEnv({})).toThrow(CiUsageError);
    expect(() => CiClient.fromEnv({ AGENTFLOW_URL: 'http://x' })).toThrow(/AGENTFLOW_API_TOKEN/);
  });

  it('starts a run with the token and the coverage and SARIF files as base64 artifacts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'af-ci-'));
    try {
      writeFileSync(join(dir, 'lcov.info'), 'SF:a.swift\nend_of_record\n');
      writeFileSync(join(dir, 'lint.sarif'), '{}');
      const { impl, calls } = fakeFetch([
        { status: 202, body: { runId: 'r1', workflow: 'swift-review', requestId: 'q' } },
      ]);
      const client = new CiClient('http://agentflow.test/', 'tok', impl);
      await client.startRun({
        workflow: 'swift-review',
        platform: 'github',
        repo: 'acme/ios-app',
        pr: 7,
        headSha: 'a'.repeat(40),
        coverageFile: join(dir, 'lcov.info'),
        sarifFile: join(dir, 'lint.sarif'),
      });
      expect(calls[0].url).toBe('http://agentflow.test/api/runs');
      expect((calls[0].init.headers as Record<string, string>).authorization).toBe('Bearer tok');
      const body = JSON.parse(String(calls[0].init.body));
      expect(body).toMatchObject({ workflow: 'swift-review', repo: 'acme/ios-app', pr: 7 });
      expect(body.artifacts).toEqual([
        {
          name: 'lcov.info',
          kind: 'coverage',
          encoding: 'base64',
          content: Buffer.from('SF:a.swift\nend_of_record\n').toString('base64'),
        },
        {
          name: 'lint.sarif',
          kind: 'sarif',
          encoding: 'base64',
          content: Buffer.from('{}').toString('base64'),
        },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('waits through a 503 until the run ends', async () => {
    const { impl, calls } = fakeFetch([
      { status: 200, body: run('running', null) },
      { status: 503, body: { detail: 'retry later' } },
      { status: 200, body: run('completed', 'failure') },
    ]);
    const ended = await new CiClient('http://agentflow.test', 'tok', impl).waitFor('r1', {
      timeoutMs: 10_000,
      intervalMs: 1,
    });
    expect(calls).toHaveLength(3);
    expect(exitCodeOfRun(ended)).toBe(1);
  });

  it('stops at once on a 404 with the server detail', async () => {
    const { impl } = fakeFetch([{ status: 404, body: { detail: 'no run r9' } }]);
    await expect(
      new CiClient('http://agentflow.test', 'tok', impl).waitFor('r9', { timeoutMs: 10_000, intervalMs: 1 }),
    ).rejects.toEqual(
      expect.objectContaining({
        status: 404,
        retryable: false,
        message: expect.stringContaining('no run r9'),
      }),
    );
    expect(new CiApiError(429, 'x').retryable).toBe(true);
  });

  it('exits 0 only for a completed run whose gate did not fail', () => {
    expect(exitCodeOfRun(run('completed', 'success'))).toBe(0);
    expect(exitCodeOfRun(run('completed', 'neutral'))).toBe(0);
    expect(exitCodeOfRun(run('failed', null))).toBe(1);
    expect(exitCodeOfRun(run('superseded', null))).toBe(1);
  });
});
