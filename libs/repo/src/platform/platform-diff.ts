/** Helpers the API-backed readers share: platform diff entries as git diff text, grep over reads, text sniffing. */
import { decodeText } from '@agentflow/mobile';

/** A platform diff entry turned into the `diff --git` text `parseUnifiedDiff` reads. */
export function toGitDiff(entry: {
  oldPath: string;
  newPath: string;
  status: 'added' | 'removed' | 'modified' | 'renamed';
  patch?: string;
}): string {
  const oldName = entry.status === 'added' ? '/dev/null' : `a/${entry.oldPath}`;
  const newName = entry.status === 'removed' ? '/dev/null' : `b/${entry.newPath}`;
  const lines = [`diff --git a/${entry.oldPath} b/${entry.newPath}`];
  if (entry.status === 'added') lines.push('new file mode 100644');
  if (entry.status === 'removed') lines.push('deleted file mode 100644');
  if (entry.status === 'renamed') lines.push(`rename from ${entry.oldPath}`, `rename to ${entry.newPath}`);
  if (entry.patch === undefined || entry.patch === '') {
    // The platform sends no patch for binary or very large files.
    if (entry.status !== 'renamed') lines.push(`Binary files ${oldName} and ${newName} differ`);
    return lines.join('\n');
  }
  lines.push(`--- ${oldName}`, `+++ ${newName}`, entry.patch.replace(/\n$/, ''));
  return lines.join('\n');
}

const SOURCE_FILE = /\.(swift|m|mm|h|kt|kts|java|ts|tsx|js|gradle|xml|plist|json|ya?ml|md)$/i;

/** Reads candidate files at most `budget` at a time and returns those containing `needle`. */
export async function grepFiles(
  files: string[],
  needle: string,
  limit: number,
  read: (path: string) => Promise<string | null>,
  budget = 300,
): Promise<string[]> {
  if (!needle) return [];
  const candidates = files.filter((f) => SOURCE_FILE.test(f)).slice(0, budget);
  const hits: string[] = [];
  for (let i = 0; i < candidates.length && hits.length < limit; i += 8) {
    const batch = candidates.slice(i, i + 8);
    const texts = await Promise.all(batch.map((p) => read(p)));
    batch.forEach((p, j) => {
      if (texts[j]?.includes(needle)) hits.push(p);
    });
  }
  return hits.slice(0, limit);
}

/** A platform file's text as the agents read it: UTF-8 or UTF-16, up to the scan limit; else null. */
export function textOf(buffer: Buffer): string | null {
  const content = decodeText(buffer);
  return content.kind === 'text' ? content.text : null;
}
