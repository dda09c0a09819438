/**
 * Test runner: runs no code itself. It sends the proposed tests to the notifier as a
 * `PushFilesCommand` for branch `agentflow/run-<runId>`, and its result asks the coordinator to
 * wait for the team's own CI on that commit (`awaitCi`). Opt-in per workflow (`push: true`) and
 * capped per repository and day (`maxPushesPerDay`, default 3).
 */
import type { ProposedFile, PushFilesCommand } from '@agentflow/contracts';
import { GitCheckoutReader } from '@agentflow/repo';
import { buildCommit, commitTimeOf } from '../../push/commit-builder';
import type { AgentDefinition, AgentOutcome } from '../agent';

interface RunnerOptions {
  push?: boolean;
  maxPushesPerDay?: number;
  ciTimeoutMs?: number;
  mode?: PushFilesCommand['mode'];
}

export const COMMIT_IDENTITY = { name: 'agentflow', email: 'agentflow@users.noreply.github.com' };

export const testRunnerAgent: AgentDefinition = {
  id: 'test-runner',
  description: "Pushes proposed tests to a branch and waits for the team's own CI result on that commit.",
  async run(env): Promise<AgentOutcome> {
    const opts = (env.step.options ?? {}) as RunnerOptions;
    const files: ProposedFile[] = [];
    for (const outcome of Object.values(env.task.context ?? {})) {
      for (const f of outcome.proposedFiles ?? []) if (!files.some((x) => x.path === f.path)) files.push(f);
    }
    const skip = (reason: string, extra: Record<string, unknown> = {}): AgentOutcome => ({
      findings: [],
      notReviewed: [],
      proposedFiles: files,
      summary: `Tests not pushed: ${reason}.`,
      data: { push: { status: 'skipped', reason, ...extra } },
    });
    if (files.length === 0) return skip('no proposed files from earlier steps');
    if (opts.push !== true)
      return skip(
        'pushing is off for this workflow (set `output.create_files: true`, or `push: true` on the test runner)',
      );
    if (!(env.repo.reader instanceof GitCheckoutReader))
      return skip('no git checkout to build the commit in');

    const cap = opts.maxPushesPerDay ?? 3;
    const day = new Date(env.now()).toISOString().slice(0, 10);
    const quota = await env.pushQuota.reserve({
      runId: env.task.runId,
      repo: env.task.change.repo,
      day,
      cap,
    });
    if (!quota.allowed)
      return skip(`daily push cap reached for ${env.task.change.repo} (${quota.used}/${cap})`, {
        used: quota.used,
        cap,
      });

    const root = env.repo.reader.root;
    const baseSha = env.task.change.headSha;
    const branch = `agentflow/run-${env.task.runId}`;
    const message = `Add tests proposed by agentflow run ${env.task.runId}\n\n${files.map((f) => `- ${f.path}: ${f.purpose}`).join('\n')}`;
    const time = await commitTimeOf(root, baseSha);
    const sha = await buildCommit(root, baseSha, files, message, { ...COMMIT_IDENTITY, time });
    await env.push.push({
      runId: env.task.runId,
      stepId: env.task.stepId,
      change: env.task.change,
      branch,
      baseSha,
      commitMessage: message,
      files,
      mode: opts.mode ?? 'branch',
      commit: { sha, authorName: COMMIT_IDENTITY.name, authorEmail: COMMIT_IDENTITY.email, time },
    });
    return {
      findings: [],
      notReviewed: [],
      proposedFiles: files,
      summary: `Pushed ${files.length} test file(s) to ${branch} at ${sha.slice(0, 12)}; waiting for CI.`,
      data: {
        push: {
          status: 'pushed',
          branch,
          headSha: sha,
          files: files.map((f) => f.path),
          used: quota.used,
          cap,
        },
      },
      awaitCi: { headSha: sha, repo: env.task.change.repo, timeoutMs: opts.ciTimeoutMs },
    };
  },
};
