import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Read access to the files of a checkout, by path relative to its root with `/` separators. */
export interface RepoReader {
  /** Every file path, sorted. */
  readonly files: readonly string[];
  /** The file's text, or undefined when it does not exist or is not text. */
  read(path: string): string | undefined;
}

/** Folders that hold build output, caches or vendored checkouts, never code under review. */
const SKIPPED_DIRS = new Set(['.git', '.svn', '.hg', 'node_modules', 'build', '.build', 'DerivedData', '.gradle', '.idea', '.swiftpm', 'Pods', 'Carthage', '.kotlin', 'xcuserdata', '.agentflow']);

/** Files larger than this are listed but not read: no rule needs a multi-megabyte text. */
const MAX_READ_BYTES = 2 * 1024 * 1024;

function looksBinary(buffer: Buffer): boolean {
  const probe = buffer.subarray(0, 8000);
  return probe.includes(0);
}

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
  return {
    files,
    read(path) {
      if (cache.has(path)) return cache.get(path);
      let text: string | undefined;
      try {
        const full = join(root, path);
        if (statSync(full).size <= MAX_READ_BYTES) {
          const buffer = readFileSync(full);
          text = looksBinary(buffer) ? undefined : buffer.toString('utf8');
        }
      } catch {
        text = undefined;
      }
      cache.set(path, text);
      return text;
    },
  };
}

/** An in-memory checkout, for tests and for callers that already hold the files (the agents). */
export function memoryReader(contents: Record<string, string>): RepoReader {
  const files = Object.keys(contents).sort();
  return { files, read: (path) => contents[path] };
}
