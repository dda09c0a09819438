/**
 * What a client learns about its own GitHub credentials: the App (`GET /app`), its installations
 * with the permissions each was granted (`GET /app/installations`), both authenticated with the
 * App's JWT, and for a token the signed-in user (`GET /user`) with the classic token's scopes in
 * `x-oauth-scopes`. Bodies are typed with GitHub's own REST description (@octokit/openapi-types),
 * so a field the schema requires cannot be left out.
 */
import type { components } from '@octokit/openapi-types';
import type { FakeRequest, FakeResponse, FakeRouter } from '../http';

type Integration = NonNullable<components['schemas']['integration']>;
type Installation = components['schemas']['installation'];
type SimpleUser = components['schemas']['simple-user'];
type PrivateUser = components['schemas']['private-user'];
export type AppPermissions = Installation['permissions'];

/** What agentflow asks its App for; the fake grants it unless told otherwise. */
export const DEFAULT_APP_PERMISSIONS: AppPermissions = {
  checks: 'write',
  pull_requests: 'write',
  contents: 'write',
  issues: 'write',
  metadata: 'read',
};

export interface FakeGitHubCredentials {
  /** Permissions of the App and of its one installation. */
  appPermissions: AppPermissions;
  /** `x-oauth-scopes` of a classic token; `null`: a fine-grained token (GitHub sends no such header). */
  tokenScopes: string[] | null;
}

const DOCS = 'https://docs.github.com/rest';
const CREATED = '2026-01-05T10:00:00Z';

function simpleUser(
  apiUrl: string,
  login: string,
  id: number,
  type: 'User' | 'Bot' | 'Organization',
): SimpleUser {
  const url = `${apiUrl}/users/${login}`;
  return {
    login,
    id,
    node_id: Buffer.from(`${type}:${id}`).toString('base64').replace(/=+$/, ''),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url,
    html_url: `https://github.com/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    site_admin: false,
    user_view_type: 'public',
  };
}

/** A JWT is three dot-separated parts; GitHub refuses anything else on the App's own endpoints. */
function appJwt(req: FakeRequest): FakeResponse | null {
  const token = String(req.headers.authorization ?? '').replace(/^bearer\s+/i, '');
  if (token.split('.').length === 3) return null;
  return {
    status: 401,
    body: { message: 'A JSON web token could not be decoded', documentation_url: DOCS, status: '401' },
  };
}

export function addAppRoutes(
  router: FakeRouter,
  apiUrl: () => string,
  credentials: FakeGitHubCredentials,
): void {
  const owner = () => simpleUser(apiUrl(), 'acme', 4001, 'Organization');
  const events = ['check_run', 'check_suite', 'issue_comment', 'pull_request', 'pull_request_review', 'push'];

  router.on('GET', '/app', (req) => {
    const refused = appJwt(req);
    if (refused) return refused;
    const app: Integration = {
      id: 1,
      slug: 'agentflow',
      node_id: 'A_kwDOAgentflow',
      client_id: 'Iv23liFAKEagentflow',
      owner: owner(),
      name: 'agentflow',
      description: 'AI reviews, tests and docs for mobile pull requests',
      external_url: 'https://agentflow.example',
      html_url: 'https://github.com/apps/agentflow',
      created_at: CREATED,
      updated_at: CREATED,
      permissions: { ...credentials.appPermissions },
      events,
      installations_count: 1,
    };
    return { status: 200, body: app };
  });

  router.on('GET', '/app/installations', (req) => {
    const refused = appJwt(req);
    if (refused) return refused;
    const installation: Installation = {
      id: 1,
      account: owner(),
      repository_selection: 'all',
      access_tokens_url: `${apiUrl()}/app/installations/1/access_tokens`,
      repositories_url: `${apiUrl()}/installation/repositories`,
      html_url: 'https://github.com/organizations/acme/settings/installations/1',
      app_id: 1,
      target_id: 4001,
      target_type: 'Organization',
      permissions: { ...credentials.appPermissions },
      events,
      created_at: CREATED,
      updated_at: CREATED,
      single_file_name: null,
      app_slug: 'agentflow',
      suspended_by: null,
      suspended_at: null,
    };
    return { status: 200, body: [installation] };
  });

  router.on('GET', '/user', (req) => {
    const token = String(req.headers.authorization ?? '').replace(/^(token|bearer)\s+/i, '');
    if (token.split('.').length === 3)
      return {
        status: 403,
        body: { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' },
      };
    const base = simpleUser(apiUrl(), 'agentflow-bot', 7001, 'User');
    const user: PrivateUser = {
      ...base,
      name: 'agentflow bot',
      company: null,
      blog: '',
      location: null,
      email: null,
      hireable: null,
      bio: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: CREATED,
      updated_at: CREATED,
      private_gists: 0,
      total_private_repos: 0,
      owned_private_repos: 0,
      disk_usage: 0,
      collaborators: 0,
      two_factor_authentication: true,
    };
    const headers: Record<string, string> = {};
    if (credentials.tokenScopes) {
      headers['x-oauth-scopes'] = credentials.tokenScopes.join(', ');
      headers['x-accepted-oauth-scopes'] = '';
    }
    return { status: 200, body: user, headers };
  });
}
