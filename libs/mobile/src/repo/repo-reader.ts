import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { decodeText, MAX_TEXT_BYTES, tooLargeDetail } from '../files/text-content';

/** Read access to the files of a checkout, by path relative to its root with `/` separators. */
export interface RepoReader {
  /** Every file path, sorted. */
  readonly files: readonly string[];
  /** The file's text, or undefined when it does not exist or is not text. */
  read(path: string): string | undefined;
  /** Why `read` gave no text for a file that exists: `binary`, or `too large: N MB (...)`. */
  unread?(path: string): { reason: 'binary' | 'too-large'; detail?: string } | undefined;
}

/** Folders that hold build output, caches or vendored checkouts, never code under review. */
const SKIPPED_DIRS = new Set([
  '.git',
  '.svn',
  '.hg',
  'node_modules',
  'build',
  '.build',
  'DerivedData',
  '.gradle',
  '.idea',
  '.swiftpm',
  'Pods',
  'Carthage',
  '.kotlin',
  'xcuserdata',
  '.agentflow',
]);

/** Walks a directory (which need not be a git repository), skipping build output and vendored code. */
export function directoryReader(root: string): RepoReader {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.isFile()) {
        files.push(relative(root, join(dir, entry.name)).split(sep).join('/'));
      }
    }
  };
  walk(root);
  files.sort();
  const cache = new Map<string, string | undefined>();
  const unread = new Map<string, { reason: 'binary' | 'too-large'; detail?: string }>();
  return {
    files,
    read(path) {
      if (cache.has(path)) return cache.get(path);
      let text: string | undefined;
      try {
        const full = join(root, path);
        const size = statSync(full).size;
        // Text over the limit is listed, not read: said as too large, never as binary.
        const content =
          size > MAX_TEXT_BYTES
            ? { kind: 'too-large' as const, bytes: size }
            : decodeText(readFileSync(full));
        if (content.kind === 'text') text = content.text;
        else if (content.kind === 'too-large')
          unread.set(path, { reason: 'too-large', detail: tooLargeDetail(content.bytes) });
        else unread.set(path, { reason: 'binary' });
      } catch {
        text = undefined;
      }
      cache.set(path, text);
      return text;
    },
    unread(path) {
      return unread.get(path);
    },
  };
}

/** An in-memory checkout, for tests and for callers that already hold the files (the agents). */
export function memoryReader(contents: Record<string, string>): RepoReader {
  const files = Object.keys(contents).sort();
  return { files, read: (path) => contents[path] };
}
