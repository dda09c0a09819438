/**
 * A closed-loop load: keeps `inFlight` runs going (a new run is requested as soon as one ends)
 * until `runs` have ended, and records each run's time from its request to its end as the
 * bench's subscriber saw it.
 */
import type { Messenger } from '@agentflow/bus';
import type { AgentTypeId, Topology } from '@agentflow/contracts';
import { buildPlan, buildRunRequest, type StepSpec } from '@agentflow/run-actor';
import type { ReviewFixture } from './fixture';
import { MODEL, type RunEnd } from './stack';

/** Phase 1: four reviews in parallel; phase 2: one step that depends on all of them. */
export const PHASE_1: AgentTypeId[] = ['code-review', 'security', 'architecture-review', 'documentation'];
export const PHASE_2: AgentTypeId = 'test-generation';
/** Vendor calls on a run's critical path: one per phase (each step sends one chunk). */
export const CRITICAL_PATH_CALLS = 2;

export interface LoadResult {
  /** Request-to-end time of each run that completed, ms. */
  durations: number[];
  failed: { runId: string; reason: string }[];
  wallMs: number;
}

export class RunDriver {
  private readonly waiting = new Map<string, (end: RunEnd) => void>();
  private pr = 0;

  constructor(
    private readonly messenger: Messenger,
    private readonly topology: Topology,
    private readonly fixture: ReviewFixture,
  ) {}

  /** Called for every run end seen (a re-published end of a finished run is ignored). */
  ended(end: RunEnd): void {
    const resolve = this.waiting.get(end.runId);
    if (!resolve) return;
    this.waiting.delete(end.runId);
    resolve(end);
  }

  async load(label: string, provider: string, runs: number, inFlight: number): Promise<LoadResult> {
    const result: LoadResult = { durations: [], failed: [], wallMs: 0 };
    let next = 0;
    const started = Date.now();
    const lane = async (): Promise<void> => {
      while (next < runs) {
        next++;
        const end = await this.one(label, provider);
        if (end.ok) result.durations.push(end.durationMs);
        else result.failed.push({ runId: end.runId, reason: end.reason ?? 'unknown' });
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, runs) }, lane));
    result.wallMs = Date.now() - started;
    return result;
  }

  private async one(label: string, provider: string): Promise<RunEnd & { durationMs: number }> {
    // Every run is its own pull request: runs on one PR would supersede each other.
    const pr = ++this.pr;
    const runId = `${label}-${pr}`;
    const step = { providers: [{ provider, model: MODEL }], options: { cache: false }, tasks: ['find_bugs'] };
    const steps: StepSpec[] = [
      ...PHASE_1.map((agentType) => ({ id: agentType, agentType, ...step })),
      { id: PHASE_2, agentType: PHASE_2, dependsOn: [...PHASE_1], ...step },
    ];
    const request = buildRunRequest(runId, buildPlan(steps), {
      change: {
        platform: 'local',
        repo: this.fixture.root,
        pr,
        headSha: 'b'.repeat(40),
        baseSha: 'a'.repeat(40),
      },
      artifacts: [this.fixture.diff],
      attribution: { team: 'mobile', project: 'bench', repo: `bench/pr-${pr}` },
    });
    const ended = new Promise<RunEnd>((resolve) => this.waiting.set(runId, resolve));
    const requestedAt = Date.now();
    await this.messenger.emit(this.topology.subjects.runsRequested, 'run.requested', request, {
      runId,
      msgId: `request:${runId}`,
    });
    const end = await ended;
    return { ...end, durationMs: end.at - requestedAt };
  }
}
