/**
 * Changed source with no test: a changed source file with added lines (outside SwiftUI
 * `#Preview` and Compose `@Preview` blocks) and no test file for it in the project.
 */
import type { Finding } from '@agentflow/contracts';
import type { FileDiff } from '@agentflow/mobile';
import { fingerprintOf } from '../../findings/fingerprint';
import type { RepoContext } from '../../repo/repo-context';
import type { ReviewTarget } from '../../context/chunker';

/** New-side line numbers inside preview blocks (brace-balanced from the marker). */
export function previewLines(text: string): Set<number> {
  const lines = text.split('\n');
  const out = new Set<number>();
  for (let i = 0; i < lines.length; i++) {
    if (!/#Preview\b|@Preview\b/.test(lines[i])) continue;
    let depth = 0;
    let opened = false;
    for (let j = i; j < lines.length; j++) {
      out.add(j + 1);
      for (const c of lines[j]) {
        if (c === '{') {
          depth++;
          opened = true;
        } else if (c === '}') depth--;
      }
      if (opened && depth <= 0) {
        i = j;
        break;
      }
    }
  }
  return out;
}

export async function untestedChanges(targets: ReviewTarget[], repo: RepoContext, agent: string): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const { file, cls } of targets) {
    if (cls.kind !== 'source') continue;
    const text = (await repo.readHead(file.path)) ?? '';
    const previews = previewLines(text);
    const added = addedOutside(file, previews);
    if (added.length === 0) continue;
    const tests = (await repo.relatedFiles(file.path, cls.language)).filter((r) => r.kind === 'test');
    if (tests.length > 0) continue;
    const first = added[0];
    out.push({
      file: file.path,
      startLine: first.line,
      endLine: added[added.length - 1].line,
      severity: 'minor',
      category: 'testing',
      message: `${added.length} changed line(s) and no test file for ${file.path.split('/').pop()}; add tests where the project keeps them.`,
      confidence: 1,
      agent,
      model: 'rules',
      source: 'analyzer',
      ruleId: 'coverage.untested-change',
      fingerprint: fingerprintOf({ file: file.path, category: 'testing', ruleId: 'coverage.untested-change', lineText: file.path }),
    });
  }
  return out;
}

function addedOutside(file: FileDiff, previews: Set<number>): Array<{ line: number }> {
  const out: Array<{ line: number }> = [];
  for (const h of file.hunks) for (const l of h.lines) if (l.kind === 'add' && l.newLine !== undefined && !previews.has(l.newLine) && l.content.trim()) out.push({ line: l.newLine });
  return out;
}
