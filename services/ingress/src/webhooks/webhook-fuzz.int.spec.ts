/**
 * Webhook fuzzing at the door (issue 22): 5,000 cases from a fixed seed, sent over HTTP to the
 * ingress as it is deployed (Fastify, the service kit, the embedded bus and PGlite), with the fake
 * GitHub and GitLab behind it. The cases: real payloads of `@octokit/webhooks-examples` and of the
 * GitLab samples mutated and signed (so they pass the signature and reach processing), random bytes,
 * 30 MB bodies, 10,000-level nesting, NUL and unpaired surrogates, and abused signature, event and
 * delivery headers. What must hold: no answer is a 5xx, the service still answers, nothing reaches
 * the dead-letter stream, and every delivery it accepted ends with a recorded outcome.
 */
jest.mock(
  '@octokit/webhooks-methods',
  () => jest.requireActual(`${process.cwd()}/node_modules/@octokit/webhooks-methods/dist-node/index.js`),
  { virtual: true },
);

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { RunningServices } from '@agentflow/service-kit';
import type { FakeGitHub, FakeGitLab } from '@agentflow/fake-platforms';
import {
  FIXTURE_WORKFLOWS,
  githubExamples,
  gitlabSamples,
  sign,
  TEST_GITLAB_TOKEN,
  TEST_SECRET,
} from '../testing/fixtures';
import { seededRandom } from '@agentflow/contracts';

const CASES = 5000;
const SEED = 0x22_f022;
const MB = 1024 * 1024;

interface Case {
  kind: string;
  platform: 'github' | 'gitlab';
  headers: Record<string, string | string[]>;
  body: Buffer;
  /** Set when the case is signed and routable, so the ingress may accept it. */
  deliveryId?: string;
}

/** A GitLab merge-request hook in the documented shape, used when the shared samples are absent. */
const GITLAB_MR = JSON.stringify({
  object_kind: 'merge_request',
  event_type: 'merge_request',
  user: { username: 'dev', id: 5 },
  project: {
    id: 15,
    path_with_namespace: 'acme/android-app',
    web_url: 'https://gitlab.example/acme/android-app',
  },
  object_attributes: {
    iid: 7,
    action: 'open',
    state: 'opened',
    source_branch: 'feature',
    target_branch: 'main',
    title: 'Login',
    last_commit: { id: 'b'.repeat(40) },
  },
  labels: [],
});

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

class Mutator {
  constructor(private readonly rnd: () => number) {}

  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** A value of a random type, some of them hostile to PostgreSQL or JSON handling. */
  value(): Json {
    return this.pick<() => Json>([
      () => null,
      () => true,
      () => -1,
      () => 0,
      () => 9007199254740992,
      () => 2 ** 31,
      () => -(2 ** 63),
      () => 1e308,
      () => 0.5,
      () => '',
      () => 'open\u0000',
      () => '\u0000',
      () => 'a\ud800b',
      () => '\udfff',
      () => '\u202e\u0007',
      () => 'x'.repeat(70_000),
      () => '../../etc/passwd',
      () => "'; DROP TABLE runs; --",
      () => '%00%ff',
      () => [],
      () => {
        const list: Json[] = [];
        for (let i = 0; i < 3; i++) list.push(this.int(2) ? i : String(i));
        return list;
      },
      () => ({}),
      () => ({ nested: { deeper: [null, 'x'] } }),
    ])();
  }

  /** Paths to every node of a JSON document, up to a cap. */
  private paths(doc: Json): Array<Array<string | number>> {
    const out: Array<Array<string | number>> = [];
    const walk = (node: Json, path: Array<string | number>) => {
      if (out.length > 400) return;
      out.push(path);
      if (Array.isArray(node)) node.forEach((child, i) => walk(child, [...path, i]));
      else if (node && typeof node === 'object')
        for (const [key, child] of Object.entries(node)) walk(child, [...path, key]);
    };
    walk(doc, []);
    return out;
  }

  /** One to three mutations of a parsed payload: replaced, removed, renamed and added fields. */
  mutate(doc: Json): Json {
    const count = 1 + this.int(3);
    for (let m = 0; m < count; m++) {
      const paths = this.paths(doc).filter((p) => p.length > 0);
      if (paths.length === 0) return this.value();
      const path = this.pick(paths);
      const parent = path
        .slice(0, -1)
        .reduce<Json>((node, key) => (node as Record<string, Json>)[key as string], doc) as
        Record<string, Json> | Json[];
      const key = path[path.length - 1];
      const op = this.int(4);
      if (op === 0 && !Array.isArray(parent)) delete parent[key as string];
      else if (op === 1 && !Array.isArray(parent)) {
        const value = parent[key as string];
        delete parent[key as string];
        parent[`${String(key)}\u0000${this.int(10)}`] = value;
      } else if (op === 2 && !Array.isArray(parent)) parent[`extra_${this.int(100)}`] = this.value();
      else (parent as Record<string, Json>)[key as string] = this.value();
    }
    return doc;
  }

  /** A JSON text cut at a random point, or with a random byte flipped. */
  damage(text: string): Buffer {
    const bytes = Buffer.from(text);
    if (this.int(2)) return bytes.subarray(0, this.int(bytes.length));
    const copy = Buffer.from(bytes);
    copy[this.int(copy.length)] = this.int(256);
    return copy;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

function nested(depth: number): string {
  return `{"action":"opened","a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

function buildCases(rnd: () => number): Case[] {
  const m = new Mutator(rnd);
  const github = githubExamples();
  const gitlab = gitlabSamples() ?? [{ event: 'Merge Request Hook', file: 'inline', body: GITLAB_MR }];
  const cases: Case[] = [];
  const githubCase = (
    kind: string,
    event: string | string[],
    body: Buffer,
    extra: Record<string, string | string[]> = {},
  ): Case => {
    const deliveryId = randomUUID();
    return {
      kind,
      platform: 'github',
      body,
      deliveryId,
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': deliveryId,
        'x-hub-signature-256': sign(body, TEST_SECRET),
        ...extra,
      },
    };
  };
  const gitlabCase = (
    kind: string,
    event: string,
    body: Buffer,
    extra: Record<string, string | string[]> = {},
  ): Case => {
    const deliveryId = randomUUID();
    return {
      kind,
      platform: 'gitlab',
      body,
      deliveryId,
      headers: {
        'content-type': 'application/json',
        'x-gitlab-event': event,
        'x-gitlab-token': TEST_GITLAB_TOKEN,
        'x-gitlab-event-uuid': deliveryId,
        ...extra,
      },
    };
  };

  // Three bodies over GitHub's 25 MB webhook cap, one per platform and one unsigned.
  const huge = Buffer.alloc(30 * MB, 0x20);
  huge.write('{"action":"opened"}');
  cases.push(
    githubCase('30 MB body', 'pull_request', huge),
    gitlabCase('30 MB body', 'Merge Request Hook', huge),
  );
  cases.push({
    kind: '30 MB body',
    platform: 'github',
    body: huge,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': randomUUID(),
    },
  });

  while (cases.length < CASES) {
    const roll = rnd();
    if (roll < 0.55) {
      const example = m.pick(github);
      const body = Buffer.from(JSON.stringify(m.mutate(JSON.parse(example.body) as Json)));
      cases.push(githubCase('mutated GitHub payload', example.event, body));
    } else if (roll < 0.67) {
      const sample = m.pick(gitlab);
      const body = Buffer.from(JSON.stringify(m.mutate(JSON.parse(sample.body) as Json)));
      cases.push(gitlabCase('mutated GitLab payload', sample.event, body));
    } else if (roll < 0.72) {
      const example = m.pick(github);
      cases.push(githubCase('damaged JSON', example.event, m.damage(example.body)));
    } else if (roll < 0.8) {
      const body = m.bytes(1 + m.int(4096));
      cases.push(
        m.int(2)
          ? githubCase('random bytes, signed', 'pull_request', body)
          : gitlabCase('random bytes', 'Merge Request Hook', body),
      );
    } else if (roll < 0.82) {
      const body = Buffer.from(nested(10_000));
      cases.push(
        m.int(2)
          ? githubCase('10,000-level nesting', 'pull_request', body)
          : gitlabCase('10,000-level nesting', 'Merge Request Hook', body),
      );
    } else {
      cases.push(abusedHeaders(m, m.pick(github), githubCase, gitlabCase));
    }
  }
  return cases;
}

function abusedHeaders(
  m: Mutator,
  example: { event: string; body: string },
  githubCase: (
    kind: string,
    event: string | string[],
    body: Buffer,
    extra?: Record<string, string | string[]>,
  ) => Case,
  gitlabCase: (kind: string, event: string, body: Buffer, extra?: Record<string, string | string[]>) => Case,
): Case {
  const body = Buffer.from(example.body);
  const unsigned = (c: Case, kind: string): Case => ({ ...c, kind, deliveryId: undefined });
  switch (m.int(12)) {
    case 0:
      return unsigned(
        githubCase('', example.event, body, { 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) }),
        'wrong signature',
      );
    case 1:
      return unsigned(
        githubCase('', example.event, body, { 'x-hub-signature-256': 'sha256=zz' }),
        'malformed signature',
      );
    case 2:
      return unsigned(
        githubCase('', example.event, body, { 'x-hub-signature-256': [sign(body), sign(body)] }),
        'repeated signature header',
      );
    case 3: {
      const c = githubCase('', example.event, body);
      delete c.headers['x-hub-signature-256'];
      return unsigned(c, 'no signature');
    }
    case 4:
      return unsigned(
        githubCase('', example.event, body, { 'x-hub-signature-256': sign(body, 'another secret') }),
        'signed with another secret',
      );
    case 5:
      return unsigned(githubCase('', [example.event, 'push'], body), 'repeated event header');
    case 6:
      return unsigned(
        githubCase('', example.event, body, { 'x-github-delivery': 'd'.repeat(15_000) }),
        'delivery id of 15,000 characters',
      );
    case 7:
      return unsigned(
        githubCase('', example.event, body, { 'x-github-delivery': 'id\u00ff\u00fe' }),
        'delivery id with bytes 0xFF 0xFE',
      );
    case 8:
      return githubCase('unknown event', `made_up_${m.int(100)}`, body);
    case 9:
      return unsigned(githubCase('', 'pull_request\u0000', body), 'NUL in the event header');
    case 10:
      return unsigned(
        gitlabCase('', 'Merge Request Hook', Buffer.from(GITLAB_MR), { 'x-gitlab-token': 'not the token' }),
        'wrong GitLab token',
      );
    default:
      return githubCase('odd content type', example.event, body, {
        'content-type': m.pick([
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
          'multipart/form-data; boundary=x',
        ]),
      });
  }
}

/** Header values Node's HTTP client refuses to send: a NUL reaches the server as '?'. */
function sendable(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    // Control characters other than tab are refused by Node's client before they reach the server.
    const fix = (v: string) =>
      [...v].map((ch) => ((ch.charCodeAt(0) < 0x20 && ch !== '\t') || ch === '\u007f' ? '?' : ch)).join('');
    out[name] = Array.isArray(value) ? value.map(fix) : fix(value);
  }
  return out;
}

describe('webhook fuzzing at the door (fixed seed, 5,000 cases)', () => {
  let root: string;
  let running: RunningServices;
  let github: FakeGitHub;
  let gitlab: FakeGitLab;
  let base: string;
  const errors: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'agentflow-fuzz-'));
    const platforms = await import('@agentflow/fake-platforms');
    github = await platforms.startFakeGitHub();
    gitlab = await platforms.startFakeGitLab();
    const [{ runServices }, { ingressService }, { createLogger }] = await Promise.all([
      import('@agentflow/service-kit'),
      import('@agentflow/ingress'),
      import('@agentflow/telemetry'),
    ]);
    // Lines at error or above (pino levels 50, 60) are what a crash or an unexpected failure writes.
    const logger = createLogger('fuzz', {
      level: 'warn',
      destination: {
        write: (line: string) =>
          void ((JSON.parse(line) as { level: number }).level >= 50 && errors.push(line.slice(0, 400))),
      },
    });
    running = await runServices([ingressService], {
      name: 'ingress-fuzz',
      handleSignals: false,
      logger,
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        NATS_URL: '',
        DATABASE_URL: '',
        DATABASE_SCHEMA: '',
        LOG_LEVEL: 'warn',
        AGENTFLOW_DATA_DIR: join(root, 'data'),
        AGENTFLOW_BUS_PREFIX: 'fuzz',
        AGENTFLOW_SECRETS_POLL_MS: '0',
        OTEL_SDK_DISABLED: 'true',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_TRACES_EXPORTER: 'none',
        AGENTFLOW_WORKFLOWS_DIR: FIXTURE_WORKFLOWS,
        INGRESS_RECONCILE_MS: '0',
        GITHUB_WEBHOOK_SECRET: TEST_SECRET,
        GITHUB_TOKEN: 'ghs_fuzz',
        GITHUB_API_URL: github.apiUrl,
        GITHUB_APP_ID: '',
        GITLAB_WEBHOOK_TOKEN: TEST_GITLAB_TOKEN,
        GITLAB_TOKEN: 'glpat-fuzz',
        GITLAB_URL: gitlab.apiUrl,
      },
    });
    base = running.url;
  }, 60_000);

  afterAll(async () => {
    await running?.shutdown('fuzz finished').catch(() => undefined);
    await Promise.all([github?.close(), gitlab?.close()]).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  it('answers every case without a 5xx, dead-letters nothing and records an outcome for every accepted delivery', async () => {
    const cases = buildCases(seededRandom(SEED));
    expect(cases).toHaveLength(CASES);
    const statuses = new Map<string, Map<number, number>>();
    const accepted: Case[] = [];
    const fivexx: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++];
        const res = await request(`${base}/webhooks/${c.platform}`, {
          method: 'POST',
          headers: sendable(c.headers),
          body: c.body,
        });
        const text = await res.body.text();
        const byKind = statuses.get(c.kind) ?? new Map<number, number>();
        byKind.set(res.statusCode, (byKind.get(res.statusCode) ?? 0) + 1);
        statuses.set(c.kind, byKind);
        if (res.statusCode >= 500) fivexx.push(`${c.kind}: ${res.statusCode} ${text.slice(0, 200)}`);
        if (/\n\s+at .+:\d+:\d+\)?/.test(text)) fivexx.push(`${c.kind}: a stack trace in the answer`);
        if (res.statusCode === 202 && c.deliveryId && /"result":"(queued|spooled)"/.test(text))
          accepted.push(c);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));

    const table = [...statuses]
      .map(([kind, byStatus]) => `${kind}: ${[...byStatus].map(([s, n]) => `${s}x${n}`).join(' ')}`)
      .join('\n');
    process.stdout.write(
      `webhook fuzz, seed ${SEED.toString(16)}: ${CASES} cases, ${accepted.length} accepted\n${table}\n`,
    );
    expect(fivexx).toEqual([]);
    // The three bodies over the limit are refused by size, whatever their signature.
    expect([...(statuses.get('30 MB body') ?? new Map<number, number>())]).toEqual([[413, 3]]);
    // Signed mutated payloads get past the door: the fuzz reaches processing, not just the signature check.
    expect(accepted.length).toBeGreaterThan(500);

    const health = await request(`${base}/health`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();

    // Every accepted delivery settles (matched, ignored or a recorded rejection with its reason).
    const db = running.db;
    const pending = async () => {
      const { rows } = await db.query<{ n: string }>(
        "SELECT count(*) AS n FROM webhook_deliveries WHERE outcome IS NULL OR outcome = 'received'",
      );
      return Number(rows[0].n);
    };
    const deadline = Date.now() + 240_000;
    while ((await pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const { rows } = await db.query<{ delivery_id: string; outcome: string | null; detail: string | null }>(
      'SELECT delivery_id, outcome, detail FROM webhook_deliveries',
    );
    const byId = new Map(rows.map((r) => [r.delivery_id, r]));
    const unsettled = accepted.filter(
      (c) => !['matched', 'ignored', 'rejected'].includes(byId.get(c.deliveryId!)?.outcome ?? ''),
    );
    expect(
      unsettled.map((c) => `${c.kind} ${c.deliveryId}: ${byId.get(c.deliveryId!)?.outcome ?? 'no record'}`),
    ).toEqual([]);
    const unexplained = rows.filter((r) => r.outcome === 'rejected' && !r.detail);
    expect(unexplained).toEqual([]);

    const dead = await running.bus.readSubject(
      running.context.topology.streams.dlq.name,
      `${running.context.topology.prefix}.dlq.>`,
    );
    expect(dead.map((d) => Buffer.from(d.data).toString('utf8').slice(0, 300))).toEqual([]);
    // A delivery whose pull request the platform does not have (404) is given up on with one error
    // line naming it; anything else at error level is a failure the door did not expect.
    const givenUp = /failed for good: PermanentError: (GitHub|GitLab) .* \(HTTP 404\)/;
    expect(errors.filter((line) => !givenUp.test(line))).toEqual([]);
  }, 600_000);
});
