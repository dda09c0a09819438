import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { analyze, type AnalysisReport } from '../analysis/analyze';
import { parseUnifiedDiff } from '../diff/parse-diff';
import { memoryReader } from '../repo/repo-reader';

/** Files by path; `undefined` for a file absent on that side. */
export type Tree = Record<string, string | undefined>;

function write(root: string, tree: Tree): void {
  for (const [path, text] of Object.entries(tree)) {
    if (text === undefined) continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** A real `git diff` between two trees, with repository-relative `a/` `b/` paths. */
export function gitDiff(before: Tree, after: Tree): string {
  const dir = mkdtempSync(join(tmpdir(), 'af-mobile-diff-'));
  try {
    write(join(dir, 'old'), before);
    write(join(dir, 'new'), after);
    mkdirSync(join(dir, 'old'), { recursive: true });
    mkdirSync(join(dir, 'new'), { recursive: true });
    let out = '';
    try {
      execFileSync('git', ['diff', '--no-index', '--no-color', 'old', 'new'], { cwd: dir, encoding: 'utf8' });
    } catch (error) {
      // `git diff --no-index` exits 1 when the trees differ; its stdout is the diff.
      out = (error as { stdout: string }).stdout;
    }
    return out.replace(/ a\/(old|new)\//g, ' a/').replace(/ b\/(old|new)\//g, ' b/');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Analyses a whole tree, as `agentflow analyze PATH` does. */
export function scanTree(tree: Record<string, string>): AnalysisReport {
  return analyze({ repo: memoryReader(tree) });
}

/** Analyses the change from `before` to `after`, as `agentflow analyze PATH --diff FILE` does. */
export function analyzeChange(before: Tree, after: Tree): AnalysisReport {
  const repo = memoryReader(
    Object.fromEntries(Object.entries(after).filter((e): e is [string, string] => e[1] !== undefined)),
  );
  return analyze({ repo, diff: parseUnifiedDiff(gitDiff(before, after)) });
}
