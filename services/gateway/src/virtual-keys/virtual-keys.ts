/**
 * Virtual keys: what a team or project presents to the HTTP front instead of a vendor key. Only
 * their SHA-256 is kept (in the keys file and in memory), so the file can sit in a repository or a
 * config map without handing out spend. Each key carries the attribution its spend is booked to
 * (team, project: the budgets in gateway.yml apply), the models it may call and its own request
 * rate. Read once at start-up; a lookup is one hash and one map read, nothing over the network.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import picomatch from 'picomatch';
import { parse } from 'yaml';
import { ConfigError, type ProviderTarget, type ProvidersConfig } from '@agentflow/contracts';

/** One virtual key as written in the keys file. */
export interface VirtualKeyConfig {
  /** Shown in the ledger as `http:<name>`. */
  name: string;
  /** Lower-case hex SHA-256 of the key (`agentflow` never stores the key itself). */
  sha256: string;
  /** Budgets with scope `team` apply to this name. */
  team?: string;
  /** Budgets with scope `project` apply to this name. */
  project?: string;
  /** Globs of model names the key may call. @default ['*'] */
  models?: string[];
  /** Requests per minute for this key on this replica; 0 is unlimited. @default 0 */
  requestsPerMinute?: number;
  /** Data class of what this key's callers send; providers not allowed it are skipped. @default 'internal' */
  dataClass?: string;
}

/** The keys file (`GATEWAY_KEYS_FILE`). */
export interface VirtualKeysFile {
  keys: VirtualKeyConfig[];
  /**
   * A model name as clients send it -> the provider chain tried in order. A model without a route
   * goes to every provider that lists it in providers.yml, in file order.
   */
  routes?: Record<string, ProviderTarget[]>;
}

/** A key after checking, with its model matcher compiled. */
export interface VirtualKey {
  readonly name: string;
  readonly team?: string;
  readonly project?: string;
  readonly requestsPerMinute: number;
  readonly dataClass: string;
  allows(model: string): boolean;
}

/** The hex SHA-256 to write in the keys file for a key (`agentflow` prints it for a new key). */
export function hashVirtualKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;

function targetList(
  model: string,
  raw: unknown,
  origin: string,
  providers: ProvidersConfig,
): ProviderTarget[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new ConfigError(`${origin}: routes.${model} must be a non-empty list of { provider, model }`);
  return raw.map((t: unknown, i) => {
    const target = t as Partial<ProviderTarget> | null;
    if (!target || typeof target.provider !== 'string' || typeof target.model !== 'string') {
      throw new ConfigError(`${origin}: routes.${model}[${i}] must be { provider, model }`);
    }
    if (!providers.providers[target.provider]?.models[target.model]) {
      throw new ConfigError(
        `${origin}: routes.${model}[${i}] names ${target.provider}/${target.model}, which providers.yml does not configure`,
      );
    }
    return { provider: target.provider, model: target.model };
  });
}

/** Checks a parsed keys file against the providers config; throws {@link ConfigError} naming the field. */
export function checkVirtualKeysFile(
  raw: unknown,
  origin: string,
  providers: ProvidersConfig,
): VirtualKeyRing {
  const file = (raw ?? {}) as Partial<VirtualKeysFile>;
  if (!Array.isArray(file.keys))
    throw new ConfigError(
      `${origin}: keys must be a list of { name, sha256, team?, project?, models?, requestsPerMinute? }`,
    );
  const keys = file.keys.map((k, i) => {
    const where = `${origin}: keys[${i}]`;
    if (!k || typeof k.name !== 'string' || !k.name) throw new ConfigError(`${where}.name is required`);
    if (typeof k.sha256 !== 'string' || !HEX64.test(k.sha256)) {
      throw new ConfigError(
        `${where}.sha256 must be the lower-case hex SHA-256 of the key (echo -n "$KEY" | sha256sum), never the key itself`,
      );
    }
    const rpm = k.requestsPerMinute ?? 0;
    if (!Number.isInteger(rpm) || rpm < 0)
      throw new ConfigError(`${where}.requestsPerMinute must be a whole number >= 0`);
    if (k.models !== undefined && (!Array.isArray(k.models) || k.models.some((m) => typeof m !== 'string')))
      throw new ConfigError(`${where}.models must be a list of globs`);
    return k;
  });
  const routes = new Map<string, ProviderTarget[]>();
  for (const [model, chain] of Object.entries(file.routes ?? {}))
    routes.set(model, targetList(model, chain, origin, providers));
  return new VirtualKeyRing(keys, routes, providers);
}

/** Reads and checks the keys file. */
export async function loadVirtualKeys(path: string, providers: ProvidersConfig): Promise<VirtualKeyRing> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `GATEWAY_KEYS_FILE=${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); write it as in docs/gateway.md`,
    );
  }
  return checkVirtualKeysFile(parse(text), path, providers);
}

/** Valid keys remembered by what was presented. A ring never changes once built (a new keys file makes a new ring, and a fresh memory). */
const RECENT_KEYS = 4096;

export class VirtualKeyRing {
  private readonly byHash = new Map<string, VirtualKey>();
  private readonly recent = new Map<string, VirtualKey>();
  private readonly defaultChains = new Map<string, ProviderTarget[]>();

  constructor(
    keys: VirtualKeyConfig[],
    private readonly routes: Map<string, ProviderTarget[]>,
    /** The providers config the ring was checked against: the model facts the HTTP front's request limits read. */
    readonly providers: ProvidersConfig,
  ) {
    for (const k of keys) {
      const match = picomatch(k.models?.length ? k.models : ['*'], { dot: true });
      this.byHash.set(k.sha256, {
        name: k.name,
        team: k.team,
        project: k.project,
        requestsPerMinute: k.requestsPerMinute ?? 0,
        dataClass: k.dataClass ?? 'internal',
        allows: (model) => match(model),
      });
    }
    for (const [provider, p] of Object.entries(providers.providers)) {
      if (p.enabled === false) continue;
      for (const model of Object.keys(p.models)) {
        const chain = this.defaultChains.get(model) ?? [];
        chain.push({ provider, model });
        this.defaultChains.set(model, chain);
      }
    }
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The key presented, or undefined when it is unknown. */
  find(presented: string | undefined): VirtualKey | undefined {
    if (!presented) return undefined;
    // A key seen before skips the SHA-256 (one of two hashes per request). Only keys that matched
    // are remembered, so a guess is always hashed: the time taken says nothing about how close it was.
    const seen = this.recent.get(presented);
    if (seen) return seen;
    const key = this.byHash.get(hashVirtualKey(presented));
    if (key) {
      if (this.recent.size >= RECENT_KEYS) this.recent.clear();
      this.recent.set(presented, key);
    }
    return key;
  }

  /** The provider chain for a model name as the client sent it; empty when nothing serves it. */
  chain(model: string): ProviderTarget[] {
    return this.routes.get(model) ?? this.defaultChains.get(model) ?? [];
  }

  /** Every model name a key may call (routes first, then configured models). */
  models(key: VirtualKey): string[] {
    const names = new Set([...this.routes.keys(), ...this.defaultChains.keys()]);
    return [...names].filter((m) => key.allows(m));
  }
}
