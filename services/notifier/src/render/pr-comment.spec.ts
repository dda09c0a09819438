import type { RunReport } from '@agentflow/contracts';
import { planSection, PR_COMMENT_MARKER, readSections, rewriteSectionOf, withSection } from './pr-comment';
import { headMarker, MAX_COMMENT, readHeadMarker, summaryMarker } from './summary';

const HEAD = 'a'.repeat(40);
const run = (runId: string, workflow: string, finishedAt: number, headSha = HEAD) => ({
  runId,
  change: { headSha } as RunReport['change'],
  finishedAt,
  workflow,
});
const body = (r: ReturnType<typeof run>, text: string) =>
  `${summaryMarker(r.workflow)}\n${headMarker(r)}\n\n${text}`;

describe('one comment per pull request, a section per workflow', () => {
  it('creates the comment for the first workflow and adds the second beside it, in workflow order', () => {
    const pr = run('r1', 'pr-review', 10);
    const first = planSection({
      comments: [],
      workflow: 'pr-review',
      report: pr,
      sectionBody: body(pr, 'general'),
      currentHead: HEAD,
    });
    expect(first.action).toBe('create');
    const created = (first as { body: string }).body;
    const android = run('r2', 'android-review', 11);
    const second = planSection({
      comments: [{ id: '7', body: created }],
      workflow: 'android-review',
      report: android,
      sectionBody: body(android, 'kotlin'),
      currentHead: HEAD,
    });
    expect(second).toMatchObject({ action: 'update', commentId: '7', adopted: false });
    const merged = (second as { body: string }).body;
    expect(merged.startsWith(PR_COMMENT_MARKER)).toBe(true);
    expect([...readSections(merged).keys()]).toEqual(['android-review', 'pr-review']);
    expect(readSections(merged).get('pr-review')).toBe(body(pr, 'general'));
  });

  it("keeps a section that shows a later result for the head, or a newer head than this run's", () => {
    const later = run('r-late', 'pr-review', 20);
    const comment = { id: '7', body: withSection(null, 'pr-review', body(later, 'later')) };
    const earlier = run('r-early', 'pr-review', 10);
    expect(
      planSection({
        comments: [comment],
        workflow: 'pr-review',
        report: earlier,
        sectionBody: body(earlier, 'x'),
        currentHead: HEAD,
      }).action,
    ).toBe('kept');
    const oldHead = run('r-old', 'pr-review', 30, 'b'.repeat(40));
    expect(
      planSection({
        comments: [comment],
        workflow: 'pr-review',
        report: oldHead,
        sectionBody: body(oldHead, 'x'),
        currentHead: HEAD,
      }).action,
    ).toBe('kept');
    // Another workflow's section never holds this one back.
    const other = run('r-other', 'android-review', 1);
    expect(
      planSection({
        comments: [comment],
        workflow: 'android-review',
        report: other,
        sectionBody: body(other, 'x'),
        currentHead: HEAD,
      }).action,
    ).toBe('update');
  });

  it('writes nothing when the section would read the same, and adopts the workflow comment from before one voice', () => {
    const r = run('r1', 'pr-review', 10);
    const current = withSection(null, 'pr-review', body(r, 'same'));
    expect(
      planSection({
        comments: [{ id: '7', body: current }],
        workflow: 'pr-review',
        report: r,
        sectionBody: body(r, 'same'),
        currentHead: HEAD,
      }),
    ).toEqual({ action: 'unchanged', commentId: '7' });
    const legacy = { id: '3', body: body(run('r0', 'pr-review', 5), 'old style') };
    const plan = planSection({
      comments: [legacy],
      workflow: 'pr-review',
      report: r,
      sectionBody: body(r, 'new'),
      currentHead: HEAD,
    });
    expect(plan).toMatchObject({ action: 'update', commentId: '3', adopted: true });
    expect(readSections((plan as { body: string }).body).get('pr-review')).toBe(body(r, 'new'));
  });

  it("cuts only the section being written when the comment would pass GitHub's limit, keeping its markers", () => {
    const a = run('ra', 'a-review', 1);
    const big = withSection(null, 'a-review', body(a, 'x'.repeat(MAX_COMMENT - 5_000)));
    const b = run('rb', 'b-review', 2);
    const merged = withSection(big, 'b-review', body(b, 'y'.repeat(20_000)));
    expect(merged.length).toBeLessThanOrEqual(MAX_COMMENT);
    expect(readSections(merged).get('a-review')).toBe(readSections(big).get('a-review'));
    expect(readHeadMarker(readSections(merged).get('b-review')!)?.runId).toBe('rb');
    expect(merged).toContain('truncated');
  });

  it('re-renders a section for a dismissal only while it still shows that run', () => {
    const r = run('r1', 'pr-review', 10);
    const current = withSection(withSection(null, 'pr-review', body(r, 'before')), 'android-review', 'other');
    const rewritten = rewriteSectionOf(current, 'pr-review', 'r1', body(r, 'after'));
    expect(readSections(rewritten!).get('pr-review')).toBe(body(r, 'after'));
    expect(readSections(rewritten!).get('android-review')).toBe('other');
    expect(rewriteSectionOf(current, 'pr-review', 'r-other', 'x')).toBeNull();
  });
});
