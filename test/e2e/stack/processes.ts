/**
 * Child processes of a test stack: each one leads its own process group, so a stop reaches every
 * process it started too (a service's worker, a shell), and nothing outlives the test file. Every
 * group still alive when the test process exits is SIGKILLed, whatever ended it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

/** What a process printed is kept for failure messages, up to this many characters (the tail). */
const OUTPUT_KEPT = 200_000;

const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous on purpose: at 'exit' no promise runs any more. Covers a failed beforeAll, a
  // timed-out afterAll and a Jest worker torn down early.
  process.on('exit', () => {
    for (const p of live) p.killGroup('SIGKILL');
  });
}

export interface SpawnOptions {
  /** A name for messages and logs, e.g. `coordinator-2`. */
  name: string;
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  /** The output is also written here (kept after the stack stops when a test fails). */
  logFile?: string;
}

export class ManagedProcess {
  readonly name: string;
  private child: ChildProcess | undefined;
  private text = '';
  private log: WriteStream | undefined;
  private exit: Promise<number | null> = Promise.resolve(null);

  constructor(private readonly options: SpawnOptions) {
    this.name = options.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything printed since the last start (stdout and stderr interleaved), the tail only. */
  output(): string {
    return this.text;
  }

  start(): this {
    installExitHook();
    this.text = '';
    this.log ??= this.options.logFile ? createWriteStream(this.options.logFile, { flags: 'a' }) : undefined;
    const child = spawn(this.options.command, this.options.args, {
      cwd: this.options.cwd,
      env: this.options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a signal to -pid reaches everything it started.
      detached: true,
    });
    this.child = child;
    const append = (chunk: Buffer) => {
      const s = chunk.toString('utf8');
      this.text = (this.text + s).slice(-OUTPUT_KEPT);
      this.log?.write(s);
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    live.add(this);
    void this.exit.then(() => {
      if (this.child === child) live.delete(this);
    });
    return this;
  }

  /**
   * Resolves with the first match of `pattern` in the output; rejects when the process exits
   * first or `timeoutMs` passes, with what it printed.
   */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const child = this.child;
    if (!child) throw new Error(`${this.name} was never started`);
    return new Promise((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        child.off('exit', exited);
        fn();
      };
      const check = () => {
        const m = pattern.exec(this.text);
        if (m) done(() => resolve(m));
      };
      const exited = (code: number | null, signal: string | null) =>
        done(() =>
          reject(
            new Error(`${this.name} exited (${signal ?? code}) before printing ${pattern}:\n${this.text}`),
          ),
        );
      const timer = setTimeout(
        () =>
          done(() =>
            reject(new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms:\n${this.text}`)),
          ),
        timeoutMs,
      );
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      child.once('exit', exited);
      check();
    });
  }

  /** Sends `signal` to the whole process group; a group already gone is fine. */
  killGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid || !this.running) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  }

  /**
   * SIGTERM to the group, then SIGKILL after `graceMs`. Resolves with the exit code (null when
   * killed). `graceMs: 0` kills at once (a crash, for the chaos tests).
   */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    if (graceMs <= 0) {
      this.killGroup('SIGKILL');
      return this.exit;
    }
    this.killGroup('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        this.killGroup('SIGKILL');
        resolve(null);
      }, graceMs);
    });
    try {
      const code = await Promise.race([this.exit, forced]);
      await this.exit;
      return code;
    } finally {
      clearTimeout(timer);
      // A group member that outlived its leader (a worker that ignores SIGTERM) goes too.
      this.killGroupMembers();
    }
  }

  private killGroupMembers(): void {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Nothing left.
    }
  }

  /** Closes the log file; the process must have stopped. */
  async closeLog(): Promise<void> {
    const log = this.log;
    this.log = undefined;
    if (log) await new Promise<void>((resolve) => log.end(resolve));
  }
}
