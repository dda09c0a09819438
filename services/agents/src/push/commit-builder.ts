/**
 * Builds the commit the notifier will push, in the local checkout, with git plumbing (a private
 * index file; the working tree and refs are untouched). Fixed author, committer and time make
 * the SHA reproducible, so the test runner knows which head SHA the team's CI will report on
 * before the push happens, and the coordinator can wait for exactly that commit.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProposedFile } from '@agentflow/contracts';

export interface CommitIdentity {
  name: string;
  email: string;
  /** Epoch seconds, used as both author and committer date (UTC). */
  time: number;
}

function git(root: string, args: string[], env: Record<string, string>, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      ['-C', root, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`git ${args[0]} failed: ${stderr || error.message}`));
        else resolve(stdout.trim());
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Writes `files` on top of `baseSha` as one commit object and returns its SHA. */
export async function buildCommit(
  root: string,
  baseSha: string,
  files: ProposedFile[],
  message: string,
  who: CommitIdentity,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'af-commit-'));
  const env = {
    GIT_INDEX_FILE: join(dir, 'index'),
    GIT_AUTHOR_NAME: who.name,
    GIT_AUTHOR_EMAIL: who.email,
    GIT_AUTHOR_DATE: `${who.time} +0000`,
    GIT_COMMITTER_NAME: who.name,
    GIT_COMMITTER_EMAIL: who.email,
    GIT_COMMITTER_DATE: `${who.time} +0000`,
  };
  try {
    await git(root, ['read-tree', baseSha], env);
    for (const file of files) {
      const blob = await git(root, ['hash-object', '-w', '--stdin'], env, file.content);
      await git(root, ['update-index', '--add', '--cacheinfo', `100644,${blob},${file.path}`], env);
    }
    const tree = await git(root, ['write-tree'], env);
    return await git(root, ['commit-tree', tree, '-p', baseSha, '-m', message], env);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The committer time of `sha`, epoch seconds. The test runner dates its commit with it, so every
 * attempt of a step builds the same commit (same SHA) and a re-sent push command is a duplicate.
 */
export async function commitTimeOf(root: string, sha: string): Promise<number> {
  return Number(await git(root, ['log', '-1', '--format=%ct', sha], {}));
}
