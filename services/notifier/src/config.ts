/** Notifier configuration, read and validated once at start-up. */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@agentflow/contracts';
import { QUIET_ACTIONS, type QuietAction, type QuietKind, type QuietPolicy } from './usefulness/quieting';

export interface NotifierConfig {
  github: {
    /** `GITHUB_API_URL` (GitHub Enterprise: `https://ghe.example.com/api/v3`). @default https://api.github.com */
    apiUrl: string;
    /** `GITHUB_APP_ID` + `GITHUB_APP_PRIVATE_KEY(_FILE)`, or `GITHUB_TOKEN`. Neither: no GitHub sink. */
    appId?: string;
    privateKey?: string;
    token?: string;
    /** `GITHUB_GRAPHQL_URL`. @default derived from the API URL */
    graphqlUrl?: string;
  };
  gitlab: { url: string; token?: string };
  slack: {
    /** `SLACK_BOT_TOKEN` (Web API) or `SLACK_WEBHOOK_URL` (incoming webhook). Neither: no Slack sink. */
    token?: string;
    webhookUrl?: string;
    /** `SLACK_API_URL`. @default https://slack.com/api/ */
    apiUrl?: string;
    /** `SLACK_DEFAULT_CHANNEL`: run summaries when a workflow names no channel. */
    defaultChannel?: string;
    /** `SLACK_ALERT_CHANNEL`: failures, fallbacks, budgets, outages. @default the default channel */
    alertChannel?: string;
  };
  /** `NOTIFIER_MAX_INLINE_COMMENTS`: per push when the workflow does not say. @default 8 */
  maxInlineComments: number;
  /** `NOTIFIER_MAX_ATTEMPTS`: deliveries of one message before a failing sink is reported. @default 5 */
  maxAttempts: number;
  /** `AGENTFLOW_MONTHLY_BUDGET_USD`: budget alerts at 50, 80 and 100 %. Unset: no budget alerts. */
  monthlyBudgetUsd?: number;
  /** `AGENTFLOW_PUBLIC_URL`: links from check runs to `GET /api/runs/:id`. */
  publicUrl?: string;
  /** Longest Retry-After waited in place; longer waits go back to the bus. @default 10000 */
  maxInlineWaitMs: number;
  /**
   * `NOTIFIER_REACTION_SWEEP_MS`: how often 👎 reactions on GitHub inline comments are read between
   * pushes (PRs whose latest check failed only; at most 50 reads per sweep). 0 turns it off. @default 120000
   */
  reactionSweepMs: number;
  /**
   * `NOTIFIER_USEFULNESS_REFRESH_MS`: how often the `agentflow_usefulness_*` gauges are read from the
   * store (five grouped queries). 0 turns them off. @default 300000
   */
  usefulnessRefreshMs: number;
  /** `NOTIFIER_USEFULNESS_WINDOW_DAYS`: the gauges measure findings first posted this many days back. @default 30 */
  usefulnessWindowDays: number;
  /**
   * `NOTIFIER_SIGNAL_HARVEST_MS`: how often pull requests that ended are read for the signals no
   * webhook carries (reactions, suggestions applied, GitLab discussions resolved); at most 60
   * requests per sweep, 40 per pull request. 0 turns it off. @default 300000
   */
  signalHarvestMs: number;
  /**
   * Quieting (`NOTIFIER_QUIET_DISMISSAL_RATE` set): rules and agents dismissed at more than the
   * rate in a repository go to the summary, or one severity lower. Unset: nothing is quieted.
   */
  quiet?: QuietPolicy;
}

function number(env: Readonly<Record<string, string | undefined>>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new ConfigError(`${name}="${raw}" is not a non-negative number; fix or unset it`);
  return value;
}

function readQuietPolicy(env: Readonly<Record<string, string | undefined>>): QuietPolicy | undefined {
  const rate = number(env, 'NOTIFIER_QUIET_DISMISSAL_RATE');
  if (rate === undefined) return undefined;
  if (rate <= 0 || rate >= 1)
    throw new ConfigError(
      `NOTIFIER_QUIET_DISMISSAL_RATE="${env.NOTIFIER_QUIET_DISMISSAL_RATE}" must be above 0 and below 1 (a share: 0.5 quiets what is dismissed more than half the time); unset it to quiet nothing`,
    );
  const action = env.NOTIFIER_QUIET_ACTION || 'summary';
  if (!(QUIET_ACTIONS as readonly string[]).includes(action))
    throw new ConfigError(`NOTIFIER_QUIET_ACTION="${action}" is not one of ${QUIET_ACTIONS.join(', ')}`);
  const by = (env.NOTIFIER_QUIET_BY || 'rule,agent')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = by.filter((k) => k !== 'rule' && k !== 'agent');
  if (bad.length || by.length === 0)
    throw new ConfigError(
      `NOTIFIER_QUIET_BY="${env.NOTIFIER_QUIET_BY}" must list rule, agent or both (comma-separated)`,
    );
  return {
    dismissalRate: rate,
    minSample: Math.max(1, Math.floor(number(env, 'NOTIFIER_QUIET_MIN_SAMPLE') ?? 20)),
    action: action as QuietAction,
    by: by as QuietKind[],
    windowDays: Math.max(1, number(env, 'NOTIFIER_QUIET_WINDOW_DAYS') ?? 90),
  };
}

export function readNotifierConfig(env: Readonly<Record<string, string | undefined>>): NotifierConfig {
  let privateKey = env.GITHUB_APP_PRIVATE_KEY?.replace(/\\n/g, '\n');
  if (!privateKey && env.GITHUB_APP_PRIVATE_KEY_FILE) {
    try {
      privateKey = readFileSync(env.GITHUB_APP_PRIVATE_KEY_FILE, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `GITHUB_APP_PRIVATE_KEY_FILE=${env.GITHUB_APP_PRIVATE_KEY_FILE} cannot be read (${String(error)})`,
      );
    }
  }
  const defaultChannel = env.SLACK_DEFAULT_CHANNEL || undefined;
  return {
    github: {
      apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
      appId: env.GITHUB_APP_ID || undefined,
      privateKey,
      token: env.GITHUB_TOKEN || undefined,
      graphqlUrl: env.GITHUB_GRAPHQL_URL || undefined,
    },
    gitlab: {
      url: (env.GITLAB_URL || 'https://gitlab.com').replace(/\/+$/, ''),
      token: env.GITLAB_TOKEN || undefined,
    },
    slack: {
      token: env.SLACK_BOT_TOKEN || undefined,
      webhookUrl: env.SLACK_WEBHOOK_URL || undefined,
      apiUrl: env.SLACK_API_URL || undefined,
      defaultChannel,
      alertChannel: env.SLACK_ALERT_CHANNEL || defaultChannel,
    },
    maxInlineComments: number(env, 'NOTIFIER_MAX_INLINE_COMMENTS') ?? 8,
    maxAttempts: Math.max(1, number(env, 'NOTIFIER_MAX_ATTEMPTS') ?? 5),
    monthlyBudgetUsd: number(env, 'AGENTFLOW_MONTHLY_BUDGET_USD'),
    publicUrl: env.AGENTFLOW_PUBLIC_URL?.replace(/\/+$/, '') || undefined,
    maxInlineWaitMs: number(env, 'NOTIFIER_MAX_INLINE_WAIT_MS') ?? 10_000,
    reactionSweepMs: number(env, 'NOTIFIER_REACTION_SWEEP_MS') ?? 120_000,
    usefulnessRefreshMs: number(env, 'NOTIFIER_USEFULNESS_REFRESH_MS') ?? 300_000,
    usefulnessWindowDays: Math.max(1, number(env, 'NOTIFIER_USEFULNESS_WINDOW_DAYS') ?? 30),
    signalHarvestMs: number(env, 'NOTIFIER_SIGNAL_HARVEST_MS') ?? 300_000,
    quiet: readQuietPolicy(env),
  };
}
