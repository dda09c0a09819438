/**
 * A company network that reaches the internet only through an HTTPS proxy: `HTTPS_PROXY` /
 * `HTTP_PROXY` / `NO_PROXY` (or their lower-case forms) route every outbound call through it.
 * Node 20's `fetch` does not read those variables itself, so the process's global dispatcher is
 * replaced by undici's environment-driven proxy agent: the vendors' SDKs, Octokit, gitbeaker and
 * the Slack SDK all call `fetch`, so one switch covers them. The gateway's own connection pools
 * ask {@link proxyFor} per origin. A proxy's own certificate authority comes in through
 * `NODE_EXTRA_CA_CERTS`, which Node reads at start-up for every TLS connection.
 */
import { EnvHttpProxyAgent, setGlobalDispatcher } from 'undici';

export type Env = Readonly<Record<string, string | undefined>>;

export interface OutboundProxy {
  httpsProxy?: string;
  httpProxy?: string;
  noProxy?: string;
}

/** The proxy settings in `env`, or undefined when none is set. */
export function readOutboundProxy(env: Env): OutboundProxy | undefined {
  const httpsProxy = env.HTTPS_PROXY || env.https_proxy || undefined;
  const httpProxy = env.HTTP_PROXY || env.http_proxy || undefined;
  if (!httpsProxy && !httpProxy) return undefined;
  return { httpsProxy, httpProxy, noProxy: env.NO_PROXY || env.no_proxy || undefined };
}

let installed = false;

/**
 * Routes `fetch` through the proxy when one is configured. Idempotent; returns what it did, for
 * the start-up log (the proxy URL with any password masked).
 */
export function installOutboundProxy(env: Env = process.env): string | undefined {
  const proxy = readOutboundProxy(env);
  if (!proxy) return undefined;
  if (!installed) {
    setGlobalDispatcher(
      new EnvHttpProxyAgent({
        httpsProxy: proxy.httpsProxy,
        httpProxy: proxy.httpProxy,
        noProxy: proxy.noProxy,
      }),
    );
    installed = true;
  }
  return maskCredentials(proxy.httpsProxy ?? proxy.httpProxy!);
}

/**
 * The proxy URL an origin should be reached through, or undefined for a direct connection:
 * `NO_PROXY` as curl reads it (comma-separated hosts, `.suffix` or `suffix` for a domain and its
 * subdomains, `host:port`, `*` for everything).
 */
export function proxyFor(origin: string, env: Env = process.env): string | undefined {
  const proxy = readOutboundProxy(env);
  if (!proxy) return undefined;
  const url = new URL(origin);
  const chosen = url.protocol === 'https:' ? (proxy.httpsProxy ?? proxy.httpProxy) : proxy.httpProxy;
  if (!chosen) return undefined;
  return bypasses(url, proxy.noProxy) ? undefined : chosen;
}

function bypasses(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const [entryHost, entryPort] = entry.startsWith('[')
      ? [entry.slice(1, entry.indexOf(']')), entry.split(']:')[1]]
      : entry.split(':');
    if (entryPort && entryPort !== port) continue;
    const suffix = entryHost.replace(/^\*?\./, '');
    if (host === suffix || host.endsWith(`.${suffix}`)) return true;
  }
  return false;
}

function maskCredentials(proxyUrl: string): string {
  try {
    const url = new URL(proxyUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable proxy URL)';
  }
}
