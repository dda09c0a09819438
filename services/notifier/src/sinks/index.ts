/** Every sink, built from the configuration: one folder per output channel, listed here. */
import type { SqlDatabase } from '@agentflow/store';
import type { NotifierConfig } from '../config';
import { GitHubAccess } from './github/github-access';
import { GitHubSink, type GitHubSinkOptions } from './github/github-sink';
import { GitLabApi } from './gitlab/gitlab-api';
import { GitLabSink } from './gitlab/gitlab-sink';
import { DatabaseSink } from './database/database-sink';
import { PostedStore } from './posted-store';
import type { Sink } from './sink';
import { SlackSink } from './slack/slack-sink';
import { Quieting } from '../usefulness/quieting';

export interface BuiltSinks {
  sinks: Sink[];
  slack?: SlackSink;
}

/** `announceDismissal` publishes `finding.dismissed` for a 👎 the GitHub sink finds (see GitHubSinkOptions); `log` takes the sinks' warn lines. */
export function buildSinks(
  config: NotifierConfig,
  db: SqlDatabase,
  announceDismissal?: GitHubSinkOptions['announceDismissal'],
  log?: { warn(message: string): void; log?(message: string): void },
): BuiltSinks {
  const posted = new PostedStore(db);
  // Each quieting change is logged at info level where the logger has one.
  const quieting = config.quiet
    ? new Quieting(db, config.quiet, { log: (m) => (log?.log ? log.log(m) : log?.warn(m)) })
    : undefined;
  const sinks: Sink[] = [new DatabaseSink(db)];
  const access = new GitHubAccess(config.github);
  if (access.configured)
    sinks.push(
      new GitHubSink({
        access,
        posted,
        defaultMaxInline: config.maxInlineComments,
        maxWaitMs: config.maxInlineWaitMs,
        publicUrl: config.publicUrl,
        announceDismissal,
        log,
        quieting,
      }),
    );
  if (config.gitlab.token)
    sinks.push(
      new GitLabSink(
        new GitLabApi(config.gitlab.url, config.gitlab.token, config.maxInlineWaitMs),
        posted,
        config.maxInlineComments,
        quieting,
      ),
    );
  let slack: SlackSink | undefined;
  if (config.slack.token || config.slack.webhookUrl) {
    slack = new SlackSink({
      db,
      token: config.slack.token,
      webhookUrl: config.slack.webhookUrl,
      apiUrl: config.slack.apiUrl,
      defaultChannel: config.slack.defaultChannel,
      alertChannel: config.slack.alertChannel,
      monthlyBudgetUsd: config.monthlyBudgetUsd,
      maxWaitMs: config.maxInlineWaitMs,
      log,
    });
    sinks.push(slack);
  }
  return { sinks, slack };
}

export type { Sink, SinkResult } from './sink';
export { GitHubSink, checkName } from './github/github-sink';
export { GitHubAccess } from './github/github-access';
export { GitLabSink } from './gitlab/gitlab-sink';
export { GitLabApi } from './gitlab/gitlab-api';
export { SlackSink, BUDGET_THRESHOLDS } from './slack/slack-sink';
export { DatabaseSink } from './database/database-sink';
export { PostedStore } from './posted-store';
