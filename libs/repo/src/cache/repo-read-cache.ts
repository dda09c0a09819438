/**
 * What readers read, kept across tasks: every step of a run reads the same change, and before this
 * each task listed, read and searched the checkout again. Only reads that cannot change are kept:
 * a git object at a pinned commit id, or a plain directory within one run (see the readers).
 * Bounded by entries and by characters held; a failed read is never kept.
 */

export interface RepoReadCacheOptions {
  /** Reads kept at most. @default 4096 */
  maxEntries?: number;
  /** Characters of file text and paths kept at most (about twice as many bytes). @default 32_000_000 */
  maxChars?: number;
}

interface Entry {
  value: Promise<unknown>;
  chars: number;
}

/** A commit id, optionally with `^` / `~N` steps back from it: what it names never changes. */
const PINNED = /^(?:[0-9a-f]{40}|[0-9a-f]{64})(?:[~^]\d*)*$/;

export function isPinnedCommit(sha: string): boolean {
  return PINNED.test(sha);
}

function charsOf(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + charsOf(v), 16);
  if (value && typeof value === 'object')
    return Object.values(value).reduce<number>((n, v) => n + charsOf(v), 16);
  return 8;
}

export class RepoReadCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxChars: number;
  private chars = 0;

  constructor(options: RepoReadCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 4096;
    this.maxChars = options.maxChars ?? 32_000_000;
  }

  /** Reads kept now (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The kept result of `key`, or `read()`'s, kept once it succeeds. Concurrent callers of one key
   * share one read. Callers get the same value: treat it as read-only (the readers copy arrays).
   */
  remember<T>(key: string, read: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) {
      // Re-inserted so the least recently used read is dropped first.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value as Promise<T>;
    }
    const entry: Entry = { value: read(), chars: 0 };
    this.entries.set(key, entry);
    entry.value.then(
      (value) => {
        if (this.entries.get(key) !== entry) return;
        entry.chars = charsOf(value);
        this.chars += entry.chars;
        this.trim();
      },
      () => this.drop(key, entry),
    );
    this.trim();
    return entry.value as Promise<T>;
  }

  private drop(key: string, entry: Entry): void {
    if (this.entries.get(key) !== entry) return;
    this.entries.delete(key);
    this.chars -= entry.chars;
  }

  private trim(): void {
    while (this.entries.size > this.maxEntries || (this.chars > this.maxChars && this.entries.size > 0)) {
      const [key, entry] = this.entries.entries().next().value!;
      this.drop(key, entry);
    }
  }
}
