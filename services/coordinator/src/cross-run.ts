/**
 * What the coordinator remembers across runs, in the `runs` bucket next to the run records and
 * changed only by compare-and-set: which run is current in each concurrency group, what the last
 * review of a PR and workflow found, what people dismissed on a PR, who waits for CI on which
 * commit, and cancels that arrived before their run's request.
 */
import { createHash } from 'node:crypto';
import type { KeyValueStore } from '@agentflow/bus';
import type { CiEvent, Finding, RunReport, RunRequested } from '@agentflow/contracts';
import type { PriorReview } from '@agentflow/run-actor';
import { concurrencyKey } from '@agentflow/workflow';
import { mutateJson, readJson } from './kv-cas';

function hashKey(...parts: Array<string | number | undefined>): string {
  return createHash('sha256')
    .update(parts.map((p) => String(p ?? '')).join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}

/** The current run of a concurrency group. */
export interface GroupRecord {
  current: string;
  /** Stream sequence of the current run's request: a request with a lower one is older. */
  currentSeq: number;
  /** The run the current one replaced (its cancel is re-sent if the request is redelivered). */
  previous?: string;
}

/** The last completed review of one PR and workflow. */
export interface ReviewRecord {
  lastReviewedHeadSha: string;
  lastRunId: string;
  lastRunSeq: number;
  /** Findings still open after it (state new or open). */
  openFindings: Finding[];
  updatedAt: number;
}

export interface DismissedRecord {
  fingerprints: string[];
}

/** A cancel that arrived before its run's request (see {@link CrossRunIndex.cancelEarly}). */
export interface EarlyCancelRecord {
  reason: string;
  at: number;
}

export interface CiWaiter {
  runId: string;
  stepId: string;
  attempt: number;
}

/** Who waits for CI on one commit, and the finished CI results already seen for it. */
export interface CiRecord {
  waiters: CiWaiter[];
  events: CiEvent[];
}

/** Outcome of placing a requested run in its concurrency group. */
export interface GroupPlacement {
  supersedes: string[];
  supersededBy?: string;
}

const MAX_DISMISSED = 2000;
const MAX_CI_EVENTS = 20;

export class CrossRunIndex {
  constructor(private readonly kv: KeyValueStore) {}

  /**
   * The group a run belongs to: the plan's `concurrency.group` expanded for the change (the
   * workflow compiler gives PR-triggered workflows `${workflow}:${repo}#${pr}` by default).
   */
  static groupKey(request: RunRequested): string | undefined {
    const { change, plan } = request;
    const group = concurrencyKey(plan, {
      platform: change.platform,
      kind: change.pr === undefined ? 'push' : 'pull_request',
      repo: change.repo,
      ...(change.pr !== undefined ? { pr: change.pr } : {}),
      ...(change.baseRef !== undefined ? { baseBranch: change.baseRef } : {}),
      ...(change.headRef !== undefined ? { headBranch: change.headRef } : {}),
      headSha: change.headSha,
    });
    return group ? `group.${hashKey(change.platform, group)}` : undefined;
  }

  static reviewKey(request: Pick<RunRequested, 'change'> & { plan: { id: string } }): string | undefined {
    const { change } = request;
    return change.pr === undefined
      ? undefined
      : `review.${hashKey(change.platform, change.repo, change.pr, request.plan.id)}`;
  }

  static dismissedKey(platform: string, repo: string, pr: number): string {
    return `dismissed.${hashKey(platform, repo, pr)}`;
  }

  static earlyCancelKey(runId: string): string {
    return `cancelled.${runId}`;
  }

  static ciKey(platform: string, repo: string, headSha: string): string {
    return `ci.${hashKey(platform, repo, headSha)}`;
  }

  /**
   * Makes the run the group's current one, unless a newer request already is. Idempotent: a
   * redelivered request finds itself current and gets the same answer.
   */
  async place(request: RunRequested, requestSeq: number): Promise<GroupPlacement> {
    const key = CrossRunIndex.groupKey(request);
    if (!key) return { supersedes: [] };
    const cancelInProgress = request.plan.concurrency?.cancelInProgress ?? true;
    let placement: GroupPlacement = { supersedes: [] };
    await mutateJson<GroupRecord>(this.kv, key, (group) => {
      if (group?.current === request.runId) {
        placement = { supersedes: group.previous && cancelInProgress ? [group.previous] : [] };
        return undefined;
      }
      if (group && group.currentSeq > requestSeq) {
        placement = cancelInProgress ? { supersedes: [], supersededBy: group.current } : { supersedes: [] };
        return undefined;
      }
      placement = { supersedes: group && cancelInProgress ? [group.current] : [] };
      return {
        current: request.runId,
        currentSeq: requestSeq,
        ...(group ? { previous: group.current } : {}),
      };
    });
    return placement;
  }

  /** The previous review of this PR and workflow and the PR's dismissed fingerprints. */
  async prior(request: RunRequested): Promise<PriorReview> {
    const reviewKey = CrossRunIndex.reviewKey(request);
    if (!reviewKey || request.change.pr === undefined) return { openFindings: [], dismissedFingerprints: [] };
    const [review, dismissed] = await Promise.all([
      readJson<ReviewRecord>(this.kv, reviewKey),
      readJson<DismissedRecord>(
        this.kv,
        CrossRunIndex.dismissedKey(request.change.platform, request.change.repo, request.change.pr),
      ),
    ]);
    return {
      ...(review ? { lastReviewedHeadSha: review.lastReviewedHeadSha } : {}),
      openFindings: review?.openFindings ?? [],
      dismissedFingerprints: dismissed?.fingerprints ?? [],
    };
  }

  /** Records a completed review for the next push; an older run finishing late does not overwrite a newer one. */
  async recordReview(report: RunReport, requestSeq: number, at: number): Promise<void> {
    const key = CrossRunIndex.reviewKey({ change: report.change, plan: { id: report.workflow } });
    if (!key) return;
    const open = report.findings.filter((f) => report.findingStates[f.fingerprint] !== 'fixed');
    await mutateJson<ReviewRecord>(this.kv, key, (current) => {
      if (current && (current.lastRunId === report.runId || current.lastRunSeq > requestSeq))
        return undefined;
      return {
        lastReviewedHeadSha: report.change.headSha,
        lastRunId: report.runId,
        lastRunSeq: requestSeq,
        openFindings: open,
        updatedAt: at,
      };
    });
  }

  async dismiss(platform: string, repo: string, pr: number, fingerprint: string): Promise<void> {
    await mutateJson<DismissedRecord>(this.kv, CrossRunIndex.dismissedKey(platform, repo, pr), (current) => {
      const fingerprints = current?.fingerprints ?? [];
      if (fingerprints.includes(fingerprint)) return undefined;
      return { fingerprints: [...fingerprints, fingerprint].slice(-MAX_DISMISSED) };
    });
  }

  /**
   * Remembers a cancel for a run the coordinator has not seen yet: its request still waits behind a
   * backlog (the PR was closed during an outage). The request then ends the run at once. Written
   * only for unknown runs, so the bucket gains a key per such cancel, not per run.
   */
  async cancelEarly(runId: string, reason: string, at: number): Promise<void> {
    await mutateJson<EarlyCancelRecord>(this.kv, CrossRunIndex.earlyCancelKey(runId), (current) =>
      current ? undefined : { reason, at },
    );
  }

  /** The cancel that arrived before this run's request, if any. */
  async earlyCancel(runId: string): Promise<EarlyCancelRecord | undefined> {
    return readJson<EarlyCancelRecord>(this.kv, CrossRunIndex.earlyCancelKey(runId));
  }

  /** Registers a waiter; returns the finished CI results already seen for the commit. */
  async awaitCi(ci: Pick<CiEvent, 'platform' | 'repo' | 'headSha'>, waiter: CiWaiter): Promise<CiEvent[]> {
    const record = await mutateJson<CiRecord>(
      this.kv,
      CrossRunIndex.ciKey(ci.platform, ci.repo, ci.headSha),
      (current) => {
        const waiters = current?.waiters ?? [];
        if (
          waiters.some(
            (w) => w.runId === waiter.runId && w.stepId === waiter.stepId && w.attempt === waiter.attempt,
          )
        )
          return undefined;
        return { waiters: [...waiters, waiter], events: current?.events ?? [] };
      },
    );
    return record?.events ?? [];
  }

  /** Records a finished CI result; returns who waits for it. */
  async ciFinished(event: CiEvent): Promise<CiWaiter[]> {
    const record = await mutateJson<CiRecord>(
      this.kv,
      CrossRunIndex.ciKey(event.platform, event.repo, event.headSha),
      (current) => {
        const events = current?.events ?? [];
        if (events.some((e) => e.name === event.name && e.conclusion === event.conclusion)) return undefined;
        return { waiters: current?.waiters ?? [], events: [...events, event].slice(-MAX_CI_EVENTS) };
      },
    );
    return record?.waiters ?? [];
  }
}
