/**
 * The global "rules only" switch: when on, no request reaches any vendor (the agents fall back to
 * the deterministic analysers). It changes without a deploy through the KV key `policy.rules-only`
 * (`agentflow`'s operators or a script put `true`/`false`) or the `rulesOnly:` line of the
 * security-owned policy file, which is watched. Either one turning it on is enough.
 */
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import type { KeyValueStore } from '@agentflow/bus';
import { NeverSentPaths, parsePolicyList } from './never-sent';

export const RULES_ONLY_KEY = 'policy.rules-only';

export class PolicyState {
  private fromKv = false;
  private fromFile = false;
  private paths: NeverSentPaths;
  private stopKv: (() => void) | null = null;
  private watcher: FSWatcher | null = null;

  constructor(
    private readonly configured: { neverSent: string[]; rulesOnly: boolean },
    private readonly policyFile: string | undefined,
    private readonly onError: (e: unknown) => void = () => undefined,
  ) {
    this.paths = new NeverSentPaths(configured.neverSent);
    this.reloadFile();
  }

  get rulesOnly(): boolean {
    return this.configured.rulesOnly || this.fromKv || this.fromFile;
  }

  get neverSent(): NeverSentPaths {
    return this.paths;
  }

  /** Follows the KV switch and the policy file. */
  async start(kv: KeyValueStore | null): Promise<void> {
    if (kv) {
      this.stopKv = await kv.watch(
        (entry) => {
          this.fromKv = entry.operation === 'PUT' && new TextDecoder().decode(entry.value).trim() === 'true';
        },
        { key: RULES_ONLY_KEY, includeHistory: true },
      );
    }
    if (this.policyFile) {
      try {
        this.watcher = watch(this.policyFile, { persistent: false }, () => this.reloadFile());
      } catch (e) {
        this.onError(e);
      }
    }
  }

  stop(): void {
    this.stopKv?.();
    this.watcher?.close();
  }

  /** Re-reads the policy file; a broken file keeps the last good list (and says so). */
  reloadFile(): void {
    if (!this.policyFile) return;
    try {
      const doc = parsePolicyList(readFileSync(this.policyFile, 'utf8'));
      this.paths = new NeverSentPaths([...this.configured.neverSent, ...doc.neverSent]);
      this.fromFile = doc.rulesOnly === true;
    } catch (e) {
      this.onError(e);
    }
  }
}

/** Whether a provider may receive a data class. */
export function allowsDataClass(providerClasses: readonly string[], dataClass: string): boolean {
  return providerClasses.includes(dataClass);
}
