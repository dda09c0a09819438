/** GitLab (the token's own record and scopes), Slack (`auth.test`) and the webhook secrets. */
import { call, errorText, line, unreachable, type DoctorContext, type DoctorLine } from './report';

export async function checkGitLab(ctx: DoctorContext): Promise<DoctorLine[]> {
  const token = ctx.env.GITLAB_TOKEN;
  if (!token)
    return [
      line(
        'gitlab',
        'off',
        'no GitLab token: no merge request notes or pipelines from GitLab',
        'set GITLAB_TOKEN (and GITLAB_URL for a self-managed GitLab)',
      ),
    ];
  const base = (ctx.env.GITLAB_URL || 'https://gitlab.com').replace(/\/+$/, '');
  try {
    const res = await call(ctx, `${base}/api/v4/personal_access_tokens/self`, {
      headers: { 'private-token': token },
    });
    if (res.status === 401)
      return [
        line(
          'gitlab',
          'broken',
          `GitLab refused GITLAB_TOKEN (401: ${errorText(res.body)})`,
          'create a new token with the api scope and set GITLAB_TOKEN',
        ),
      ];
    if (res.status !== 200)
      return [
        line(
          'gitlab',
          'broken',
          `GET /personal_access_tokens/self answered ${res.status}: ${errorText(res.body)}`,
          'check GITLAB_URL',
        ),
      ];
    const body = res.body as { scopes?: string[]; expires_at?: string | null; name?: string };
    if (!body.scopes?.includes('api'))
      return [
        line(
          'gitlab',
          'broken',
          `token ${body.name ?? ''} has scopes ${body.scopes?.join(', ') || '(none)'}, not api`,
          'give the token the api scope (notes, commit statuses, branches)',
        ),
      ];
    return [
      line(
        'gitlab',
        'ok',
        `token ${body.name ?? ''} with scope api${body.expires_at ? `, expires ${body.expires_at}` : ''}`,
      ),
    ];
  } catch (error) {
    return [
      line(
        'gitlab',
        'broken',
        `cannot reach ${base}: ${unreachable(error)}`,
        'check GITLAB_URL and the network path',
      ),
    ];
  }
}

/**
 * The bot scopes the notifier uses. Without the read and history ones it still posts, but after a
 * crash between a post and its record it cannot find the post again and may post it twice.
 */
const SLACK_SCOPES: ReadonlyArray<{ scope: string; why: string }> = [
  { scope: 'chat:write', why: 'post and update messages' },
  { scope: 'channels:read', why: 'find a public channel by name' },
  { scope: 'groups:read', why: 'find a private channel by name' },
  { scope: 'channels:history', why: 'find its own earlier post in a public channel after a crash' },
  { scope: 'groups:history', why: 'find its own earlier post in a private channel after a crash' },
];

export async function checkSlack(ctx: DoctorContext): Promise<DoctorLine[]> {
  const token = ctx.env.SLACK_BOT_TOKEN;
  if (!token) {
    if (ctx.env.SLACK_WEBHOOK_URL)
      return [
        line('slack', 'ok', 'incoming webhook set (not posted to: that would show a message in the channel)'),
      ];
    return [
      line(
        'slack',
        'off',
        'no Slack credentials: no Slack messages or budget alerts',
        'set SLACK_BOT_TOKEN or SLACK_WEBHOOK_URL',
      ),
    ];
  }
  const base = (ctx.env.SLACK_API_URL || 'https://slack.com/api/').replace(/\/*$/, '/');
  try {
    const res = await call(ctx, `${base}auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    });
    const body = res.body as { ok?: boolean; error?: string; team?: string; user?: string };
    if (!body?.ok)
      return [
        line(
          'slack',
          'broken',
          `Slack refused SLACK_BOT_TOKEN (auth.test: ${body?.error ?? res.status})`,
          'reinstall the Slack app and set its Bot User OAuth Token (xoxb-...) as SLACK_BOT_TOKEN',
        ),
      ];
    const who = `bot ${body.user ?? '?'} in workspace ${body.team ?? '?'}`;
    const granted = res.headers.get('x-oauth-scopes');
    if (granted === null)
      return [
        line(
          'slack',
          'ok',
          `${who} (its scopes were not shown; it needs ${SLACK_SCOPES.map((s) => s.scope).join(', ')})`,
        ),
      ];
    const scopes = granted.split(',').map((s) => s.trim());
    const missing = SLACK_SCOPES.filter((s) => !scopes.includes(s.scope));
    if (missing.length > 0) {
      return [
        line(
          'slack',
          'broken',
          `${who} lacks ${missing.map((s) => `${s.scope} (${s.why})`).join(', ')}`,
          "add the scopes under OAuth & Permissions in the Slack app's settings, reinstall the app to the workspace, and set the new Bot User OAuth Token as SLACK_BOT_TOKEN",
        ),
      ];
    }
    return [line('slack', 'ok', `${who} with ${SLACK_SCOPES.map((s) => s.scope).join(', ')}`)];
  } catch (error) {
    return [
      line(
        'slack',
        'broken',
        `cannot reach ${base}: ${unreachable(error)}`,
        'check SLACK_API_URL and the network path',
      ),
    ];
  }
}

/** A platform that is configured but has no webhook secret cannot start runs from its events. */
export async function checkWebhookSecrets(ctx: DoctorContext): Promise<DoctorLine[]> {
  const { env } = ctx;
  const out: DoctorLine[] = [];
  const github = Boolean(env.GITHUB_APP_ID || env.GITHUB_TOKEN);
  if (env.GITHUB_WEBHOOK_SECRET)
    out.push(line('github webhooks', 'ok', 'GITHUB_WEBHOOK_SECRET set: deliveries are verified'));
  else if (github)
    out.push(
      line(
        'github webhooks',
        'broken',
        'GitHub credentials are set but GITHUB_WEBHOOK_SECRET is not: every delivery is refused',
        "set GITHUB_WEBHOOK_SECRET to the App's (or the repository webhook's) secret",
      ),
    );
  else out.push(line('github webhooks', 'off', 'no GitHub webhooks'));
  if (env.GITLAB_WEBHOOK_TOKEN)
    out.push(line('gitlab webhooks', 'ok', 'GITLAB_WEBHOOK_TOKEN set: deliveries are verified'));
  else if (env.GITLAB_TOKEN)
    out.push(
      line(
        'gitlab webhooks',
        'broken',
        'GITLAB_TOKEN is set but GITLAB_WEBHOOK_TOKEN is not: every delivery is refused',
        "set GITLAB_WEBHOOK_TOKEN to the webhook's secret token",
      ),
    );
  else out.push(line('gitlab webhooks', 'off', 'no GitLab webhooks'));
  return out;
}
