/**
 * One bad part never sinks the rest, webhook to comment (issue 16), as deployed: the five services
 * as separate processes on NATS and PostgreSQL, the fake GitHub (every request checked against
 * GitHub's REST description) and a scripted fake vendor in their own processes. Agents read each
 * pull request through the GitHub API (no checkout), so the platform's own limits are in play:
 * never-sent paths, one agent failing, a patch cut short or left out, and pull requests of 350 and
 * 3,100 files. Each case reads the report and the step rows the services stored, the check run and
 * the comment on the fake GitHub.
 */
import { rmSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunReport } from '@agentflow/contracts';
import type { FakePrFile, SeedPullRequest } from '@agentflow/fake-platforms';
import type { VendorScript } from '@agentflow/fake-vendor';
import { pullRequestPayload, startStack, type Stack } from './stack';

// Built from parts so no secret scanner mistakes this test for a leak.
const GITHUB_TOKEN = ['ghp', '_', 'R7mK2pQ9xW4vN8bT3cL6hJ1fD5sA0gY2eU7i'].join('');
const OWNER = 'acme';
const REPO = 'ios-app';
const BASE = 'b'.repeat(40);

const WORKFLOW = [
  'name: Never silent',
  'trigger:',
  '  event: pull_request.opened',
  'agents:',
  '  - code-review-agent',
  '  - security-agent',
  'execution: parallel',
  'output:',
  '  github_comment: true',
  '  check_run: true',
  '',
].join('\n');

/** The shipped configuration with this file's workflow as the only one. */
function onlyThisWorkflow(dir: string): void {
  const keep = new Set(['agents.yml', 'settings.yml', 'gateway.yml', 'providers.yml']);
  for (const file of readdirSync(dir))
    if (!keep.has(file)) rmSync(join(dir, file), { recursive: true, force: true });
  writeFileSync(join(dir, 'never-silent.yml'), WORKFLOW);
}

interface Change {
  pr: number;
  head: string;
  files: FakePrFile[];
  base: Record<string, string>;
  contents: Record<string, string>;
}

interface Reviewed {
  report: RunReport;
  steps: Array<{ step_id: string; state: string; error_code: string | null; error_message: string | null }>;
  check: { conclusion: string | null; title: string; summary: string };
  comment: string;
}

/** Seeds the pull request, sends its signed webhook, and waits until the run ended and the notifier settled it. */
async function review(stack: Stack, change: Change, timeoutMs = 120_000): Promise<Reviewed> {
  const seed: SeedPullRequest = {
    owner: OWNER,
    repo: REPO,
    number: change.pr,
    headSha: change.head,
    baseSha: BASE,
    files: change.files,
    contents: change.contents,
    baseContents: change.base,
  };
  await stack.github.seedPullRequest(seed);
  const { id: repositoryId } = await stack.github.repository(OWNER, REPO);
  const sent = await stack.sendWebhook('pull_request', pullRequestPayload(seed, 'opened', repositoryId));
  expect(sent.status).toBe(202);
  const [run] = await stack.waitForRuns(sent.deliveryId, { timeoutMs });
  expect(run.status).toBe('completed');
  const {
    rows: [{ report }],
  } = await stack.db.query<{ report: RunReport }>('SELECT report FROM runs WHERE id = $1', [run.id]);
  const { rows: steps } = await stack.db.query<Reviewed['steps'][number]>(
    'SELECT step_id, state, error_code, error_message FROM steps WHERE run_id = $1 ORDER BY step_id',
    [run.id],
  );
  const state = await stack.github.state();
  const check = state.checkRuns.find((c) => c.head_sha === change.head && c.status === 'completed');
  const comment = state.issueComments.find(
    (c) =>
      c.repo === `${OWNER}/${REPO}` && c.issue_number === change.pr && c.body.includes('agentflow:summary'),
  );
  if (!check || !comment)
    throw new Error(
      `PR ${change.pr}: the run ended but the fake GitHub has ${check ? '' : 'no completed check run '}${comment ? '' : 'no summary comment'}\n${stack.tail()}`,
    );
  return {
    report,
    steps,
    check: {
      conclusion: check.conclusion,
      title: check.output.title ?? '',
      summary: check.output.summary ?? '',
    },
    comment: comment.body,
  };
}

/** Every request on both vendor routes answered by the first rule that matches it. */
async function scriptVendor(
  stack: Stack,
  rules: Array<{ bodyIncludes?: string; script: VendorScript }>,
): Promise<void> {
  await stack.vendor.reset();
  await stack.vendor.script('anthropic', rules);
  await stack.vendor.script('openai', rules);
}

const modified = (filename: string, patch: string, additions = 1, deletions = 0): FakePrFile => ({
  filename,
  status: 'modified',
  additions,
  deletions,
  patch,
});
const SECURITY_PROMPT = 'application security engineer';
const answer = (findings: unknown[]): VendorScript => ({
  kind: 'reply',
  json: { summary: 'scripted', confidence: 0.9, files: [], findings },
});

describe('one bad part never sinks the rest (webhook to comment, separate processes)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      samples: [],
      replicas: { coordinator: 1, gateway: 1, agents: 1, notifier: 1 },
      // No checkout: the agents read each pull request through the GitHub API, its caps and cuts included.
      env: { AGENTS_CHECKOUTS_DIR: '', AGENTS_BATCH: 'live' },
      editConfig: onlyThisWorkflow,
    });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('a PR touching Vendor/: analyser findings for every file, model findings for the files that may be sent, and a check that follows them', async () => {
    const modelFinding = {
      file: 'App/A.swift',
      startLine: 4,
      endLine: 4,
      severity: 'major',
      category: 'bug',
      message: 'The token is read on every launch; cache it.',
      confidence: 0.9,
    };
    await scriptVendor(stack, [{ script: answer([modelFinding]) }]);
    const a = `import Foundation\n\nstruct A {\n    let token = "${GITHUB_TOKEN}"\n}\n`;
    const vendored = `public struct V {\n    let key = "${GITHUB_TOKEN.replace('R7', 'Q8')}"\n}\n`;
    const { report, steps, check, comment } = await review(stack, {
      pr: 101,
      head: '1'.repeat(40),
      base: {
        'App/A.swift': 'import Foundation\n\nstruct A {\n}\n',
        'App/Vendor/V.swift': 'public struct V {}\n',
      },
      contents: { 'App/A.swift': a, 'App/Vendor/V.swift': vendored },
      files: [
        modified(
          'App/A.swift',
          '@@ -1,4 +1,5 @@\n import Foundation\n \n struct A {\n+    let token = "' + GITHUB_TOKEN + '"\n }',
        ),
        modified(
          'App/Vendor/V.swift',
          `@@ -1 +1,3 @@\n-public struct V {}\n${vendored
            .trimEnd()
            .split('\n')
            .map((l) => `+${l}`)
            .join('\n')}`,
          3,
          1,
        ),
      ],
    });
    // The rules looked at every file they look at today; the model at the file it may be sent.
    expect(
      report.findings.some(
        (f) => f.source === 'analyzer' && f.file === 'App/A.swift' && f.severity === 'blocker',
      ),
    ).toBe(true);
    expect(report.findings.some((f) => f.source === 'model' && f.message === modelFinding.message)).toBe(
      true,
    );
    expect(report.notReviewed).toContainEqual({
      file: 'App/Vendor/V.swift',
      reason: 'never-sent',
      detail: 'not sent to any vendor by policy',
    });
    expect(report.incompleteSteps).toBeUndefined();
    expect(steps.map((s) => [s.step_id, s.state])).toEqual([
      ['code-review-agent', 'succeeded'],
      ['security-agent', 'succeeded'],
    ]);
    expect(await stack.vendor.received('App/A.swift', 'App/Vendor/V.swift', 'Q8mK2pQ9')).toEqual([
      true,
      false,
      false,
    ]);
    expect(report.gateConclusion).toBe('failure');
    expect(check.conclusion).toBe('failure');
    expect(comment).toContain('App/Vendor/V.swift');
    expect(await stack.github.violations()).toEqual([]);
  }, 180_000);

  it("a PR where one agent fails still gets the other agent's findings, and a check, comment and step row that name the failure", async () => {
    const finding = {
      file: 'App/B.swift',
      startLine: 2,
      endLine: 2,
      severity: 'minor',
      category: 'style',
      message: 'Name the flag after what it guards.',
      confidence: 0.9,
    };
    // The security agent's model answers prose where JSON was asked for, on every attempt.
    await scriptVendor(stack, [
      { bodyIncludes: SECURITY_PROMPT, script: { kind: 'reply', text: 'LGTM! Ship it.' } },
      { script: answer([finding]) },
    ]);
    const { report, steps, check, comment } = await review(stack, {
      pr: 102,
      head: '2'.repeat(40),
      base: { 'App/B.swift': 'struct B {\n}\n' },
      contents: { 'App/B.swift': 'struct B {\n    var on = false\n}\n' },
      files: [modified('App/B.swift', '@@ -1,2 +1,3 @@\n struct B {\n+    var on = false\n }')],
    });
    expect(report.findings.map((f) => f.message)).toContain(finding.message);
    expect(report.steps['code-review-agent']).toMatchObject({ state: 'succeeded' });
    expect(report.steps['security-agent']).toMatchObject({
      state: 'failed',
      errorCode: 'unparseable_output',
    });
    expect(report.incompleteSteps).toEqual(['security-agent']);
    expect(steps.map((s) => [s.step_id, s.state, s.error_code])).toEqual([
      ['code-review-agent', 'succeeded', null],
      ['security-agent', 'failed', 'unparseable_output'],
    ]);
    expect(check.summary).toContain('incomplete: security-agent failed');
    expect(check.title).not.toBe('agentflow did not finish');
    expect(check.title).toMatch(/ · incomplete: .*security-agent.* did not finish$/);
    expect(comment).toContain('security-agent');
    expect(comment).not.toContain('did not finish');
  }, 180_000);

  it('a PR where every model step fails and no rule finds anything gets a neutral check that says so, never success', async () => {
    await scriptVendor(stack, [{ script: { kind: 'reply', text: 'Looks fine to me.' } }]);
    const { report, steps, check, comment } = await review(stack, {
      pr: 104,
      head: '4'.repeat(40),
      base: { 'App/C.swift': 'struct C {\n}\n' },
      contents: { 'App/C.swift': 'struct C {\n    var count = 0\n}\n' },
      files: [modified('App/C.swift', '@@ -1,2 +1,3 @@\n struct C {\n+    var count = 0\n }')],
    });
    expect(steps.map((s) => [s.state, s.error_code])).toEqual([
      ['failed', 'unparseable_output'],
      ['failed', 'unparseable_output'],
    ]);
    expect(report.gateConclusion).toBe('neutral');
    expect(check.conclusion).toBe('neutral');
    expect(check.summary).toContain(
      'every model step failed, only the deterministic rules reviewed the change',
    );
    expect(check.title).toMatch(
      /^0 finding\(s\): 0 blocker, 0 major · every model step failed \(.+\); only the rules reviewed$/,
    );
    expect(comment).toContain('code-review-agent');
  }, 180_000);

  it('a file whose patch was cut short or left out does not fail its step and is named with how it was reviewed', async () => {
    await scriptVendor(stack, [{ script: answer([]) }]);
    const head = Array.from({ length: 20 }, (_, i) => `let v${i} = ${i}`).join('\n');
    const { report, steps } = await review(stack, {
      pr: 103,
      head: '3'.repeat(40),
      base: { 'App/Cut.swift': 'let v0 = 0\n', 'App/Big.swift': 'let big = 0\n' },
      contents: { 'App/Cut.swift': `${head}\n`, 'App/Big.swift': 'let big = 1\n' },
      files: [
        // GitHub stopped this patch after three of its twenty lines.
        modified('App/Cut.swift', '@@ -1 +1,20 @@\n let v0 = 0\n+let v1 = 1\n+let v2 = 2', 19, 0),
        // And sent none for this one (too large a diff).
        { filename: 'App/Big.swift', status: 'modified', additions: 40_000, deletions: 1 },
      ],
    });
    expect(steps.map((s) => s.state)).toEqual(['succeeded', 'succeeded']);
    expect(report.notReviewed).toContainEqual(
      expect.objectContaining({
        file: 'App/Cut.swift',
        reason: 'patch-truncated',
        detail: expect.stringContaining('head content'),
      }),
    );
    expect(report.notReviewed).toContainEqual(
      expect.objectContaining({
        file: 'App/Big.swift',
        reason: 'patch-absent',
        detail: expect.stringContaining('deterministic rules only'),
      }),
    );
    // The lines the patch lost reached the model from the head content.
    expect(await stack.vendor.received('let v19 = 19')).toEqual([true]);
    expect(await stack.github.violations()).toEqual([]);
  }, 180_000);

  it.each([
    [350, 0],
    [3100, 100],
  ])(
    'a %i-file PR says exactly which files were and were not reviewed (%i not listed by GitHub)',
    async (count, unseen) => {
      await scriptVendor(stack, [{ script: answer([]) }]);
      const paths = Array.from(
        { length: count },
        (_, i) => `App/Big${count}/F${String(i).padStart(4, '0')}.swift`,
      );
      const { report, steps } = await review(
        stack,
        {
          pr: count,
          head: String(count % 10)
            .repeat(40)
            .replace(/^./, 'c'),
          base: Object.fromEntries(paths.map((p) => [p, 'let old = 0\n'])),
          contents: Object.fromEntries(paths.map((p) => [p, 'let new = 1\n'])),
          files: paths.map((p) => modified(p, '@@ -1 +1 @@\n-let old = 0\n+let new = 1', 1, 1)),
        },
        240_000,
      );
      const notListed = report.notReviewed
        .filter((n) => n.reason === 'not-listed')
        .map((n) => n.file)
        .sort();
      expect(notListed).toEqual(paths.slice(3000));
      expect(notListed).toHaveLength(unseen);
      // Every other file was seen: sent to a model, or named with the reason it was not (the context budget).
      const named = new Set(report.notReviewed.map((n) => n.file));
      const listed = paths.slice(0, 3000).filter((p) => !named.has(p));
      const received = await stack.vendor.received(...listed);
      expect(listed.filter((_, i) => !received[i])).toEqual([]);
      expect(steps.map((s) => s.state)).toEqual(['succeeded', 'succeeded']);
      expect(await stack.github.violations()).toEqual([]);
    },
    300_000,
  );
});
