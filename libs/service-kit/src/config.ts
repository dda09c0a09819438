/**
 * The runtime's own configuration, read from the environment once at start-up and validated
 * before anything connects. This is the only place in the kit that looks at environment
 * variables; services read theirs from `ServiceContext.env` in their `module()`.
 */
import { ConfigError } from '@agentflow/contracts';
import { DEFAULT_DATA_DIR } from '@agentflow/store';
import { isAbsolute, resolve } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

export interface KitConfig {
  /** `PORT`: the one HTTP listener. @default 3000 */
  port: number;
  /** `HOST`: interface to listen on. @default 0.0.0.0 (every interface, as a container needs) */
  host: string;
  /** `NATS_URL`: JetStream when set (comma-separated servers), the embedded bus when not. */
  natsUrl?: string;
  /** `DATABASE_URL`: PostgreSQL when set, PGlite in {@link dataDir} when not. */
  databaseUrl?: string;
  /** `DATABASE_SCHEMA`: schema holding every table. @default public */
  databaseSchema?: string;
  /** `DATABASE_POOL_SIZE`: PostgreSQL connections per process. @default 10 */
  databasePoolSize: number;
  /** `AGENTFLOW_DATA_DIR`, absolute: PGlite and embedded-bus state. @default `.agentflow/data` under the working directory */
  dataDir: string;
  /** `AGENTFLOW_BUS_PREFIX`: prefix of every subject, stream and bucket. @default af */
  busPrefix: string;
  /** `SHUTDOWN_TIMEOUT_MS`: the whole graceful shutdown must end within this, or the process exits 1. @default 8000 */
  shutdownTimeoutMs: number;
  /** `LOG_LEVEL`: fatal, error, warn, info, debug, trace or silent. @default info */
  logLevel: string;
  /** `HTTP_BODY_LIMIT`: largest request body in bytes (webhook payloads can be large). @default 26214400 (25 MiB, GitHub's cap) */
  bodyLimit: number;
  /**
   * `AGENTFLOW_SECRETS_POLL_MS`: how often mounted secret files are checked for a rotation
   * (`AGENTFLOW_SECRETS_DIR`, default /var/run/secrets/agentflow); 0 turns the check off.
   * @default 30000
   */
  secretsPollMs: number;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number, hint: string): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `${name}=${JSON.stringify(raw)} is not valid: ${hint} (a whole number from ${min} to ${max}); unset it to use ${fallback}`,
    );
  }
  return value;
}

function url(env: Env, name: string, protocols: string[], example: string): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) return undefined;
  for (const part of raw.split(',').map((s) => s.trim())) {
    let parsed: URL;
    try {
      parsed = new URL(part);
    } catch {
      throw new ConfigError(
        `${name} is not a valid URL (${protocols.join(' or ')}); set it like ${example}, or unset it`,
      );
    }
    if (!protocols.includes(parsed.protocol.replace(/:$/, ''))) {
      throw new ConfigError(
        `${name} uses ${parsed.protocol}// but must be ${protocols.map((p) => `${p}://`).join(' or ')}; set it like ${example}, or unset it`,
      );
    }
  }
  return raw;
}

/**
 * Reads and validates the kit's variables. Throws {@link ConfigError} naming the first bad
 * variable and what to do about it; never connects anywhere.
 */
export function readKitConfig(env: Env, cwd: string = process.cwd()): KitConfig {
  const dataDirRaw = text(env, 'AGENTFLOW_DATA_DIR') ?? DEFAULT_DATA_DIR;
  const schema = text(env, 'DATABASE_SCHEMA');
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError(
      `DATABASE_SCHEMA=${JSON.stringify(schema)} is not a plain identifier; use lower-case letters, digits and _, or unset it for public`,
    );
  }
  const prefix = text(env, 'AGENTFLOW_BUS_PREFIX') ?? 'af';
  if (!/^[a-z][a-z0-9_-]{0,31}$/.test(prefix)) {
    throw new ConfigError(
      `AGENTFLOW_BUS_PREFIX=${JSON.stringify(prefix)} is not valid; use lower-case letters, digits, _ and - (starting with a letter), or unset it for af`,
    );
  }
  const logLevel = (text(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(
      `LOG_LEVEL=${JSON.stringify(logLevel)} is not one of ${LOG_LEVELS.join(', ')}; unset it for info`,
    );
  }
  return {
    port: integer(env, 'PORT', 3000, 0, 65535, 'the HTTP port to listen on'),
    host: text(env, 'HOST') ?? '0.0.0.0',
    natsUrl: url(env, 'NATS_URL', ['nats', 'tls', 'ws', 'wss'], 'nats://127.0.0.1:4222'),
    databaseUrl: url(
      env,
      'DATABASE_URL',
      ['postgres', 'postgresql'],
      'postgres://agentflow@127.0.0.1:5432/agentflow',
    ),
    databaseSchema: schema,
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000, 'PostgreSQL connections per process'),
    dataDir: isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw),
    busPrefix: prefix,
    shutdownTimeoutMs: integer(
      env,
      'SHUTDOWN_TIMEOUT_MS',
      8000,
      100,
      600_000,
      'milliseconds the graceful shutdown may take',
    ),
    logLevel,
    bodyLimit: integer(
      env,
      'HTTP_BODY_LIMIT',
      25 * 1024 * 1024,
      1024,
      1024 * 1024 * 1024,
      'the largest request body in bytes',
    ),
    secretsPollMs: integer(
      env,
      'AGENTFLOW_SECRETS_POLL_MS',
      30_000,
      0,
      86_400_000,
      'milliseconds between checks of the mounted secret files',
    ),
  };
}
