import picomatch from 'picomatch';

type Matcher = (path: string) => boolean;
const cache = new Map<string, Matcher>();

/**
 * Compiles a path glob. A glob without a `/` matches the file name at any depth (`*.swift` matches
 * `App/Sources/View.swift`, `R.java` matches `app/build/R.java`); a glob with a `/` matches the
 * whole path from the repository root (`app/src/**`). Dot files match; matching is case-sensitive.
 */
export function pathMatcher(glob: string): Matcher {
  const hit = cache.get(glob);
  if (hit) return hit;
  const matcher = picomatch(glob, { dot: true, basename: !glob.includes('/') });
  const fn: Matcher = (path) => matcher(path.replace(/^\.?\//, ''));
  if (cache.size > 5000) cache.clear();
  cache.set(glob, fn);
  return fn;
}

export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((glob) => pathMatcher(glob)(path));
}

/** Matches a name (branch, label, author, repository) against a glob; `/` is an ordinary character. */
export function nameMatches(name: string, glob: string): boolean {
  const key = `name:${glob}`;
  let matcher = cache.get(key);
  if (!matcher) {
    const compiled = picomatch(glob, { dot: true, nocase: false });
    matcher = (value) => compiled(value) || (!glob.includes('*') && !glob.includes('?') && value === glob);
    cache.set(key, matcher);
  }
  return matcher(name);
}

/** Reports why a glob is unusable, or `undefined` when it compiles. */
const problems = new Map<string, string | undefined>();

export function globProblem(glob: string): string | undefined {
  if (problems.has(glob)) return problems.get(glob);
  let problem: string | undefined;
  try {
    picomatch.makeRe(glob);
    if (/\\/.test(glob) && !/\\[*?[\]{}()!]/.test(glob)) problem = 'use `/` between folders, not `\\`';
  } catch (error) {
    problem = (error as Error).message;
  }
  if (problems.size > 5000) problems.clear();
  problems.set(glob, problem);
  return problem;
}
