/**
 * Secrets from mounted files as well as from the environment, for every secret agentflow reads.
 * In Kubernetes each pod gets only its own Secrets, projected as files into one directory
 * (`/var/run/secrets/agentflow`, k8s/base); the kubelet replaces those files when a Secret is
 * rotated, so values are read through {@link SecretFiles.get}, which re-reads a file when it
 * changed, and {@link SecretFiles.watch} says when one did.
 *
 * A variable comes from, first to last: the environment (`NAME`), the file named by `NAME_FILE`,
 * then `<dir>/<name-in-kebab-case>` (DATABASE_URL -> database-url) or `<dir>/NAME`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

/** Where the pods mount their secrets unless `AGENTFLOW_SECRETS_DIR` says otherwise. */
export const DEFAULT_SECRETS_DIR = '/var/run/secrets/agentflow';

/**
 * Which variables may come from a file: the ones that hold credentials or addresses with
 * credentials in them. Anything else (NODE_OPTIONS, PORT) is configuration and stays in the
 * environment, so a mounted directory can never change how the process runs.
 */
const SECRET_VARIABLE = /^[A-Z][A-Z0-9_]*_(KEY|TOKEN|TOKENS|SECRET|SECRETS|PASSWORD|URL|ID)$/;

export function isSecretVariable(name: string): boolean {
  return SECRET_VARIABLE.test(name) && !name.endsWith('_FILE');
}

/** DATABASE_URL -> database-url: the key of a Kubernetes Secret, and the file it projects to. */
export function secretFileName(variable: string): string {
  return variable.toLowerCase().replace(/_/g, '-');
}

/** Where one variable's value came from; never the value itself. */
export type SecretOrigin = { kind: 'env' } | { kind: 'file'; path: string };

interface FileState {
  path: string;
  /** `inode:mtimeMs:size` of the file when last read: the kubelet's swap to new files changes the inode. */
  stamp: string;
  value: string;
}

export interface SecretFilesOptions {
  /** @default env.AGENTFLOW_SECRETS_DIR or {@link DEFAULT_SECRETS_DIR} */
  dir?: string;
  readFile?: (path: string) => string;
  /** `inode:mtimeMs:size`, or undefined when there is no file. */
  stamp?: (path: string) => string | undefined;
}

export class SecretFiles {
  readonly dir: string;
  private readonly readFile: (path: string) => string;
  private readonly stampOf: (path: string) => string | undefined;
  private readonly files = new Map<string, FileState>();
  private readonly listeners = new Set<(variables: string[]) => void>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly env: Env,
    options: SecretFilesOptions = {},
  ) {
    this.dir = options.dir ?? (env.AGENTFLOW_SECRETS_DIR || DEFAULT_SECRETS_DIR);
    this.readFile = options.readFile ?? ((p) => readFileSync(p, 'utf8'));
    this.stampOf = options.stamp ?? statStamp;
  }

  /**
   * The environment with every secret variable that it leaves unset filled from its file: what
   * services read at start-up. Values set in the environment win, so nothing changes for a
   * deployment that sets them there.
   */
  resolveEnv(names: Iterable<string> = this.knownVariables()): Record<string, string | undefined> {
    const resolved: Record<string, string | undefined> = { ...this.env };
    for (const name of names) {
      if (resolved[name]) continue;
      const value = this.get(name);
      if (value !== undefined) resolved[name] = value;
    }
    return resolved;
  }

  /** The current value: the environment's, else the file's as it is now (re-read when it changed). */
  get(variable: string): string | undefined {
    if (this.env[variable]) return this.env[variable];
    const state = this.read(variable);
    return state?.value;
  }

  /** Where the value comes from, for start-up lines and `agentflow doctor`. */
  origin(variable: string): SecretOrigin | undefined {
    if (this.env[variable]) return { kind: 'env' };
    const state = this.read(variable);
    return state ? { kind: 'file', path: state.path } : undefined;
  }

  /**
   * Checks the files every `intervalMs` and calls `onChange` with the variables whose file
   * changed (a rotation). Polling, not inotify: the kubelet swaps a `..data` symlink, which
   * raises no event on the files themselves. Returns a stop function; the timer does not keep
   * the process alive.
   */
  watch(intervalMs: number, onChange: (variables: string[]) => void): () => void {
    this.listeners.add(onChange);
    if (!this.timer && intervalMs > 0) {
      this.timer = setInterval(() => this.poll(), intervalMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(onChange);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** One check of every file read so far; exposed for tests and for a reload on demand. */
  poll(): string[] {
    const changed: string[] = [];
    for (const [variable, before] of [...this.files]) {
      // A new stamp with the same value (a re-sync by the kubelet) is no rotation.
      if (this.read(variable)?.value !== before.value) changed.push(variable);
    }
    if (changed.length > 0) for (const listener of this.listeners) listener(changed);
    return changed;
  }

  /** Variables with a file in the directory, plus those named by `NAME_FILE`. */
  private knownVariables(): string[] {
    const names = new Set<string>();
    for (const key of Object.keys(this.env)) {
      if (key.endsWith('_FILE') && isSecretVariable(key.slice(0, -5))) names.add(key.slice(0, -5));
    }
    for (const entry of listDir(this.dir)) {
      const variable = entry.replace(/-/g, '_').toUpperCase();
      if (/^[a-z0-9]+(-[a-z0-9]+)*$/.test(entry) || /^[A-Z0-9_]+$/.test(entry)) {
        if (isSecretVariable(variable)) names.add(variable);
      }
    }
    return [...names];
  }

  private read(variable: string): FileState | undefined {
    if (!isSecretVariable(variable)) return undefined;
    const cached = this.files.get(variable);
    for (const path of this.candidates(variable)) {
      const stamp = this.stampOf(path);
      if (stamp === undefined) continue;
      if (cached && cached.path === path && cached.stamp === stamp) return cached;
      let value: string;
      try {
        value = this.readFile(path).trim();
      } catch {
        continue;
      }
      if (!value) continue;
      const state = { path, stamp, value };
      this.files.set(variable, state);
      return state;
    }
    this.files.delete(variable);
    return undefined;
  }

  private candidates(variable: string): string[] {
    const named = this.env[`${variable}_FILE`];
    return [...(named ? [named] : []), join(this.dir, secretFileName(variable)), join(this.dir, variable)];
  }
}

function statStamp(path: string): string | undefined {
  try {
    const s = statSync(path);
    return s.isFile() ? `${s.ino}:${s.mtimeMs}:${s.size}` : undefined;
  } catch {
    return undefined;
  }
}

function listDir(dir: string): string[] {
  try {
    // Hidden entries are the kubelet's own (`..data`, `..2026_12_07...`).
    return readdirSync(dir).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
}
