import { InvalidArgumentError } from 'commander';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUNDLED_WORKFLOWS,
  capabilitiesOff,
  chooseConfigDir,
  configDirEnv,
  configDirLine,
  parsePort,
  parseServiceList,
  redactUrl,
  startupSummary,
} from './up';
import type { RunningServices } from '@agentflow/service-kit';

describe('agentflow up options', () => {
  it('keeps the start order whatever order --only names the services in', () => {
    expect(parseServiceList('notifier, ingress,notifier')).toEqual(['ingress', 'notifier']);
  });

  it('refuses an unknown service, listing the valid ones', () => {
    expect(() => parseServiceList('ingress,billing')).toThrow(InvalidArgumentError);
    expect(() => parseServiceList('ingress,billing')).toThrow(
      'unknown service billing; choose from ingress, coordinator, gateway, agents, notifier',
    );
    expect(() => parseServiceList(' , ')).toThrow(/name at least one service/);
  });

  it('accepts ports 0 to 65535 only', () => {
    expect(parsePort('0')).toBe(0);
    expect(parsePort('8080')).toBe(8080);
    expect(() => parsePort('80a')).toThrow(InvalidArgumentError);
    expect(() => parsePort('65536')).toThrow(InvalidArgumentError);
  });
});

describe('capabilitiesOff', () => {
  it('lists each missing key or credential for the services that run', () => {
    const off = capabilitiesOff({ ANTHROPIC_API_KEY: 'sk', GITHUB_APP_ID: '1' }, [
      'ingress',
      'gateway',
      'notifier',
    ]).map((c) => c.name);
    expect(off).toEqual([
      'OpenAI models',
      'GitHub API (fetch code, comments, checks, branches)',
      'GitHub webhooks at /webhooks/github',
      'GitLab API (merge request notes and discussions)',
      'GitLab webhooks at /webhooks/gitlab',
      'Slack messages',
    ]);
  });

  it('takes a GitHub App with its key, or a token', () => {
    const github = (env: Record<string, string>) =>
      capabilitiesOff(env, ['notifier']).some((c) => c.name.startsWith('GitHub API'));
    expect(github({ GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY_FILE: '/k.pem' })).toBe(false);
    expect(github({ GITHUB_TOKEN: 'ghp' })).toBe(false);
    expect(github({ GITHUB_APP_ID: '1' })).toBe(true);
  });

  it('says nothing about services that do not run', () => {
    expect(capabilitiesOff({}, ['coordinator'])).toEqual([]);
  });
});

describe('redactUrl', () => {
  it('hides passwords in every server of a list', () => {
    expect(redactUrl('postgres://agentflow:s3cret@db:5432/agentflow')).toBe(
      'postgres://agentflow:***@db:5432/agentflow',
    );
    expect(redactUrl('nats://u:p@a:4222, nats://b:4222')).toBe('nats://u:***@a:4222,nats://b:4222');
  });
});

describe('where agentflow up reads its workflows', () => {
  const bundled = '/opt/agentflow/workflows';
  const none = () => undefined;
  const made: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentflow-up-'));
    made.push(dir);
    return dir;
  };
  afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('starts on the shipped defaults outside a checkout, and says so', () => {
    const elsewhere = tempDir();
    const choice = chooseConfigDir(elsewhere, {}, bundled, none);
    expect(choice).toEqual({ dir: bundled, origin: 'bundled' });
    expect(configDirEnv(choice, {})).toEqual({
      AGENTFLOW_WORKFLOWS_DIR: bundled,
      PROVIDERS_FILE: `${bundled}/providers.yml`,
      GATEWAY_CONFIG_FILE: `${bundled}/gateway.yml`,
    });
    expect(configDirLine(choice, elsewhere)).toMatch(
      /shipped defaults bundled with the CLI \(no workflows\/ in .*agentflow-up-/,
    );
  });

  it("takes the project's workflows/ first, and what the environment names over both", () => {
    const project = tempDir();
    mkdirSync(join(project, 'workflows'));
    expect(chooseConfigDir(project, {}, bundled, none)).toEqual({
      dir: join(project, 'workflows'),
      origin: 'project',
    });
    expect(chooseConfigDir(join(project, 'src'), {}, bundled, () => join(project, 'workflows'))).toEqual({
      dir: join(project, 'workflows'),
      origin: 'project',
    });
    const env = {
      AGENTFLOW_WORKFLOWS_DIR: '/etc/agentflow',
      PROVIDERS_FILE: '/run/providers.yml',
      GATEWAY_CONFIG_FILE: '',
    };
    const choice = chooseConfigDir(project, env, bundled, none);
    expect(choice).toEqual({ dir: '/etc/agentflow', origin: 'env' });
    expect(configDirEnv(choice, env)).toEqual({});
  });

  it('bundles the shipped workflows with the CLI', () => {
    expect(existsSync(join(BUNDLED_WORKFLOWS, 'providers.yml'))).toBe(true);
    expect(existsSync(join(BUNDLED_WORKFLOWS, 'pr-review.yml'))).toBe(true);
  });
});

describe('the start-up summary', () => {
  const running = (over: Partial<RunningServices>) =>
    ({
      config: { natsUrl: 'nats://127.0.0.1:4222', databaseUrl: 'postgres://db/agentflow', dataDir: '/data' },
      services: ['coordinator'],
      url: 'http://127.0.0.1:8080',
      bus: { kind: 'jetstream' },
      db: { kind: 'postgres' },
      migrations: { applied: [], alreadyApplied: 3, unknown: [] },
      siblingInstances: [],
      ...over,
    }) as unknown as RunningServices;
  const instance = (pid: number, stoppedAt?: Date) => ({
    id: `i${pid}`,
    name: 'coordinator',
    services: ['coordinator'],
    host: 'vm-1',
    pid,
    startedAt: new Date('2026-12-07T10:00:00Z'),
    lastSeenAt: new Date('2026-12-07T10:05:00Z'),
    stoppedAt,
  });

  it('names a crashed predecessor with when it was last seen, and live replicas apart from it', () => {
    const lines = startupSummary(
      running({ previousInstance: instance(41), siblingInstances: [instance(42), instance(43)] }),
      {},
    );
    expect(lines).toContain(
      '  last run  started 2026-12-07T10:00:00.000Z (pid 41) and did not stop cleanly: it crashed or was killed (last seen 2026-12-07T10:05:00.000Z)',
    );
    expect(lines).toContain('  replicas  2 more of this process running on this host (pid 42, 43)');
  });

  it('says nothing of a crash when the only other start is a live replica', () => {
    const lines = startupSummary(running({ siblingInstances: [instance(42)] }), {}).join('\n');
    expect(lines).not.toMatch(/did not stop cleanly/);
    expect(lines).toMatch(/1 more of this process running/);
  });
});
