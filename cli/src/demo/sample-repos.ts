/**
 * The two bundled sample apps (examples/ios-shop, examples/android-shop) turned into what the demo
 * needs: a real git checkout per repository (base commit = the folder with its pull-request diff
 * taken back, head commit = the folder as it is) for the agents to read, and the same pull request
 * (files, patches, SHAs, every file of both commits, the checkout itself to serve over git) for the
 * fake GitHub to serve.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { FakePrFile, SeedPullRequest } from '@agentflow/fake-platforms';

/** One sample app and the pull request it becomes. */
export interface SampleApp {
  /** Folder under examples/. */
  folder: string;
  owner: string;
  repo: string;
  pr: number;
  title: string;
  headRef: string;
}

/** Named after the repositories `workflows/settings.yml` gates (`rollout: gate`). */
export const SAMPLE_APPS: readonly SampleApp[] = [
  {
    folder: 'ios-shop',
    owner: 'acme',
    repo: 'ios-app',
    pr: 42,
    title: 'Checkout: partner token, photo upload, Alamofire on master',
    headRef: 'feature/checkout',
  },
  {
    folder: 'android-shop',
    owner: 'acme',
    repo: 'android-app',
    pr: 17,
    title: 'Payments SDK snapshot and a new checkout screen',
    headRef: 'feature/payments',
  },
];

/** A sample app as a git checkout plus its pull request. */
export interface PreparedSample {
  app: SampleApp;
  /** `<checkoutsDir>/<owner>/<repo>`: where the agents' local reader finds it. */
  checkout: string;
  seed: SeedPullRequest;
}

/** Thrown when the bundled samples are missing or their diff no longer applies to the folder. */
export class SampleRepoError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SampleRepoError';
  }
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'agentflow demo',
  GIT_AUTHOR_EMAIL: 'demo@agentflow.invalid',
  GIT_COMMITTER_NAME: 'agentflow demo',
  GIT_COMMITTER_EMAIL: 'demo@agentflow.invalid',
  GIT_AUTHOR_DATE: '1764000000 +0000',
  GIT_COMMITTER_DATE: '1764000000 +0000',
};

function git(cwd: string, args: string[], input?: string): string {
  try {
    return execFileSync('git', ['-c', 'core.autocrlf=false', '-c', 'commit.gpgsign=false', ...args], {
      cwd,
      input,
      encoding: 'utf8',
      env: { ...process.env, ...GIT_ENV },
      stdio: ['pipe', 'pipe', 'pipe'],
    }).trim();
  } catch (error) {
    const e = error as { stderr?: string };
    throw new SampleRepoError(`git ${args[0]} in ${cwd} failed: ${(e.stderr ?? String(error)).trim()}`, {
      cause: error,
    });
  }
}

/** One `diff --git` section of a unified diff. */
interface DiffSection {
  oldPath: string | null;
  newPath: string | null;
  binary: boolean;
  /** From the first `@@` line on: what GitHub's pull-request files API calls `patch`. */
  patch?: string;
  additions: number;
  deletions: number;
}

/** Splits a `git diff` into its per-file sections. */
export function splitDiff(text: string): DiffSection[] {
  const sections: DiffSection[] = [];
  for (const chunk of text.split(/^(?=diff --git )/m)) {
    if (!chunk.startsWith('diff --git ')) continue;
    const lines = chunk.replace(/\n$/, '').split('\n');
    const minus = lines.find((l) => l.startsWith('--- '));
    const plus = lines.find((l) => l.startsWith('+++ '));
    const header = /^diff --git a\/(.+) b\/(.+)$/.exec(lines[0]);
    const binary = lines.some((l) => l.startsWith('Binary files ') || l === 'GIT binary patch');
    const strip = (l: string | undefined, prefix: string) =>
      l === undefined
        ? undefined
        : l.slice(4) === '/dev/null'
          ? null
          : l.slice(4).replace(new RegExp(`^${prefix}/`), '');
    const oldPath =
      strip(minus, 'a') ?? (lines.some((l) => l.startsWith('new file mode')) ? null : (header?.[1] ?? null));
    const newPath =
      strip(plus, 'b') ??
      (lines.some((l) => l.startsWith('deleted file mode')) ? null : (header?.[2] ?? null));
    const first = lines.findIndex((l) => l.startsWith('@@'));
    const body = first >= 0 ? lines.slice(first) : [];
    sections.push({
      oldPath,
      newPath,
      binary,
      patch: first >= 0 ? body.join('\n') : undefined,
      additions: body.filter((l) => l.startsWith('+')).length,
      deletions: body.filter((l) => l.startsWith('-')).length,
    });
  }
  return sections;
}

function prFile(section: DiffSection): FakePrFile {
  const status: FakePrFile['status'] =
    section.oldPath === null
      ? 'added'
      : section.newPath === null
        ? 'removed'
        : section.oldPath !== section.newPath
          ? 'renamed'
          : 'modified';
  return {
    filename: (section.newPath ?? section.oldPath)!,
    status,
    additions: section.additions,
    deletions: section.deletions,
    ...(section.patch ? { patch: section.patch } : {}),
    ...(status === 'renamed' ? { previous_filename: section.oldPath! } : {}),
  };
}

const SKIP = new Set(['.git']);

/** A commit's files: text as it is, binary files (NUL in the first 8,000 bytes, as git decides) in base64. */
interface Tree {
  text: Record<string, string>;
  binary: Record<string, string>;
}

/** Every file in the working tree, read in-process (a git spawn per file is slow on a busy machine). */
function workingTree(root: string, dir = root, files: Tree = { text: {}, binary: {} }): Tree {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) workingTree(root, path, files);
    else if (entry.isFile()) {
      const buffer = readFileSync(path);
      const name = relative(root, path).split(sep).join('/');
      if (buffer.subarray(0, 8000).includes(0)) files.binary[name] = buffer.toString('base64');
      else files.text[name] = buffer.toString('utf8');
    }
  }
  return files;
}

/**
 * Builds the checkout of one sample under `checkoutsDir` and the pull request to seed. The base
 * commit is the folder with the diff reversed (binary files, which the diff carries no data for,
 * stay as they are in both commits).
 */
export function prepareSample(examplesDir: string, checkoutsDir: string, app: SampleApp): PreparedSample {
  const source = join(examplesDir, app.folder);
  const diffPath = join(examplesDir, `${app.folder}.diff`);
  let diff: string;
  try {
    diff = readFileSync(diffPath, 'utf8');
  } catch (error) {
    throw new SampleRepoError(
      `the sample pull request ${diffPath} is missing; the demo needs the examples/ folder of the repository`,
      { cause: error },
    );
  }
  const sections = splitDiff(diff);
  const checkout = join(checkoutsDir, app.owner, app.repo);
  mkdirSync(checkout, { recursive: true });
  cpSync(source, checkout, { recursive: true });
  git(checkout, ['init', '-q', '-b', 'main']);
  const binaries = sections.filter((s) => s.binary).map((s) => s.newPath ?? s.oldPath!);
  const exclude = binaries.map((p) => `--exclude=${p}`);
  const patchFile = join(checkoutsDir, `${app.repo}.diff`);
  writeFileSync(patchFile, diff);
  git(checkout, ['apply', '-R', ...exclude, patchFile]);
  git(checkout, ['add', '-A']);
  git(checkout, ['commit', '-q', '-m', 'main before the pull request']);
  const baseSha = git(checkout, ['rev-parse', 'HEAD']);
  const baseContents = workingTree(checkout);
  git(checkout, ['apply', ...exclude, patchFile]);
  git(checkout, ['add', '-A']);
  git(checkout, ['checkout', '-q', '-b', app.headRef]);
  git(checkout, ['commit', '-q', '-m', app.title]);
  const headSha = git(checkout, ['rev-parse', 'HEAD']);
  const contents = workingTree(checkout);
  return {
    app,
    checkout,
    seed: {
      owner: app.owner,
      repo: app.repo,
      number: app.pr,
      title: app.title,
      author: 'mobile-dev',
      headSha,
      headRef: app.headRef,
      baseSha,
      baseRef: 'main',
      files: sections.map(prFile),
      // Every file of both commits, binary ones too: the fake GitHub's trees are then git's.
      contents: contents.text,
      baseContents: baseContents.text,
      binaryContents: contents.binary,
      baseBinaryContents: baseContents.binary,
      gitDir: checkout,
    },
  };
}
