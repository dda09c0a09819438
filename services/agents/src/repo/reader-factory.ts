/**
 * Picks the {@link RepoReader} for a task's change. Here: local checkouts (a `local` change's
 * directory, or `<checkoutsDir>/<owner>/<name>` for GitHub and GitLab). The ingress issue adds
 * API-backed readers by implementing this factory.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { AgentTask } from '@agentflow/contracts';
import { DirectoryReader, GitCheckoutReader } from './local-checkout-reader';
import { RepoReadError, type RepoReader } from './repo-reader';

export interface RepoReaderFactory {
  forTask(task: AgentTask): Promise<RepoReader>;
}

export class LocalReaderFactory implements RepoReaderFactory {
  constructor(private readonly checkoutsDir?: string) {}

  async forTask(task: AgentTask): Promise<RepoReader> {
    const { change } = task;
    const root = change.platform === 'local' ? change.repo : this.checkoutsDir ? join(this.checkoutsDir, change.repo) : undefined;
    if (!root || !existsSync(root)) {
      throw new RepoReadError(
        change.platform === 'local'
          ? `local repository ${change.repo} does not exist on this machine`
          : `no checkout of ${change.platform}:${change.repo}; set AGENTS_CHECKOUTS_DIR to a directory holding <owner>/<name> clones`,
      );
    }
    if (existsSync(join(root, '.git'))) return new GitCheckoutReader(root);
    // A plain directory: the diff comes as an artifact (`*.diff` / `*.patch`).
    const diffPath = (task.artifacts ?? []).find((a) => /\.(diff|patch)$/.test(a));
    if (!diffPath) throw new RepoReadError(`${root} is not a git checkout and the task has no .diff artifact`);
    const text = await readFile(isAbsolute(diffPath) ? diffPath : join(root, diffPath), 'utf8');
    return new DirectoryReader(root, text);
  }
}
