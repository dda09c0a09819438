import { execFileSync } from 'node:child_process';
import { PermanentError } from '@agentflow/contracts';

/** `git` failed (not a repository, unknown ref); the message carries git's own words. */
export class GitError extends PermanentError {
  override readonly code = 'git_failed';
}

function git(root: string, args: string[]): string {
  try {
    return execFileSync('git', ['-C', root, ...args], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new GitError(
      `git ${args.join(' ')} failed in ${root}: ${stderr || (error instanceof Error ? error.message : String(error))}. --base needs PATH to be a git checkout that has the ref; use --diff FILE otherwise`,
    );
  }
}

/**
 * The diff of the working tree against `base` (`git diff --find-renames base`), which is what a
 * pull request shows when `base` is the merge base. Untracked files are not included.
 */
export function gitDiffAgainst(root: string, base: string): string {
  return git(root, ['diff', '--find-renames', '--no-color', '--no-ext-diff', base]);
}

/** Reads files as they are at `ref`; undefined when the file does not exist there. */
export function gitFileReader(root: string, ref: string): (path: string) => string | undefined {
  git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return (path) => {
    try {
      return execFileSync('git', ['-C', root, 'show', `${ref}:${path}`], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      return undefined;
    }
  };
}
