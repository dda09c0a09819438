/** Ingress configuration, read and validated once at start-up. */
import { ConfigError } from '@agentflow/contracts';
import { readPlatformAccess } from '@agentflow/repo';

export interface IngressConfig {
  /** `GITHUB_WEBHOOK_SECRET`: the HMAC key of `X-Hub-Signature-256`. Unset: `/webhooks/github` answers 503. */
  githubWebhookSecret?: string;
  /**
   * `GITHUB_WEBHOOK_PREVIOUS_SECRET` until `GITHUB_WEBHOOK_PREVIOUS_SECRET_UNTIL`: during a rotation
   * the old secret is accepted beside the new one, up to the end of the overlap (docs/ingress.md).
   */
  githubPreviousWebhookSecret?: { value: string; until: Date };
  github: {
    /** `GITHUB_API_URL` (GitHub Enterprise: `https://ghe.example.com/api/v3`). @default https://api.github.com */
    apiUrl: string;
    /** `GITHUB_APP_ID` with `GITHUB_APP_PRIVATE_KEY` or `GITHUB_APP_PRIVATE_KEY_FILE`: App installation auth. */
    appId?: string;
    privateKey?: string;
    /** `GITHUB_TOKEN`: a token instead of an App (no delivery API, so no redelivery by the reconciler). */
    token?: string;
  };
  gitlab: {
    /** `GITLAB_WEBHOOK_TOKEN`: compared with `X-Gitlab-Token`. Unset: `/webhooks/gitlab` answers 503. */
    webhookToken?: string;
    /** `GITLAB_WEBHOOK_PREVIOUS_TOKEN` until `GITLAB_WEBHOOK_PREVIOUS_TOKEN_UNTIL`: the old token during a rotation. */
    previousWebhookToken?: { value: string; until: Date };
    /** `GITLAB_URL`. @default https://gitlab.com */
    url: string;
    /** `GITLAB_TOKEN`: API token for diffs, members and notes. */
    token?: string;
  };
  /** `AGENTFLOW_API_TOKEN`: the admin token that creates the other CI API tokens. */
  adminToken?: string;
  /** `INGRESS_MAX_BODY_BYTES`. GitHub caps payloads at 25 MB. @default 26214400 */
  maxBodyBytes: number;
  /** `INGRESS_SPOOL_DRAIN_MS`: how often the forwarder tries the spool. @default 2000 */
  spoolDrainIntervalMs: number;
  /** `INGRESS_RECONCILE_MS`: reconciler period; 0 turns it off. @default 300000 */
  reconcileIntervalMs: number;
  /** `INGRESS_RECONCILE_REPOS`: repositories the reconciler checks with a token (an App lists its own). */
  reconcileRepos: string[];
  /** `INGRESS_DELIVERY_RETENTION_DAYS`: how long delivery ids are remembered. @default 30 */
  deliveryRetentionDays: number;
  /** `AGENTFLOW_WORKFLOWS_DIR`. @default workflows */
  workflowsDir: string;
  /** `INGRESS_COVERAGE_WAIT_MS`: how long a coverage-gated workflow waits for CI's coverage upload. @default 1800000 (30 min) */
  coverageWaitMs: number;
  /** `INGRESS_COVERAGE_SWEEP_MS`: how often waits past their deadline are settled as skipped. @default 30000 */
  coverageSweepMs: number;
}

function positiveInt(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  fallback: number,
  allowZero = false,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || (!allowZero && value === 0)) {
    throw new ConfigError(
      `${name}="${raw}" is not a ${allowZero ? 'non-negative' : 'positive'} integer; fix the variable or unset it for the default ${fallback}`,
    );
  }
  return value;
}

/**
 * The previous secret of a rotation and the end of its overlap. The end is required: an old secret
 * accepted with no end would stay valid long after everyone forgot it was there.
 */
function previousSecret(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): { value: string; until: Date } | undefined {
  const value = env[name];
  const untilName = `${name}_UNTIL`;
  const raw = env[untilName];
  if (!value) {
    if (raw)
      throw new ConfigError(
        `${untilName} is set but ${name} is not; set both during a rotation, or unset ${untilName}`,
      );
    return undefined;
  }
  const until = raw && /^\d{4}-\d{2}-\d{2}T/.test(raw) ? new Date(raw) : undefined;
  if (!until || Number.isNaN(until.getTime())) {
    throw new ConfigError(
      `${name} is set, so ${untilName} must say when the rotation ends (an ISO-8601 time such as 2026-12-08T12:00:00Z; got ${raw ? `"${raw}"` : 'nothing'}); after it the previous secret is refused`,
    );
  }
  return { value, until };
}

export function readIngressConfig(env: Readonly<Record<string, string | undefined>>): IngressConfig {
  const access = readPlatformAccess(env);
  return {
    githubWebhookSecret: env.GITHUB_WEBHOOK_SECRET || undefined,
    githubPreviousWebhookSecret: previousSecret(env, 'GITHUB_WEBHOOK_PREVIOUS_SECRET'),
    github: access.github,
    gitlab: {
      webhookToken: env.GITLAB_WEBHOOK_TOKEN || undefined,
      previousWebhookToken: previousSecret(env, 'GITLAB_WEBHOOK_PREVIOUS_TOKEN'),
      ...access.gitlab,
    },
    adminToken: env.AGENTFLOW_API_TOKEN || undefined,
    maxBodyBytes: positiveInt(env, 'INGRESS_MAX_BODY_BYTES', 25 * 1024 * 1024),
    spoolDrainIntervalMs: positiveInt(env, 'INGRESS_SPOOL_DRAIN_MS', 2000),
    reconcileIntervalMs: positiveInt(env, 'INGRESS_RECONCILE_MS', 300_000, true),
    reconcileRepos: (env.INGRESS_RECONCILE_REPOS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    deliveryRetentionDays: positiveInt(env, 'INGRESS_DELIVERY_RETENTION_DAYS', 30),
    workflowsDir: env.AGENTFLOW_WORKFLOWS_DIR || 'workflows',
    coverageWaitMs: positiveInt(env, 'INGRESS_COVERAGE_WAIT_MS', 30 * 60_000),
    coverageSweepMs: positiveInt(env, 'INGRESS_COVERAGE_SWEEP_MS', 30_000),
  };
}
