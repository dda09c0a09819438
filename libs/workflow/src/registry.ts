import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowPlan } from '@agentflow/contracts';
import { hasErrors, WorkflowConfigError, type Diagnostic } from './diagnostics';
import { loadWorkflowDirectory, type WorkflowProject } from './project';

/** One successfully loaded, immutable set of workflows. A run keeps the plan it started with; a reload never changes a snapshot. */
export interface WorkflowSnapshot {
  /** 1 for the first load, +1 for every accepted change. */
  version: number;
  loadedAt: Date;
  /** sha256 over every file's name and text. */
  fingerprint: string;
  project: WorkflowProject;
}

export interface WorkflowRegistryOptions {
  /** The config directory (a mounted ConfigMap, or the config repository's `workflows/`). */
  dir: string;
  /** Quiet time after the last file event before re-reading. @default 250 */
  debounceMs?: number;
  /** Re-read every so often even without file events, in case a watch was lost. 0 turns it off. @default 30000 */
  pollIntervalMs?: number;
  /** Called after an accepted change, with the new snapshot. */
  onChange?: (snapshot: WorkflowSnapshot) => void;
  /** Called when a change was rejected; the last good snapshot stays in force. */
  onRejected?: (diagnostics: Diagnostic[], kept: WorkflowSnapshot) => void;
}

export type ReloadOutcome =
  | { status: 'unchanged'; snapshot: WorkflowSnapshot }
  | { status: 'changed'; snapshot: WorkflowSnapshot }
  | { status: 'rejected'; snapshot: WorkflowSnapshot; diagnostics: Diagnostic[] };

/**
 * The compiled workflows of a directory, kept current without a restart. It watches the directory
 * itself (a ConfigMap update swaps the `..data` symlink, so the files change without an event on
 * them), waits until events stop for `debounceMs`, re-reads everything, and swaps the whole set
 * at once. A change with any error is rejected as a whole: the last good set stays and the
 * problems are reported through `onRejected` and {@link problems}.
 */
export class WorkflowRegistry {
  private snapshot: WorkflowSnapshot;
  private lastProblems: Diagnostic[] = [];
  private watcher?: FSWatcher;
  private timer?: ReturnType<typeof setTimeout>;
  private poller?: ReturnType<typeof setInterval>;
  private closed = false;

  private constructor(
    private readonly options: WorkflowRegistryOptions,
    first: WorkflowSnapshot,
  ) {
    this.snapshot = first;
    this.lastProblems = first.project.diagnostics;
  }

  /** Loads the directory and starts watching it. Throws {@link WorkflowConfigError} when the first load is invalid. */
  static open(options: WorkflowRegistryOptions): WorkflowRegistry {
    const fingerprint = fingerprintOf(options.dir);
    const project = loadWorkflowDirectory(options.dir);
    if (hasErrors(project.diagnostics))
      throw new WorkflowConfigError(project.diagnostics, `workflows in ${options.dir} are invalid`);
    const registry = new WorkflowRegistry(options, {
      version: 1,
      loadedAt: new Date(),
      fingerprint,
      project,
    });
    registry.startWatching();
    return registry;
  }

  /** The set in force now. */
  current(): WorkflowSnapshot {
    return this.snapshot;
  }

  get plans(): readonly WorkflowPlan[] {
    return this.snapshot.project.plans;
  }

  /** Warnings of the set in force, or the errors of the last rejected change. */
  problems(): Diagnostic[] {
    return this.lastProblems;
  }

  /** Re-reads the directory now; swaps the set when it changed and is valid. */
  reload(): ReloadOutcome {
    const fingerprint = fingerprintOf(this.options.dir);
    if (fingerprint === this.snapshot.fingerprint) return { status: 'unchanged', snapshot: this.snapshot };
    const project = loadWorkflowDirectory(this.options.dir);
    if (hasErrors(project.diagnostics)) {
      this.lastProblems = project.diagnostics;
      this.options.onRejected?.(project.diagnostics, this.snapshot);
      return { status: 'rejected', snapshot: this.snapshot, diagnostics: project.diagnostics };
    }
    this.snapshot = { version: this.snapshot.version + 1, loadedAt: new Date(), fingerprint, project };
    this.lastProblems = project.diagnostics;
    this.options.onChange?.(this.snapshot);
    return { status: 'changed', snapshot: this.snapshot };
  }

  /** Stops watching. The last snapshot stays readable. */
  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearTimeout(this.timer);
    if (this.poller) clearInterval(this.poller);
  }

  private startWatching(): void {
    if (this.closed) return;
    try {
      this.watcher = watch(this.options.dir, { persistent: false }, () => this.schedule());
      // A watch can die (the directory replaced, inotify limits); fall back to the poller and retry.
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
        setTimeout(() => this.startWatching(), 1000).unref();
      });
    } catch {
      setTimeout(() => this.startWatching(), 1000).unref();
    }
    const poll = this.options.pollIntervalMs ?? 30_000;
    if (poll > 0 && !this.poller) {
      this.poller = setInterval(() => this.safeReload(), poll);
      this.poller.unref();
    }
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.safeReload(), this.options.debounceMs ?? 250);
    this.timer.unref();
  }

  private safeReload(): void {
    if (this.closed) return;
    try {
      this.reload();
    } catch (error) {
      // An I/O error mid-swap (a file vanished between listing and reading): keep the set, retry on the next event.
      const problem: Diagnostic = {
        file: this.options.dir,
        line: 1,
        col: 1,
        severity: 'error',
        message: `reload failed: ${(error as Error).message}`,
      };
      this.lastProblems = [problem];
      this.options.onRejected?.([problem], this.snapshot);
    }
  }
}

/** sha256 over the names and texts of the directory's YAML files (following symlinks). */
function fingerprintOf(dir: string): string {
  const hash = createHash('sha256');
  let names: string[] = [];
  try {
    names = readdirSync(dir)
      .filter((n) => !n.startsWith('.') && /\.ya?ml$/i.test(n))
      .sort();
  } catch (error) {
    hash.update(`unreadable:${(error as NodeJS.ErrnoException).code}`);
  }
  for (const name of names) {
    hash.update(name).update('\0');
    try {
      hash.update(readFileSync(join(dir, name)));
    } catch (error) {
      hash.update(`unreadable:${(error as NodeJS.ErrnoException).code}`);
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}
