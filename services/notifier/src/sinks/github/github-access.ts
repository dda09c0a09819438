/** Octokit as the GitHub App installation (or with a token), pointed at GitHub or GitHub Enterprise. */
import type { App } from '@octokit/app';
import { Octokit } from '@octokit/rest';
import { ConfigError } from '@agentflow/contracts';

const quietLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export interface GitHubAccessOptions {
  apiUrl: string;
  appId?: string;
  privateKey?: string;
  token?: string;
}

export class GitHubAccess {
  private app?: Promise<App>;
  private readonly tokenClient?: Octokit;
  private readonly cache = new Map<number, { octokit: Octokit; until: number }>();
  private readonly RestOctokit: typeof Octokit;

  constructor(private readonly options: GitHubAccessOptions) {
    this.RestOctokit = Octokit.defaults({ baseUrl: options.apiUrl, log: quietLog });
    if (!(options.appId && options.privateKey) && options.token)
      this.tokenClient = new this.RestOctokit({ auth: options.token });
  }

  get configured(): boolean {
    return Boolean((this.options.appId && this.options.privateKey) || this.tokenClient);
  }

  async octokit(installationId: number | undefined): Promise<Octokit> {
    if (this.tokenClient) return this.tokenClient;
    if (!(this.options.appId && this.options.privateKey))
      throw new ConfigError(
        'GitHub is not configured for the notifier: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY, or GITHUB_TOKEN',
      );
    if (installationId === undefined)
      throw new ConfigError(
        'the run carries no GitHub App installation id; the App cannot act on the repository',
      );
    const cached = this.cache.get(installationId);
    if (cached && cached.until > Date.now()) return cached.octokit;
    // Loaded only when an App is configured (it is ESM-only with nested export conditions).
    this.app ??= import('@octokit/app').then(
      ({ App: AppClass }) =>
        new AppClass({
          appId: this.options.appId!,
          privateKey: this.options.privateKey!,
          Octokit: this.RestOctokit,
        }),
    );
    const octokit = (await (await this.app).getInstallationOctokit(installationId)) as unknown as Octokit;
    this.cache.set(installationId, { octokit, until: Date.now() + 50 * 60_000 });
    return octokit;
  }
}
