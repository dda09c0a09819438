/**
 * GitHub as agentflow uses it: an App (preferred: its installations' permissions are readable) or
 * a token. For an App it reads `GET /app` and `GET /app/installations` with the App's JWT and
 * compares each installation's permissions with what agentflow needs; for a classic token the
 * `x-oauth-scopes` header of `GET /user`. A fine-grained token's permissions cannot be read back.
 */
import { createSign } from 'node:crypto';
import { call, errorText, line, unreachable, type DoctorContext, type DoctorLine } from './report';

/** What agentflow does on GitHub, and the App permission each needs. */
export const GITHUB_APP_NEEDS: Readonly<Record<string, { level: 'read' | 'write'; why: string }>> = {
  checks: { level: 'write', why: 'check runs with the gate' },
  pull_requests: { level: 'write', why: 'review comments' },
  contents: { level: 'write', why: 'reading code, pushing proposed tests' },
  issues: { level: 'write', why: 'PR comments' },
};

const RANK: Record<string, number> = { read: 1, write: 2, admin: 3 };

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

/** The App's JWT (RS256, 9 minutes, backdated a minute for clock drift, as GitHub advises). */
export function appJwt(appId: string, privateKey: string, now: number): string {
  const iat = Math.floor(now / 1000) - 60;
  const unsigned = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${base64url(JSON.stringify({ iat, exp: iat + 600, iss: appId }))}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKey);
  return `${unsigned}.${base64url(signature)}`;
}

function apiUrl(ctx: DoctorContext): string {
  return (ctx.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
}

const HEADERS = {
  accept: 'application/vnd.github+json',
  'x-github-api-version': '2022-11-28',
  'user-agent': 'agentflow-doctor',
};

async function checkApp(ctx: DoctorContext, appId: string, key: string): Promise<DoctorLine> {
  let jwt: string;
  try {
    jwt = appJwt(appId, key.includes('\\n') ? key.replace(/\\n/g, '\n') : key, ctx.now());
  } catch (error) {
    return line(
      'github',
      'broken',
      `GITHUB_APP_PRIVATE_KEY is not a usable private key (${(error as Error).message})`,
      "paste the App's .pem private key (or set GITHUB_APP_PRIVATE_KEY_FILE to it)",
    );
  }
  const headers = { ...HEADERS, authorization: `Bearer ${jwt}` };
  try {
    const app = await call(ctx, `${apiUrl(ctx)}/app`, { headers });
    if (app.status === 401)
      return line(
        'github',
        'broken',
        `GitHub refused the App's JWT (401: ${errorText(app.body)})`,
        'check GITHUB_APP_ID and that the private key belongs to that App',
      );
    if (app.status !== 200)
      return line(
        'github',
        'broken',
        `GET /app answered ${app.status}: ${errorText(app.body)}`,
        'retry later; check GITHUB_API_URL',
      );
    const slug = (app.body as { slug?: string; name?: string }).slug ?? appId;
    const list = await call(ctx, `${apiUrl(ctx)}/app/installations?per_page=100`, { headers });
    if (list.status !== 200)
      return line(
        'github',
        'broken',
        `GET /app/installations answered ${list.status}: ${errorText(list.body)}`,
        'retry later',
      );
    const installations = list.body as Array<{
      id: number;
      account: { login?: string; slug?: string } | null;
      permissions: Record<string, string | undefined>;
    }>;
    if (installations.length === 0)
      return line(
        'github',
        'broken',
        `App ${slug} is installed nowhere`,
        'install the App on the organisation or repositories agentflow should review',
      );
    const lacking: string[] = [];
    for (const inst of installations) {
      const account = inst.account?.login ?? inst.account?.slug ?? `#${inst.id}`;
      for (const [permission, need] of Object.entries(GITHUB_APP_NEEDS)) {
        const has = inst.permissions[permission];
        if ((RANK[has ?? ''] ?? 0) < RANK[need.level])
          lacking.push(
            `${account} lacks ${permission}: ${need.level} (${has ?? 'none'}; needed for ${need.why})`,
          );
      }
    }
    if (lacking.length > 0) {
      return line(
        'github',
        'broken',
        `App ${slug}: ${lacking.join('; ')}`,
        `grant it in the App's settings (Permissions & events), then approve the new permissions on each installation`,
      );
    }
    const names = installations.map((i) => i.account?.login ?? `#${i.id}`).join(', ');
    return line(
      'github',
      'ok',
      `App ${slug}, ${installations.length} installation${installations.length === 1 ? '' : 's'} (${names}) with checks, pull requests, contents and issues: write`,
    );
  } catch (error) {
    return line(
      'github',
      'broken',
      `cannot reach ${apiUrl(ctx)}: ${unreachable(error)}`,
      'check GITHUB_API_URL and the network path',
    );
  }
}

async function checkToken(ctx: DoctorContext, token: string): Promise<DoctorLine> {
  try {
    const res = await call(ctx, `${apiUrl(ctx)}/user`, {
      headers: { ...HEADERS, authorization: `token ${token}` },
    });
    if (res.status === 401)
      return line(
        'github',
        'broken',
        `GitHub refused GITHUB_TOKEN (401: ${errorText(res.body)})`,
        'create a new token and set GITHUB_TOKEN',
      );
    if (res.status !== 200)
      return line(
        'github',
        'broken',
        `GET /user answered ${res.status}: ${errorText(res.body)}`,
        'retry later; check GITHUB_API_URL',
      );
    const login = (res.body as { login?: string }).login ?? 'unknown';
    const scopes = res.headers.get('x-oauth-scopes');
    if (scopes === null) {
      return line(
        'github',
        'ok',
        `fine-grained token of ${login}; GitHub does not report its permissions`,
        'make sure it grants Checks, Pull requests, Contents and Issues: read and write on the repositories',
      );
    }
    const list = scopes
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!list.includes('repo'))
      return line(
        'github',
        'broken',
        `token of ${login} has scopes ${list.join(', ') || '(none)'}, not repo`,
        'give the token the repo scope (checks, pull requests, contents and issues on private repositories)',
      );
    return line('github', 'ok', `token of ${login} with scopes ${list.join(', ')}`);
  } catch (error) {
    return line(
      'github',
      'broken',
      `cannot reach ${apiUrl(ctx)}: ${unreachable(error)}`,
      'check GITHUB_API_URL and the network path',
    );
  }
}

export async function checkGitHub(ctx: DoctorContext): Promise<DoctorLine[]> {
  const { env } = ctx;
  const key =
    env.GITHUB_APP_PRIVATE_KEY ||
    (env.GITHUB_APP_PRIVATE_KEY_FILE ? ctx.readFile(env.GITHUB_APP_PRIVATE_KEY_FILE) : undefined);
  if (env.GITHUB_APP_ID && key) return [await checkApp(ctx, env.GITHUB_APP_ID, key)];
  if (env.GITHUB_APP_ID)
    return [
      line(
        'github',
        'broken',
        'GITHUB_APP_ID is set but no private key',
        'set GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE',
      ),
    ];
  if (env.GITHUB_TOKEN) return [await checkToken(ctx, env.GITHUB_TOKEN)];
  return [
    line(
      'github',
      'off',
      'no GitHub credentials: no PR comments, checks or webhooks from GitHub',
      'set GITHUB_APP_ID + GITHUB_APP_PRIVATE_KEY (an App), or GITHUB_TOKEN',
    ),
  ];
}
