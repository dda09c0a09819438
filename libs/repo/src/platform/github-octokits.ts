/**
 * Octokits for GitHub as an App installation (`@octokit/app`) or with a token; GitHub Enterprise
 * through the API base URL. Octokit's own retries are not installed: callers (bus consumers)
 * retry with backoff and honour Retry-After.
 */
import type { App } from '@octokit/app';
import { Octokit } from '@octokit/rest';
import { ConfigError } from '@agentflow/contracts';

export interface GitHubAuthOptions {
  apiUrl: string;
  appId?: string;
  privateKey?: string;
  token?: string;
}

const quietLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * Hands out an Octokit for an installation (App) or the token; the App's own Octokit for app
 * endpoints (the delivery API). `@octokit/app` is loaded only when an App is configured.
 */
export class GitHubOctokits {
  private app?: App;
  private appLoading?: Promise<App>;
  private readonly tokenClient?: Octokit;
  private readonly installations = new Map<number, { octokit: Octokit; until: number }>();
  private readonly RestOctokit: typeof Octokit;

  constructor(private readonly options: GitHubAuthOptions) {
    this.RestOctokit = Octokit.defaults({ baseUrl: options.apiUrl, log: quietLog });
    if (!this.isApp && options.token) this.tokenClient = new this.RestOctokit({ auth: options.token });
  }

  /** Whether GitHub App credentials are configured (then the delivery API is available). */
  get isApp(): boolean {
    return Boolean(this.options.appId && this.options.privateKey);
  }

  get configured(): boolean {
    return this.isApp || Boolean(this.tokenClient);
  }

  /** The App (JWT-authenticated), for app endpoints. Throws when no App is configured. */
  async appClient(): Promise<App> {
    if (!this.isApp)
      throw new ConfigError('no GitHub App is configured: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY');
    this.appLoading ??= import('@octokit/app').then(
      ({ App: AppClass }) =>
        (this.app = new AppClass({
          appId: this.options.appId!,
          privateKey: this.options.privateKey!,
          Octokit: this.RestOctokit,
        })),
    );
    return this.appLoading;
  }

  async forInstallation(installationId: number | undefined): Promise<Octokit> {
    if (this.tokenClient) return this.tokenClient;
    if (!this.isApp)
      throw new ConfigError(
        'GitHub is not configured: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY, or GITHUB_TOKEN',
      );
    const app = await this.appClient();
    const id = installationId ?? (await this.installationFor(app));
    const cached = this.installations.get(id);
    if (cached && cached.until > Date.now()) return cached.octokit;
    const octokit = (await app.getInstallationOctokit(id)) as unknown as Octokit;
    // Installation tokens live an hour; @octokit/auth-app refreshes them, the cache only saves the set-up.
    this.installations.set(id, { octokit, until: Date.now() + 50 * 60_000 });
    return octokit;
  }

  /** An App with exactly one installation needs no installation id in the request. */
  private async installationFor(app: App): Promise<number> {
    const { data } = await app.octokit.request('GET /app/installations', { per_page: 2 });
    const list = data as Array<{ id: number }>;
    if (list.length !== 1)
      throw new ConfigError(
        `the GitHub App has ${list.length} installations; the request must name one (installation id)`,
      );
    return list[0].id;
  }
}
