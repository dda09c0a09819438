/**
 * A platform's list of changed files turned into `FileDiff`s without losing any: a patch cut short
 * keeps what arrived and takes the rest of its changed ranges from the head content (`patch:
 * 'truncated'`, `truncated.fromHead`); a text file listed without a patch is an added file
 * rebuilt from its head content (`from-head`) or a modified one left to the rules (`absent`); a
 * binary stays binary; and files the list could not hold (GitHub lists 3,000 files of a pull
 * request, 300 of a compare) are named from the commits' trees (`unlisted`). Shared by the GitHub
 * and GitLab readers.
 */
import { parseUnifiedDiff, type FileDiff } from '@agentflow/mobile';
import { toGitDiff } from './platform-diff';

/** One entry of a platform's changed-files list. */
export interface ListedFile {
  oldPath: string;
  newPath: string;
  status: 'added' | 'removed' | 'modified' | 'renamed';
  /** Absent when the platform sent none (binary, or a diff too large to show). */
  patch?: string;
  /** GitLab: the platform says the diff was too large to send (`too_large`, `collapsed`). */
  tooLarge?: boolean;
}

/** A file's text at the head, or null for a binary or missing one. */
export type ReadHead = (path: string) => Promise<string | null>;

function fromHead(entry: ListedFile, text: string): FileDiff {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const patch = `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`;
  const [file] = parseUnifiedDiff(`${toGitDiff({ ...entry, patch })}\n`);
  return { ...file!, patch: 'from-head' };
}

/**
 * A patch cut short keeps what arrived, and the rest of each cut hunk's new side (the range its
 * header names) is read from the head content: a model reviews the changed range, not only the
 * first lines of it. Which of those lines were added and which were context is lost with the cut,
 * so they are shown as added. Deleted lines past the cut are not recovered (the head has none).
 */
function fillFromHead(file: FileDiff, text: string): void {
  const head = text.split('\n');
  // A cut ends the patch, so the lines go after the last position the patch had.
  let position = Math.max(0, ...file.hunks.flatMap((h) => h.lines.map((l) => l.position)));
  for (const hunk of file.hunks) {
    if (!hunk.truncated || hunk.truncated.newMissing === 0) continue;
    const from = hunk.newStart + hunk.newLines;
    const to = Math.min(
      from + hunk.truncated.newMissing - 1,
      head.length - (head[head.length - 1] === '' ? 1 : 0),
    );
    let filled = 0;
    for (let line = from; line <= to; line++) {
      hunk.lines.push({
        kind: 'add',
        content: head[line - 1]!.replace(/\r$/, ''),
        newLine: line,
        position: ++position,
      });
      filled++;
    }
    if (filled === 0) continue;
    hunk.newLines += filled;
    hunk.truncated = { ...hunk.truncated, newMissing: hunk.truncated.newMissing - filled, fromHead: filled };
    file.additions += filled;
  }
}

function withoutPatch(entry: ListedFile): FileDiff {
  const oldPath = entry.status === 'added' ? null : entry.oldPath;
  const newPath = entry.status === 'removed' ? null : entry.newPath;
  return {
    oldPath,
    newPath,
    path: newPath ?? oldPath ?? '',
    status: entry.status === 'removed' ? 'deleted' : entry.status,
    binary: false,
    hunks: [],
    additions: 0,
    deletions: 0,
    patch: 'absent',
  };
}

/** Parses the listed files; a file without a patch is looked at in the head to tell text from binary. */
export async function listedToDiffs(entries: readonly ListedFile[], readHead: ReadHead): Promise<FileDiff[]> {
  const out: FileDiff[] = [];
  const withPatch = entries.filter((e) => e.patch && !e.tooLarge);
  if (withPatch.length) {
    const parsed = parseUnifiedDiff(`${withPatch.map((e) => toGitDiff(e)).join('\n')}\n`, {
      truncatedHunks: 'keep',
    });
    for (const file of parsed) {
      if (file.patch !== 'truncated' || file.newPath === null) continue;
      const text = await readHead(file.newPath);
      if (text !== null) fillFromHead(file, text);
    }
    out.push(...parsed);
  }
  for (const entry of entries) {
    if (entry.patch && !entry.tooLarge) continue;
    if (entry.status === 'removed') {
      out.push(...parseUnifiedDiff(`${toGitDiff({ ...entry, patch: undefined })}\n`));
      continue;
    }
    const text = await readHead(entry.newPath);
    if (text === null) out.push(...parseUnifiedDiff(`${toGitDiff({ ...entry, patch: undefined })}\n`));
    else if (entry.status === 'added') out.push(fromHead(entry, text));
    else out.push(withoutPatch(entry));
  }
  const order = new Map(entries.map((e, i) => [e.newPath, i]));
  return out.sort((a, b) => (order.get(a.newPath ?? a.path) ?? 0) - (order.get(b.newPath ?? b.path) ?? 0));
}

/** Blob ids by path at one commit (GitHub's git trees API). */
export type TreeAt = () => Promise<Map<string, string>>;

/** Files changed between the two trees that the list did not hold, as `unlisted` entries. */
export async function unlistedFiles(
  listed: readonly FileDiff[],
  base: TreeAt,
  head: TreeAt,
): Promise<FileDiff[]> {
  const [before, after] = await Promise.all([base(), head()]);
  const seen = new Set(listed.flatMap((f) => [f.oldPath, f.newPath].filter((p): p is string => p !== null)));
  const out: FileDiff[] = [];
  const entry = (path: string, status: FileDiff['status']): FileDiff => ({
    oldPath: status === 'added' ? null : path,
    newPath: status === 'deleted' ? null : path,
    path,
    status,
    binary: false,
    hunks: [],
    additions: 0,
    deletions: 0,
    patch: 'unlisted',
  });
  for (const [path, blob] of after) {
    if (seen.has(path)) continue;
    const was = before.get(path);
    if (was === undefined) out.push(entry(path, 'added'));
    else if (was !== blob) out.push(entry(path, 'modified'));
  }
  for (const path of before.keys()) if (!after.has(path) && !seen.has(path)) out.push(entry(path, 'deleted'));
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
