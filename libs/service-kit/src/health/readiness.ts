/**
 * What `/ready` asks: each dependency answers in time, and the process is not shutting down (so a
 * load balancer stops sending work before the listener closes).
 */

/** One dependency check: resolves to undefined when healthy, or to the reason it is not. */
export type ReadinessCheck = () => Promise<string | undefined>;

export interface ReadinessReport {
  ready: boolean;
  /** `name: reason` for every failing check. */
  reasons: string[];
  /** `name: note` for every note that has something to say; notes never make the process unready. */
  notes?: string[];
}

/** Longest a check may take before it counts as failed: probes have short timeouts. */
const CHECK_TIMEOUT_MS = 2000;

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private stopping = false;

  private readonly notes = new Map<string, ReadinessCheck>();

  add(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /**
   * A remark `/ready` lists under `notes` without failing (a service running degraded on purpose,
   * e.g. the gateway with models turned off): what an operator should see, not what should stop traffic.
   */
  note(name: string, note: ReadinessCheck): void {
    this.notes.set(name, note);
  }

  /** From now on `/ready` answers 503: the process is draining. */
  markShuttingDown(): void {
    this.stopping = true;
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  async report(): Promise<ReadinessReport> {
    if (this.stopping) return { ready: false, reasons: ['process: shutting down'] };
    const results = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<string>((resolve) => {
          timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS);
        });
        try {
          const reason = await Promise.race([
            check().catch((e: unknown) => (e instanceof Error ? e.message : String(e))),
            timeout,
          ]);
          return reason === undefined ? undefined : `${name}: ${reason}`;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const reasons = results.filter((r): r is string => r !== undefined);
    const notes: string[] = [];
    for (const [name, note] of this.notes) {
      const text = await note().catch(() => undefined);
      if (text) notes.push(`${name}: ${text}`);
    }
    return { ready: reasons.length === 0, reasons, ...(notes.length ? { notes } : {}) };
  }
}
