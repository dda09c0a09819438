/**
 * git's smart HTTP protocol for the fake GitHub's seeded repositories, fetch side only: what a
 * clone or `git fetch https://<host>/<owner>/<repo>.git <sha>` talks to. The answers come from
 * `git http-backend` (git's own CGI server) over the fake's bare clones, so the wire is git's.
 * As GitHub does for a private repository, a request without HTTP Basic credentials gets
 * `401` with `WWW-Authenticate: Basic realm="GitHub"`, and an unknown repository `404`. Pushing
 * (`git-receive-pack`) is refused with 403: agentflow writes through the git data API.
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface GitUploadOptions {
  /** Where the bare clones live (`<root>/<owner>/<repo>.git`); none seeded yet: undefined. */
  root: string | undefined;
  has(owner: string, name: string): boolean;
  /** Ask for credentials as GitHub does for private repositories. */
  requireAuth: boolean;
}

const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

function answer(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): true {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(text.endsWith('\n') ? text : `${text}\n`);
  return true;
}

/** Answers the request when it is one of git's smart HTTP calls; false leaves it to the REST routes. */
export function serveGitUpload(
  req: IncomingMessage,
  res: ServerResponse,
  options: GitUploadOptions,
): boolean {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const m = GIT_PATH.exec(url.pathname);
  if (!m) return false;
  const [, owner, name, endpoint] = m;
  const service = endpoint === 'info/refs' ? url.searchParams.get('service') : endpoint;
  const auth = String(req.headers.authorization ?? '');
  const basic = /^basic\s+(.+)$/i.exec(auth);
  const password = basic
    ? Buffer.from(basic[1], 'base64').toString('utf8').split(':').slice(1).join(':')
    : '';
  if (options.requireAuth && !password)
    return answer(res, 401, 'Authentication failed', { 'www-authenticate': 'Basic realm="GitHub"' });
  if (!options.root || !options.has(owner, name)) return answer(res, 404, 'Repository not found.');
  if (service === 'git-receive-pack')
    return answer(
      res,
      403,
      `Permission to ${owner}/${name}.git denied: this fake GitHub takes writes through the git data API only`,
    );
  if (service !== 'git-upload-pack')
    return answer(res, 403, 'Please upgrade your git client: only the smart HTTP protocol is served');

  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: options.root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: `/${owner}/${name}.git/${endpoint}`,
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: url.search.replace(/^\?/, ''),
      CONTENT_TYPE: String(req.headers['content-type'] ?? ''),
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: String(req.headers['content-length']) } : {}),
      ...(req.headers['content-encoding']
        ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) }
        : {}),
      // Protocol v2 is asked for in a header, which a CGI sees in this variable.
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      REMOTE_USER: 'x-access-token',
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  child.on('error', (error) => answer(res, 500, `git http-backend could not start: ${error.message}`));
  child.on('close', (code) => {
    if (res.headersSent) return;
    const raw = Buffer.concat(out);
    const split = raw.indexOf('\r\n\r\n');
    if (code !== 0 && split < 0) {
      answer(res, 500, `git http-backend failed: ${Buffer.concat(err).toString('utf8')}`);
      return;
    }
    // A CGI answer: header lines (`Status: 200 OK`, `Content-Type: …`), a blank line, the body.
    const head = raw.subarray(0, split).toString('latin1').split('\r\n');
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head) {
      const i = line.indexOf(':');
      if (i < 0) continue;
      const key = line.slice(0, i).trim().toLowerCase();
      const value = line.slice(i + 1).trim();
      if (key === 'status') status = Number(value.split(' ')[0]);
      else headers[key] = value;
    }
    res.writeHead(status, headers);
    res.end(raw.subarray(split + 4));
  });
  return true;
}
