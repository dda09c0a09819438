/** The few GitLab REST v4 calls the notifier makes, over fetch, with Retry-After honoured. */
import { withRetryAfter } from '../retry-after';

export class GitLabApi {
  constructor(
    private readonly host: string,
    private readonly token: string,
    private readonly maxWaitMs: number,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const text = await this.send(method, path, body);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A GET whose answer is not JSON (a raw file). */
  async text(path: string): Promise<string> {
    return this.send('GET', path);
  }

  private async send(method: string, path: string, body?: unknown): Promise<string> {
    return withRetryAfter(
      `GitLab ${method} ${path.split('?')[0]}`,
      async () => {
        const response = await fetch(`${this.host}/api/v4${path}`, {
          method,
          headers: {
            'private-token': this.token,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        if (!response.ok) {
          const headers: Record<string, string | undefined> = {
            'retry-after': response.headers.get('retry-after') ?? undefined,
          };
          throw Object.assign(new Error(`${response.status} ${text.slice(0, 300)}`), {
            status: response.status,
            response: { status: response.status, headers },
          });
        }
        return text;
      },
      this.maxWaitMs,
    );
  }

  /** All pages of a list endpoint (GitLab's `x-next-page`). */
  async all<T>(path: string): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; page <= 50; page++) {
      const sep = path.includes('?') ? '&' : '?';
      const items = await this.request<T[]>('GET', `${path}${sep}per_page=100&page=${page}`);
      out.push(...items);
      if (items.length < 100) break;
    }
    return out;
  }
}

export function projectPath(id: number | undefined, repo: string): string {
  return encodeURIComponent(id !== undefined ? String(id) : repo);
}
