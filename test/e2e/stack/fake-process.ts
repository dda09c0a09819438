/**
 * One fake as its own process (`node -r scripts/ts-register.js fake-process.ts github|slack|vendor`):
 * the services reach it over HTTP as they would reach the real platform, and the test reaches it
 * through a small control API on a second port (seed a pull request, force failures, read what
 * was stored). Prints one line `FAKE READY {"url": …, "control": …}` once both listen.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  FailureRule,
  FakeGitHub,
  FakeSlack,
  RateLimitRule,
  RunningFake,
} from '@agentflow/fake-platforms';
import { seededRandom } from '@agentflow/contracts';
import type { FakeVendorServer, ScriptFunction, VendorRoute, VendorScript } from '@agentflow/fake-vendor';
import { snapshotGitHub } from './fake-snapshot';

type ControlHandler = (body: Record<string, unknown>, query: URLSearchParams) => unknown;

/** A failure rule as JSON: the path pattern travels as a regular expression's source. */
interface WireFailureRule extends Omit<FailureRule, 'path'> {
  path?: string;
  pathPattern?: string;
}

function failureRule(wire: WireFailureRule): FailureRule {
  const { pathPattern, ...rest } = wire;
  return { ...rest, path: pathPattern !== undefined ? new RegExp(pathPattern) : wire.path };
}

async function githubControl(): Promise<{
  url: string;
  routes: Record<string, ControlHandler>;
  close: () => Promise<void>;
}> {
  const { startFakeGitHub } = await import('@agentflow/fake-platforms');
  const fake: FakeGitHub = await startFakeGitHub({ checkOpenApi: true });
  return {
    url: fake.apiUrl,
    close: () => fake.close(),
    routes: {
      'POST /seed-pull-request': (body) => ({ id: fake.seedPullRequest(body as never).id }),
      'POST /push': (body) => {
        const b = body as {
          owner: string;
          repo: string;
          number: number;
          headSha: string;
          files: never[];
          contents?: Record<string, string>;
        };
        fake.pushToPullRequest(b.owner, b.repo, b.number, b.headSha, b.files, b.contents);
        return {};
      },
      'POST /permission': (body) => {
        fake.setPermission(String(body.repo), String(body.login), body.permission as never);
        return {};
      },
      'POST /react': (body) => {
        fake.react(body.subject as never, String(body.content), String(body.login));
        return {};
      },
      'POST /fail-next': (body) => {
        fake.failNext(failureRule(body as unknown as WireFailureRule));
        return {};
      },
      'POST /rate-limit-next': (body) => {
        const { pathPattern, ...rule } = body as RateLimitRule & { pathPattern?: string };
        fake.rateLimitNext({
          ...rule,
          path: pathPattern !== undefined ? new RegExp(pathPattern) : rule.path,
        });
        return {};
      },
      'POST /write-latency': (body) => {
        fake.setWriteLatency(Number(body.ms));
        return {};
      },
      'GET /violations': () => fake.violations,
      'GET /state': () => snapshotGitHub(fake.state),
      'GET /requests': (_b, query) => recorded(fake, Number(query.get('since') ?? 0)),
    },
  };
}

async function slackControl(): Promise<{
  url: string;
  routes: Record<string, ControlHandler>;
  close: () => Promise<void>;
}> {
  const { startFakeSlack } = await import('@agentflow/fake-platforms');
  const fake: FakeSlack = await startFakeSlack();
  return {
    url: fake.apiUrl,
    close: () => fake.close(),
    routes: {
      'GET /messages': () => fake.messages,
      'POST /fail-next': (body) => {
        fake.failNext(failureRule(body as unknown as WireFailureRule));
        return {};
      },
      'GET /requests': (_b, query) => recorded(fake, Number(query.get('since') ?? 0)),
    },
  };
}

/** A per-request script as JSON: the first rule whose text the request body holds (or that names none) answers. */
interface WireScriptRule {
  bodyIncludes?: string;
  script: VendorScript;
}

function scriptOf(rules: WireScriptRule[]): ScriptFunction {
  return (request) =>
    rules.find((r) => r.bodyIncludes === undefined || Boolean(request.rawBody?.includes(r.bodyIncludes)))
      ?.script;
}

/**
 * A share `rate` of requests answered by one of `scripts` (picked at random, a seeded sequence),
 * the rest by the default reply: vendors failing some calls, as the chaos command has them.
 */
function faultsOf(rate: number, scripts: VendorScript[], seed: number): ScriptFunction {
  // Seeded, so a chaos run's fault sequence repeats with its seed.
  const next = seededRandom(seed);
  return () => (next() < rate ? scripts[Math.floor(next() * scripts.length)] : undefined);
}

async function vendorControl(): Promise<{
  url: string;
  routes: Record<string, ControlHandler>;
  close: () => Promise<void>;
}> {
  const { FakeVendorServer: Server } = await import('@agentflow/fake-vendor');
  const fake: FakeVendorServer = new Server({ log: 'full' });
  const url = await fake.start();
  return {
    url,
    close: () => fake.close(),
    routes: {
      'POST /enqueue': (body) => {
        fake.enqueue(body.route as VendorRoute, ...((body.scripts as VendorScript[]) ?? []));
        return {};
      },
      'GET /served': (_b, query) =>
        fake.served((query.get('route') as VendorRoute | null) ?? undefined).map((r) => ({
          seq: r.seq,
          route: r.route,
          model: r.model,
          path: r.path,
          status: r.status,
          outcome: r.outcome,
        })),
      'POST /reset': () => {
        fake.reset();
        return {};
      },
      'POST /script': (body) => {
        const { route, rules } = body as { route: VendorRoute; rules: WireScriptRule[] };
        fake.setScript(route, rules.length ? scriptOf(rules) : undefined);
        return {};
      },
      'POST /faults': (body) => {
        const { route, rate, scripts, seed } = body as {
          route: VendorRoute;
          rate: number;
          scripts: VendorScript[];
          seed?: number;
        };
        fake.setScript(route, scripts?.length && rate > 0 ? faultsOf(rate, scripts, seed ?? 1) : undefined);
        return {};
      },
      'POST /received': (body) => ({
        received: ((body.texts as string[]) ?? []).map((t) => fake.received(t)),
      }),
    },
  };
}

/** The fake's request log from index `since` on, without headers (they carry the tokens). */
function recorded(fake: RunningFake, since: number) {
  return fake.requests
    .slice(since)
    .map((r, i) => ({ index: since + i, method: r.method, path: r.path, status: r.status, body: r.body }));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  const started =
    kind === 'github'
      ? await githubControl()
      : kind === 'slack'
        ? await slackControl()
        : kind === 'vendor'
          ? await vendorControl()
          : undefined;
  if (!started) throw new Error(`fake-process: unknown fake ${kind}; choose github, slack or vendor`);
  const control = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const handler = started.routes[`${req.method} ${url.pathname}`];
    readJson(req)
      .then((body) => {
        if (!handler) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: `no control route ${req.method} ${url.pathname}` }));
          return;
        }
        const out = handler(body, url.searchParams);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(out ?? {}));
      })
      .catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(error) }));
      });
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;
  const stop = () => {
    control.closeAllConnections();
    control.close();
    void started.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`FAKE READY ${JSON.stringify({ url: started.url, control: controlUrl })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `fake-process failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
