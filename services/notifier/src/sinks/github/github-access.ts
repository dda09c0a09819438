/** Octokit as the GitHub App installation (or with a token), pointed at GitHub or GitHub Enterprise. */
import { App } from '@octokit/app';
import { Octokit } from '@octokit/rest';
import { ConfigError } from '@agentflow/contracts';

const quietLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export interface GitHubAccessOptions {
  apiUrl: string;
  appId?: string;
  privateKey?: string;
  token?: string;
}

export class GitHubAccess {
  private readonly app?: App;
  private readonly tokenClient?: Octokit;
  private readonly cache = new Map<number, { octokit: Octokit; until: number }>();

  constructor(options: GitHubAccessOptions) {
    const RestOctokit = Octokit.defaults({ baseUrl: options.apiUrl, log: quietLog });
    if (options.appId && options.privateKey) this.app = new App({ appId: options.appId, privateKey: options.privateKey, Octokit: RestOctokit });
    else if (options.token) this.tokenClient = new RestOctokit({ auth: options.token });
  }

  get configured(): boolean {
    return Boolean(this.app || this.tokenClient);
  }

  async octokit(installationId: number | undefined): Promise<Octokit> {
    if (this.tokenClient) return this.tokenClient;
    if (!this.app) throw new ConfigError('GitHub is not configured for the notifier: set GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY, or GITHUB_TOKEN');
    if (installationId === undefined) throw new ConfigError('the run carries no GitHub App installation id; the App cannot act on the repository');
    const cached = this.cache.get(installationId);
    if (cached && cached.until > Date.now()) return cached.octokit;
    const octokit = (await this.app.getInstallationOctokit(installationId)) as unknown as Octokit;
    this.cache.set(installationId, { octokit, until: Date.now() + 50 * 60_000 });
    return octokit;
  }
}
