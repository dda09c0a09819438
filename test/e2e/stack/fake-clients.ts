/**
 * The test's side of the fakes' control API (see fake-process.ts): seed, force failures, read
 * what the services stored there.
 */
import type {
  FailureRule,
  FakeSlackMessage,
  OpenApiViolation,
  RateLimitRule,
  SeedPullRequest,
} from '@agentflow/fake-platforms';
import type { VendorRoute, VendorScript } from '@agentflow/fake-vendor';
import type { GitHubSnapshot } from './fake-snapshot';

/** One request a fake answered, without its headers. */
export interface FakeRequestRecord {
  index: number;
  method: string;
  path: string;
  status: number;
  body: Record<string, unknown>;
}

/** A failure rule for another process: `pathPattern` is a regular expression's source. */
export type RemoteFailureRule = Omit<FailureRule, 'path'> & { path?: string; pathPattern?: string };

export class FakeControl {
  /**
   * @param url where the services reach the fake
   * @param control the fake's control API
   */
  constructor(
    readonly url: string,
    protected readonly control: string,
  ) {}

  protected async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.control}${path}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`fake control ${method} ${path} answered ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  /** Every request the fake answered, from index `since` on. */
  requests(since = 0): Promise<FakeRequestRecord[]> {
    return this.call('GET', `/requests?since=${since}`);
  }

  /** Makes the next matching requests fail (a rate limit, an outage). */
  failNext(rule: RemoteFailureRule): Promise<void> {
    return this.call('POST', '/fail-next', rule);
  }
}

export class GitHubControl extends FakeControl {
  seedPullRequest(seed: SeedPullRequest): Promise<{ id: number }> {
    return this.call('POST', '/seed-pull-request', seed);
  }

  /** A push to the pull request: new head, files and contents. */
  push(push: {
    owner: string;
    repo: string;
    number: number;
    headSha: string;
    files: SeedPullRequest['files'];
    contents?: Record<string, string>;
  }): Promise<void> {
    return this.call('POST', '/push', push);
  }

  setPermission(
    repo: string,
    login: string,
    permission: 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none',
  ): Promise<void> {
    return this.call('POST', '/permission', { repo, login, permission });
  }

  react(
    subject: `issue_comment:${number}` | `review_comment:${number}`,
    content: string,
    login: string,
  ): Promise<void> {
    return this.call('POST', '/react', { subject, content, login });
  }

  /** Requests that GitHub's REST description does not allow, as the fake recorded them. */
  violations(): Promise<OpenApiViolation[]> {
    return this.call('GET', '/violations');
  }

  /** Answers the next matching requests with GitHub's rate-limit response. */
  rateLimitNext(rule: Omit<RateLimitRule, 'path'> & { path?: string; pathPattern?: string }): Promise<void> {
    return this.call('POST', '/rate-limit-next', rule);
  }

  /** GitHub answering every write `ms` late (0: at once), as under load. */
  setWriteLatency(ms: number): Promise<void> {
    return this.call('POST', '/write-latency', { ms });
  }

  /** What the fake stored: comments, reviews, check runs, commits, refs. */
  state(): Promise<GitHubSnapshot> {
    return this.call('GET', '/state');
  }

  /** The repository as `GET /repos/{owner}/{repo}` answers it (its id goes into webhook payloads). */
  async repository(owner: string, repo: string): Promise<{ id: number }> {
    const res = await fetch(`${this.url}/repos/${owner}/${repo}`, {
      headers: { authorization: 'token e2e-stack' },
    });
    return (await res.json()) as { id: number };
  }
}

export class SlackControl extends FakeControl {
  messages(): Promise<FakeSlackMessage[]> {
    return this.call('GET', '/messages');
  }
}

export class VendorControl extends FakeControl {
  /** Queues scripted answers for the next requests on a route (rate limits, outages, replies). */
  enqueue(route: VendorRoute, ...scripts: VendorScript[]): Promise<void> {
    return this.call('POST', '/enqueue', { route, scripts });
  }

  /**
   * Answers each request on a route by the first rule whose `bodyIncludes` the request body holds
   * (a rule without it matches any request); an empty list removes the script.
   */
  script(route: VendorRoute, rules: Array<{ bodyIncludes?: string; script: VendorScript }>): Promise<void> {
    return this.call('POST', '/script', { route, rules });
  }

  /**
   * Answers a share `rate` (0..1) of the requests on a route with one of `scripts`, picked at
   * random from a sequence seeded by `seed`; the others get the default reply. `rate: 0` removes it
   * (as does any later {@link script} on the route). Queued scripts still go first.
   */
  faults(route: VendorRoute, rate: number, scripts: VendorScript[], seed = 1): Promise<void> {
    return this.call('POST', '/faults', { route, rate, scripts, seed });
  }

  /** For each text, whether any request the vendor received held it in its body, path or headers. */
  async received(...texts: string[]): Promise<boolean[]> {
    return (await this.call<{ received: boolean[] }>('POST', '/received', { texts })).received;
  }

  /** Forgets what was served and queued (scripts stay until replaced). */
  reset(): Promise<void> {
    return this.call('POST', '/reset');
  }

  served(
    route?: VendorRoute,
  ): Promise<
    Array<{ seq: number; route: VendorRoute; model: string; path: string; status: number; outcome: string }>
  > {
    return this.call('GET', `/served${route ? `?route=${route}` : ''}`);
  }
}
