import type { Finding, RunReport } from '@agentflow/contracts';
import { startFakeGitLab, type FakeGitLab } from '@agentflow/fake-platforms';
import { PgliteDatabase, runMigrations, type SqlDatabase } from '@agentflow/store';
import { PostedStore } from '../posted-store';
import { GitLabApi } from './gitlab-api';
import { GitLabSink } from './gitlab-sink';

const PATCH = '@@ -1,1 +1,4 @@\n package app\n+val a = 1\n+val b = 2\n+val c = 3';
const f = (fp: string, line: number, extra: Partial<Finding> = {}): Finding => ({
  file: 'App.kt',
  startLine: line,
  endLine: line,
  severity: 'major',
  category: 'bug',
  message: `problem ${fp}`,
  confidence: 0.9,
  agent: 'code-review',
  model: 'm',
  source: 'model',
  fingerprint: fp,
  ...extra,
});
const report = (runId: string, head: string, findings: Finding[], finishedAt = Date.now()): RunReport => ({
  runId,
  workflow: 'review',
  change: { platform: 'gitlab', repo: 'acme/android-app', pr: 3, headSha: head, projectId: 42 },
  findings,
  findingStates: {},
  notReviewed: [],
  proposedFiles: [],
  steps: {},
  usage: {
    inputTokens: 1,
    outputTokens: 1,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    vendorMs: 0,
    models: ['m'],
  },
  startedAt: 0,
  finishedAt,
  gateConclusion: 'success',
  gateSummary: 'ok',
  rollout: 'gate',
  outputs: {},
});

describe('GitLab sink', () => {
  let db: SqlDatabase;
  let gl: FakeGitLab;
  let sink: GitLabSink;
  const mr = (head: string) => ({
    projectId: 42,
    projectPath: 'acme/android-app',
    iid: 3,
    title: 't',
    state: 'opened' as const,
    author: 'dev',
    sourceBranch: 'f',
    targetBranch: 'main',
    headSha: head,
    baseSha: 'b'.repeat(40),
    diffs: [
      {
        old_path: 'App.kt',
        new_path: 'App.kt',
        diff: PATCH,
        new_file: false,
        renamed_file: false,
        deleted_file: false,
      },
    ],
  });

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await runMigrations(db);
    gl = await startFakeGitLab();
    gl.seedMergeRequest(mr('1'.repeat(40)));
    sink = new GitLabSink(new GitLabApi(gl.apiUrl, 'glpat-test', 2000), new PostedStore(db), 8);
  });
  afterAll(async () => {
    await gl.close();
    await db.close();
  });

  it('writes the MR note, a discussion on the diff line with GitLab suggestion syntax, and a commit status', async () => {
    await sink.deliver({
      kind: 'completed',
      report: report('g1', '1'.repeat(40), [
        f('fp-a', 2, { suggestion: { replacement: 'val a = 2' } }),
        f('fp-out', 30),
      ]),
    });
    const notes = gl.notes.filter((n) => !n.discussionId);
    expect(notes).toHaveLength(1);
    expect(notes[0].body).toContain('outside the diff');
    const discussion = gl.notes.find((n) => n.discussionId);
    expect(discussion?.position).toMatchObject({ new_path: 'App.kt', new_line: 2, head_sha: '1'.repeat(40) });
    expect(discussion?.body).toContain('```suggestion:-0+0\nval a = 2\n```');
    expect(gl.statuses.map((s) => [s.sha, s.state, s.name])).toEqual([
      ['1'.repeat(40), 'success', 'agentflow/review'],
    ]);
  });

  it('updates the same note for a new head and keeps it when an older head finishes late', async () => {
    gl.seedMergeRequest(mr('2'.repeat(40)));
    await sink.deliver({ kind: 'completed', report: report('g2', '2'.repeat(40), []) });
    const notes = () => gl.notes.filter((n) => !n.discussionId);
    expect(notes()).toHaveLength(1);
    expect(notes()[0].body).toContain('2'.repeat(12));
    await sink.deliver({ kind: 'completed', report: report('g3', '1'.repeat(40), [], Date.now() + 60_000) });
    expect(notes()).toHaveLength(1);
    expect(notes()[0].body).toContain('2'.repeat(12));
  });

  it('keeps one note per merge request with a section per workflow, and one discussion per finding across workflows', async () => {
    const head = '3'.repeat(40);
    gl.seedMergeRequest({ ...mr(head), iid: 4 });
    const on4 = (r: RunReport, workflow: string): RunReport => ({
      ...r,
      workflow,
      change: { ...r.change, pr: 4 },
    });
    const shared = f('fp-shared', 2);
    const general = on4(report('g-pr', head, [shared, f('fp-general', 3)]), 'pr-review');
    const android = on4(report('g-android', head, [shared, f('fp-android', 4)]), 'android-review');
    await Promise.all([
      sink.deliver({ kind: 'completed', report: general }),
      sink.deliver({ kind: 'completed', report: android }),
    ]);
    const onMr = () => gl.notes.filter((n) => n.mrIid === 4);
    const notes = onMr().filter((n) => !n.discussionId);
    expect(notes).toHaveLength(1);
    expect(
      [...notes[0].body.matchAll(/<!-- agentflow:section workflow=(\S+) -->/g)].map((m) => m[1]),
    ).toEqual(['android-review', 'pr-review']);
    const fingerprints = onMr()
      .filter((n) => n.discussionId)
      .map((n) => /<!-- agentflow:finding (\S+) -->/.exec(n.body)![1]);
    expect(fingerprints.sort()).toEqual(['fp-android', 'fp-general', 'fp-shared']);
    // Redelivered, neither result writes the note or a discussion again.
    const before = onMr().map((n) => n.body);
    for (const again of [general, android]) await sink.deliver({ kind: 'completed', report: again });
    expect(onMr().map((n) => n.body)).toEqual(before);
  });
});
