import { parseUnifiedDiff } from '@agentflow/mobile';
import { classifyForReview } from '../diff/file-kind';
import { planChunks, renderSlice } from './chunker';
import type { TokenCounter } from './tokens';

/** One token per four characters: predictable budgets for the packing rules. */
const counter: TokenCounter = { count: (text) => Math.ceil(text.length / 4) };

function addedFile(path: string, lines: number): string {
  const body = Array.from({ length: lines }, (_, i) => `+let v${i} = ${i} // padding padding`).join('\n');
  return `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1,${lines} @@\n${body}\n`;
}

function targets(diffText: string) {
  return parseUnifiedDiff(diffText).map((file) => ({ file, cls: classifyForReview(file.path) }));
}

describe('planChunks', () => {
  it('renders new-side line numbers and markers', () => {
    const [file] = parseUnifiedDiff(
      'diff --git a/A.swift b/A.swift\n--- a/A.swift\n+++ b/A.swift\n@@ -1,2 +1,2 @@ func a()\n let a = 1\n-let b = 2\n+let b = 3\n',
    );
    expect(renderSlice(file.hunks[0], file.hunks[0].lines)).toBe(
      '@@ -1,2 +1,2 @@ func a()\n    1   let a = 1\n      - let b = 2\n    2 + let b = 3',
    );
  });

  it("reviews source before tests and keeps a file's hunks together when they fit", () => {
    const plan = planChunks(
      targets(
        addedFile('Tests/AppTests/ATests.swift', 10) +
          addedFile('Sources/App/A.swift', 10) +
          addedFile('Sources/App/B.swift', 10),
      ),
      counter,
      { budgetTokens: 200 },
    );
    expect(plan.chunks.map((c) => c.files.map((f) => f.file.path))).toEqual([
      ['Sources/App/A.swift'],
      ['Sources/App/B.swift'],
      ['Tests/AppTests/ATests.swift'],
    ]);
    expect(plan.notReviewed).toEqual([]);
    expect(plan.coverage).toEqual({ reviewedLines: 30, totalLines: 30 });
  });

  it('slices a hunk larger than the budget into whole lines, each slice within the budget', () => {
    const plan = planChunks(targets(addedFile('Sources/App/Big.swift', 100)), counter, {
      budgetTokens: 150,
      maxChunks: 100,
    });
    expect(plan.chunks.length).toBeGreaterThan(5);
    for (const chunk of plan.chunks) {
      expect(chunk.tokens).toBeLessThanOrEqual(150);
      expect(chunk.files[0].partial).toBe(true);
    }
    const lines = plan.chunks.flatMap((c) => c.files[0].slices.flatMap((s) => s.lines.map((l) => l.newLine)));
    expect(lines).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it("lists what does not fit in maxChunks with its line ranges, and keeps the caller's skipped files", () => {
    const skipped = [{ file: 'Package.resolved', reason: 'lockfile' }];
    const plan = planChunks(
      targets(addedFile('Sources/App/Big.swift', 100)),
      counter,
      { budgetTokens: 150, maxChunks: 2 },
      skipped,
    );
    expect(plan.chunks).toHaveLength(2);
    expect(plan.notReviewed[0]).toEqual(skipped[0]);
    expect(plan.notReviewed[1]).toMatchObject({
      file: 'Sources/App/Big.swift',
      reason: 'context-budget',
      detail: expect.stringMatching(/parts \(lines \d+-\d+.*beyond 2 chunks of 150 tokens/),
    });
    expect(plan.coverage.reviewedLines).toBeLessThan(plan.coverage.totalLines);
  });
});
