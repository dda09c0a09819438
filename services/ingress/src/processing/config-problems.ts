/**
 * Shows the problems of a repository's own `.agentflow/` files on the pull request they affect,
 * once: a check run per head commit on GitHub, a note per base commit on GitLab (a note per push
 * would bury the conversation). A row is claimed first and released when the post fails, so a
 * redelivery posts it then and nothing posts twice. A post the platform refuses for good (no
 * permission) is logged and does not hold up the runs.
 */
import { describeError, isRetryable, type ChangeRef } from '@agentflow/contracts';
import type { SqlDatabase } from '@agentflow/store';
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from '@agentflow/workflow';
import type { IngressLog } from '../log';
import type { ConfigProblemReporter } from '../platform/platform-client';

export class ConfigProblemReports {
  constructor(
    private readonly db: SqlDatabase,
    private readonly log: IngressLog,
  ) {}

  /** Reports `problems` for the change unless already reported; returns whether it posted. */
  async report(
    reporter: ConfigProblemReporter | undefined,
    change: ChangeRef,
    problems: readonly Diagnostic[],
  ): Promise<boolean> {
    if (problems.length === 0 || change.pr === undefined || !change.baseSha) return false;
    const sorted = sortDiagnostics(problems);
    const where = `${change.repo}#${change.pr}`;
    if (!reporter) {
      this.log.warn(
        `${where}: .agentflow/ has ${sorted.length} problem(s) that cannot be shown on ${change.platform} (no API access): ${sorted.map(formatDiagnostic).join('; ')}`,
      );
      return false;
    }
    const headKey = change.platform === 'gitlab' ? '' : change.headSha;
    const claimed = await this.db.query(
      `INSERT INTO ingress_config_reports (platform, repo, pr, base_sha, head_sha, problems) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (platform, repo, pr, base_sha, head_sha) DO NOTHING RETURNING pr`,
      [change.platform, change.repo, change.pr, change.baseSha, headKey, sorted.length],
    );
    if (claimed.rows.length === 0) return false;
    const address = {
      repo: change.repo,
      pr: change.pr,
      installationId: change.installationId,
      projectId: change.projectId,
    };
    try {
      await reporter.reportConfigProblems(address, change.headSha, change.baseSha, sorted);
    } catch (error) {
      await this.db.query(
        'DELETE FROM ingress_config_reports WHERE platform = $1 AND repo = $2 AND pr = $3 AND base_sha = $4 AND head_sha = $5',
        [change.platform, change.repo, change.pr, change.baseSha, headKey],
      );
      if (isRetryable(error)) {
        this.log.warn(
          `${where}: the .agentflow/ problems could not be posted (${describeError(error)}); the delivery is retried`,
        );
        throw error;
      }
      this.log.error(
        `${where}: the .agentflow/ problems could not be posted and a retry will not help (${describeError(error)}); grant the App checks: write (GitHub) or the token api scope (GitLab). The problems: ${sorted.map(formatDiagnostic).join('; ')}`,
      );
      return false;
    }
    this.log.warn(
      `${where}: .agentflow/ at ${change.baseSha.slice(0, 12)} has ${sorted.length} problem(s), shown on the pull request: ${sorted.map(formatDiagnostic).join('; ')}`,
    );
    return true;
  }
}
