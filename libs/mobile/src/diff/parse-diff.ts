import { PermanentError } from '@agentflow/contracts';
import type { DiffHunk, DiffLine, FileDiff } from './types';

/** The diff text is not a unified diff this parser can read; the message names the line. */
export class DiffParseError extends PermanentError {
  override readonly code = 'diff_unparseable';
  constructor(
    message: string,
    /** 1-based line of the diff text where parsing failed. */
    readonly line: number,
  ) {
    super(
      `${message} (diff line ${line}). Produce the diff with \`git diff\` or \`diff -u\` and pass it unchanged.`,
    );
  }
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

/** Undoes git's C-style quoting of unusual paths (`"a/caf\303\251.swift"`). */
function unquote(path: string): string {
  if (!path.startsWith('"') || !path.endsWith('"')) return path;
  const bytes: number[] = [];
  const body = path.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = body[++i]!;
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else {
      const escapes: Record<string, string> = {
        n: '\n',
        t: '\t',
        '"': '"',
        '\\': '\\',
        r: '\r',
        a: '\x07',
        b: '\b',
        f: '\f',
        v: '\v',
      };
      bytes.push(...Buffer.from(escapes[next] ?? next, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Strips the `a/` / `b/` prefix and a trailing tab-separated timestamp (`diff -u` prints one). */
function cleanPath(raw: string, prefix: 'a/' | 'b/'): string | null {
  const withoutTime = raw.startsWith('"') ? raw : raw.replace(/\t.*$/, '');
  const path = unquote(withoutTime.trim());
  if (path === '/dev/null') return null;
  return path.startsWith(prefix) ? path.slice(2) : path;
}

/** `diff --git a/x b/x`: with spaces in names the split is ambiguous; equal halves are the usual case. */
function pathsFromGitHeader(rest: string): [string, string] | undefined {
  const quoted = /^("(?:[^"\\]|\\.)*"|\S+) ("(?:[^"\\]|\\.)*"|\S+)$/.exec(rest);
  if (quoted) return [cleanPath(quoted[1]!, 'a/') ?? '', cleanPath(quoted[2]!, 'b/') ?? ''];
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest[half] === ' ' && rest.slice(2, half) === rest.slice(half + 3)) {
    return [rest.slice(2, half), rest.slice(half + 3)];
  }
  return undefined;
}

function newFile(): FileDiff {
  return {
    oldPath: null,
    newPath: null,
    path: '',
    status: 'modified',
    binary: false,
    hunks: [],
    additions: 0,
    deletions: 0,
  };
}

function finish(file: FileDiff, sawNewFileMode: boolean, sawDeletedMode: boolean): FileDiff {
  if (sawNewFileMode || (file.oldPath === null && file.newPath !== null)) file.status = 'added';
  else if (sawDeletedMode || (file.newPath === null && file.oldPath !== null)) file.status = 'deleted';
  if (file.status === 'added') file.oldPath = null;
  if (file.status === 'deleted') file.newPath = null;
  file.path = file.newPath ?? file.oldPath ?? '';
  return file;
}

export interface ParseDiffOptions {
  /**
   * `keep`: a hunk that stops before its header's counts (GitHub cuts long patches short) keeps the
   * lines it has, is marked `truncated`, and its file `patch: 'truncated'`; parsing goes on with the
   * next file. `throw`: such a hunk is a {@link DiffParseError} (a diff a person passed in should be
   * whole). @default 'throw'
   */
  truncatedHunks?: 'throw' | 'keep';
}

/**
 * Parses a unified diff (`git diff`, `git format-patch`, `diff -u`) into files, hunks and lines with
 * old and new line numbers and review positions. Handles renames and copies, mode changes, new and
 * deleted files, binary files, quoted paths, CRLF and `\ No newline at end of file`.
 */
export function parseUnifiedDiff(text: string, options: ParseDiffOptions = {}): FileDiff[] {
  const keepTruncated = options.truncatedHunks === 'keep';
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const files: FileDiff[] = [];
  let file: FileDiff | undefined;
  let newMode = false;
  let deletedMode = false;
  let hunk: DiffHunk | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  let oldNo = 0;
  let newNo = 0;
  let position = 0;

  /** Ends a hunk that stopped short: its counts become what is present, and the file says so. */
  const cutShort = () => {
    if (!hunk || !file) return;
    hunk.truncated = { oldMissing: oldLeft, newMissing: newLeft };
    hunk.oldLines -= oldLeft;
    hunk.newLines -= newLeft;
    file.patch = 'truncated';
    oldLeft = newLeft = 0;
  };
  const close = () => {
    if (file) files.push(finish(file, newMode, deletedMode));
    file = undefined;
    hunk = undefined;
    newMode = deletedMode = false;
    position = 0;
  };
  const open = () => {
    close();
    file = newFile();
    return file;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    const lineNo = i + 1;

    if (hunk && (oldLeft > 0 || newLeft > 0)) {
      const marker = line[0];
      const content = line.slice(1);
      if (marker === '\\') {
        const last = hunk.lines[hunk.lines.length - 1];
        if (last) last.noNewlineAtEnd = true;
        position++;
        continue;
      }
      let entry: DiffLine;
      if (marker === '+') {
        entry = { kind: 'add', content, newLine: newNo++, position: ++position };
        newLeft--;
        file!.additions++;
      } else if (marker === '-') {
        entry = { kind: 'delete', content, oldLine: oldNo++, position: ++position };
        oldLeft--;
        file!.deletions++;
      } else if (marker === ' ' || line === '') {
        // Some tools strip the single space of an empty context line.
        entry = { kind: 'context', content, oldLine: oldNo++, newLine: newNo++, position: ++position };
        oldLeft--;
        newLeft--;
      } else if (keepTruncated) {
        // The next file's header (or other non-hunk text): this hunk was cut short; read the line again outside it.
        cutShort();
        i--;
        continue;
      } else {
        throw new DiffParseError(
          `hunk ${hunk.header} ends early: expected ${oldLeft} old and ${newLeft} new lines more`,
          lineNo,
        );
      }
      if (oldLeft < 0 || newLeft < 0)
        throw new DiffParseError(`hunk ${hunk.header} has more lines than its header says`, lineNo);
      hunk.lines.push(entry);
      continue;
    }

    if (line.startsWith('\\') && hunk) {
      // `\ No newline at end of file` after the hunk's last counted line.
      const last = hunk.lines[hunk.lines.length - 1];
      if (last) last.noNewlineAtEnd = true;
      position++;
      continue;
    }

    if (line.startsWith('diff --git ')) {
      const current = open();
      const paths = pathsFromGitHeader(line.slice('diff --git '.length));
      if (paths) [current.oldPath, current.newPath] = paths;
      continue;
    }

    const header = HUNK_HEADER.exec(line);
    if (header) {
      if (!file) throw new DiffParseError('hunk header before any file header', lineNo);
      if (hunk) position++; // every later `@@` line counts as a position
      hunk = {
        header: line,
        oldStart: Number(header[1]),
        oldLines: header[2] === undefined ? 1 : Number(header[2]),
        newStart: Number(header[3]),
        newLines: header[4] === undefined ? 1 : Number(header[4]),
        section: header[5] ? header[5] : undefined,
        lines: [],
      };
      oldLeft = hunk.oldLines;
      newLeft = hunk.newLines;
      oldNo = hunk.oldStart;
      newNo = hunk.newStart;
      file.hunks.push(hunk);
      continue;
    }

    if (line.startsWith('--- ')) {
      // A `---` outside a hunk starts a file: a new one unless a `diff --git` header just did.
      const next = lines[i + 1] ?? '';
      if (!next.startsWith('+++ ')) continue;
      if (!file || file.hunks.length > 0 || hunk) open();
      file!.oldPath = cleanPath(line.slice(4), 'a/');
      file!.newPath = cleanPath(next.replace(/\r$/, '').slice(4), 'b/');
      i++;
      continue;
    }

    if (!file) continue; // preamble: commit message, `index` lines of format-patch, etc.
    if (line.startsWith('new file mode ')) {
      newMode = true;
      file.newMode = line.slice('new file mode '.length);
    } else if (line.startsWith('deleted file mode ')) {
      deletedMode = true;
      file.oldMode = line.slice('deleted file mode '.length);
    } else if (line.startsWith('old mode ')) file.oldMode = line.slice('old mode '.length);
    else if (line.startsWith('new mode ')) file.newMode = line.slice('new mode '.length);
    else if (line.startsWith('rename from ') || line.startsWith('copy from ')) {
      file.oldPath = unquote(line.slice(line.indexOf(' from ') + 6));
      file.status = line.startsWith('rename') ? 'renamed' : 'copied';
    } else if (line.startsWith('rename to ') || line.startsWith('copy to ')) {
      file.newPath = unquote(line.slice(line.indexOf(' to ') + 4));
    } else if (line.startsWith('similarity index '))
      file.similarity = parseInt(line.slice('similarity index '.length), 10);
    else if (line.startsWith('Binary files ') || line === 'GIT binary patch') {
      file.binary = true;
      const m = /^Binary files (.+) and (.+) differ$/.exec(line);
      if (m && !file.oldPath && !file.newPath) {
        file.oldPath = cleanPath(m[1]!, 'a/');
        file.newPath = cleanPath(m[2]!, 'b/');
      }
    }
  }
  if (hunk && (oldLeft > 0 || newLeft > 0)) {
    if (!keepTruncated)
      throw new DiffParseError(
        `hunk ${hunk.header} is truncated: ${oldLeft} old and ${newLeft} new lines missing`,
        lines.length,
      );
    cutShort();
  }
  close();
  return files;
}
