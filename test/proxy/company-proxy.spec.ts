/**
 * A company network: the internet only through an HTTPS proxy that terminates nothing but
 * tunnels (CONNECT), with the company's own certificate authority on the servers behind it.
 * A child process with HTTPS_PROXY and NODE_EXTRA_CA_CERTS set, as the k8s egress-proxy component
 * sets them, calls a vendor through its SDK and through the gateway's pooled client, GitHub
 * through Octokit and Slack through its SDK; every call must go through the proxy and trust the CA.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const HOSTS = ['api.anthropic.test', 'api.openai.test', 'api.github.test', 'slack.test'];

/** A CA and a server certificate for HOSTS signed by it, made with openssl. */
function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Example Corp Proxy CA',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=api.anthropic.test',
  );
  writeFileSync(join(dir, 'san.cnf'), `subjectAltName=${HOSTS.map((h) => `DNS:${h}`).join(',')}\n`);
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.cnf',
  );
  return {
    ca: join(dir, 'ca.pem'),
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function runClient(env: Record<string, string>): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', join(ROOT, 'scripts', 'ts-register.js'), join(__dirname, 'outbound-client.ts')],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += String(c)));
    child.stderr.on('data', (c) => (err += String(c)));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as Record<string, string>);
      } catch {
        reject(new Error(`client exited ${code} without a result:\n${out}\n${err}`));
      }
    });
  });
}

describe('outbound calls behind a company proxy with its own CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'af-proxy-'));
  const tunnels: string[] = [];
  const received: Array<{ host: string; path: string }> = [];
  let upstream: Server;
  let proxy: Server;
  let proxyPort = 0;

  beforeAll(async () => {
    const { key, cert } = makeCertificates(dir);
    upstream = createHttpsServer({ key, cert }, (req, res) => {
      received.push({ host: String(req.headers.host), path: String(req.url) });
      res.setHeader('content-type', 'application/json');
      if (req.url?.startsWith('/v1/messages')) {
        res.end(
          JSON.stringify({
            id: 'msg_1',
            type: 'message',
            role: 'assistant',
            model: 'claude-sonnet-4-6',
            content: [{ type: 'text', text: 'ok' }],
            stop_reason: 'end_turn',
            stop_sequence: null,
            usage: { input_tokens: 1, output_tokens: 1 },
          }),
        );
      } else if (req.url?.startsWith('/v1/chat/completions')) {
        res.end(
          JSON.stringify({
            id: 'c1',
            object: 'chat.completion',
            created: 1,
            model: 'gpt-5.4',
            choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          }),
        );
      } else if (req.url?.startsWith('/repos/')) {
        res.end(JSON.stringify({ id: 1, name: 'ios-app', full_name: 'acme/ios-app' }));
      } else {
        res.end(JSON.stringify({ ok: true, channel: 'C1', ts: '1.2' }));
      }
    });
    const upstreamPort = await listen(upstream);
    // The proxy: tunnels every CONNECT to the one upstream server, whatever host was asked for
    // (there is no DNS for the .test names here; the client never resolves them itself).
    proxy = createHttpServer((_req, res) => {
      res.statusCode = 403;
      res.end('this proxy tunnels HTTPS only');
    });
    proxy.on('connect', (req, socket, head) => {
      tunnels.push(String(req.url));
      const target = connect(upstreamPort, '127.0.0.1', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        target.write(head);
        target.pipe(socket);
        socket.pipe(target);
      });
      target.on('error', () => socket.destroy());
      socket.on('error', () => target.destroy());
    });
    proxyPort = await listen(proxy);
  });

  afterAll(async () => {
    await new Promise((r) => upstream.close(r));
    await new Promise((r) => proxy.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the vendor SDK, the pooled vendor client, Octokit and Slack through the proxy, trusting its CA', async () => {
    const result = await runClient({
      HTTPS_PROXY: `http://user:pw@127.0.0.1:${proxyPort}`,
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
    });
    expect(result).toEqual({
      proxy: `http://user:***@127.0.0.1:${proxyPort}/`,
      anthropicSdk: 'ok',
      pooledVendor: 'ok',
      octokit: 'ok',
      slack: 'ok',
    });
    expect([...tunnels].sort()).toEqual(HOSTS.map((h) => `${h}:443`).sort());
    expect(received.map((r) => r.host).sort()).toEqual([...HOSTS].sort());
  }, 60_000);

  it('fails those calls without the CA: the proxy CA is what makes them trusted', async () => {
    tunnels.length = 0;
    const result = await runClient({ HTTPS_PROXY: `http://127.0.0.1:${proxyPort}` });
    for (const client of ['anthropicSdk', 'pooledVendor', 'octokit', 'slack'])
      expect(result[client]).not.toBe('ok');
    expect(tunnels.length).toBeGreaterThanOrEqual(4);
  }, 60_000);
});
