/**
 * The model gateway of a `batch: true` step: its model calls go to the vendor's Batch API (half
 * price, answered within the vendor's window instead of seconds) as one gateway job, and each
 * caller gets its own answer back as a `GatewayResponse`, so the agent parses, places and merges
 * it like any other. Calls made together (a review's chunks) are gathered into one batch: the
 * batch is launched once no new call has come for `gatherMs`.
 *
 * The step's provider chain is the fallback order: the batch goes to the first provider with a
 * Batch API that accepts it. A spent budget or a vendor that is down at submit time defers the
 * step (the coordinator retries it later); a policy refusal fails it. When no provider in the
 * chain has a Batch API at all, the calls are made live through the normal gateway, at full price.
 */
import type {
  AgentTask,
  BatchItem,
  BatchItemResult,
  GatewayRequest,
  GatewayResponse,
  JobFinished,
  JobLaunch,
  PlanStep,
  ProviderAttempt,
  ProviderTarget,
} from '@agentflow/contracts';
import { TaskCancelledError, type ModelGateway } from '../gateway/model-gateway';
import type { JobChannel } from './job-channel';
import { JOB_ERROR_CODES } from './job-outcome';
import type { JobStepKinds } from './job-step-kinds';

export interface BatchGatewayOptions {
  channel: JobChannel;
  kinds: JobStepKinds;
  /** The step's live gateway, for chains with no Batch API. */
  live: ModelGateway;
  task: AgentTask;
  /** Called once a batch is launched and the step only waits for it (its worker slot can be lent out). */
  onWaiting?: () => void;
  /** Quiet time after the last call before the gathered calls are launched. @default 50 */
  gatherMs?: number;
  /** When a vendor could not take the batch, how long the step waits before it is tried again. @default 60000 */
  unavailableRetryMs?: number;
  now?: () => number;
}

interface PendingCall {
  request: GatewayRequest;
  resolve(response: GatewayResponse): void;
  reject(error: unknown): void;
}

/** Launch refusals that mean "this provider cannot take a batch now, try the next one". */
const NEXT_PROVIDER = new Set(['unknown_provider', 'vendor_error', 'policy_denied', 'gateway_unavailable']);
const ZERO_USAGE = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

export class BatchModelGateway implements ModelGateway {
  /**
   * Callers should make every call of the step at once: calls are gathered, not answered one by
   * one. False when the step's chain has no Batch API: its calls then go live, paced as usual.
   */
  readonly gathers: boolean;
  private pending: PendingCall[] = [];
  private timer: NodeJS.Timeout | undefined;
  private batches = 0;
  private readonly now: () => number;

  constructor(private readonly o: BatchGatewayOptions) {
    this.now = o.now ?? Date.now;
    const chain = (o.task.step as Partial<PlanStep> | undefined)?.providers ?? [];
    this.gathers = chain.length === 0 || chain.some((t) => o.kinds.hasBatchApi(t.provider));
  }

  generate(request: GatewayRequest, signal: AbortSignal): Promise<GatewayResponse> {
    if (signal.aborted)
      return Promise.reject(new TaskCancelledError('the run was cancelled before the model call'));
    return new Promise<GatewayResponse>((resolve, reject) => {
      this.pending.push({ request, resolve, reject });
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.flush(signal), this.o.gatherMs ?? 50);
    });
  }

  private async flush(signal: AbortSignal): Promise<void> {
    const calls = this.pending;
    this.pending = [];
    try {
      const answers = await this.answer(
        calls.map((c) => c.request),
        this.batches++,
        signal,
      );
      calls.forEach((call, i) => call.resolve(answers[i]));
    } catch (error) {
      for (const call of calls)
        call.reject(
          signal.aborted
            ? new TaskCancelledError('the run was cancelled; the batch job was cancelled', { cause: error })
            : error,
        );
    }
  }

  /** One answer per request, in order. Every request of a step carries the step's chain. */
  private async answer(
    requests: GatewayRequest[],
    batchNo: number,
    signal: AbortSignal,
  ): Promise<GatewayResponse[]> {
    const chain = requests[0].providers.filter((t) => this.o.kinds.hasBatchApi(t.provider));
    if (chain.length === 0) return Promise.all(requests.map((r) => this.o.live.generate(r, signal)));
    const attempts: ProviderAttempt[] = [];
    const refusals: string[] = [];
    for (const target of chain) {
      const started = this.now();
      const reply = await this.o.channel.launch(this.launchOf(requests, target, batchNo));
      if (reply.status === 'ok' && reply.jobId) {
        this.o.onWaiting?.();
        const done = await this.o.channel.waitFor(this.o.task.runId, this.o.task.stepId, reply.jobId, signal);
        return requests.map((r, i) => this.fromItem(r, target, done, i, started));
      }
      const code = reply.errorCode ?? 'vendor_error';
      attempts.push({
        provider: target.provider,
        model: target.model,
        outcome: code,
        message: reply.errorMessage,
        durationMs: this.now() - started,
      });
      if (code === 'budget_exceeded') {
        return requests.map((r) =>
          this.unanswered(
            r,
            attempts,
            'deferred',
            'budget_exceeded',
            reply.errorMessage ?? 'the budget has no room for this batch',
            reply.retryAt,
          ),
        );
      }
      refusals.push(code);
      if (!NEXT_PROVIDER.has(code)) break;
    }
    // Every provider with a Batch API refused: deferred when one was only unavailable, failed when policy said no.
    const unavailable = refusals.some((c) => c === 'vendor_error' || c === 'gateway_unavailable');
    const summary = attempts
      .map((a) => `${a.provider}: ${a.outcome}${a.message ? ` (${a.message})` : ''}`)
      .join('; ');
    if (unavailable) {
      return requests.map((r) =>
        this.unanswered(
          r,
          attempts,
          'deferred',
          'all_providers_failed',
          `no Batch API took the batch now: ${summary}`,
          this.now() + (this.o.unavailableRetryMs ?? 60_000),
        ),
      );
    }
    const code = refusals.every((c) => c === 'policy_denied') ? 'policy_denied' : 'all_providers_failed';
    return requests.map((r) =>
      this.unanswered(r, attempts, 'failed', code, `no provider of the step accepted the batch: ${summary}`),
    );
  }

  private launchOf(requests: GatewayRequest[], target: ProviderTarget, batchNo: number): JobLaunch {
    const { task } = this.o;
    const items: BatchItem[] = requests.map((r, i) => ({
      customId: customIdOf(i),
      model: target.model,
      maxTokens: r.maxTokens,
      messages: r.messages,
      ...(r.system !== undefined ? { system: r.system } : {}),
      ...(r.responseSchema ? { responseSchema: r.responseSchema } : {}),
    }));
    const paths = new Map(requests.flatMap((r) => r.paths).map((p) => [`${p.path}\0${p.sha256}`, p]));
    return {
      op: 'launch',
      // Idempotent per task attempt, batch and provider: a redelivered task finds its batch again.
      requestId: `${task.runId}:${task.stepId}:${task.attempt}:batch-${batchNo}:${target.provider}`,
      provider: target.provider,
      batch: items,
      paths: [...paths.values()],
      attribution: requests[0].attribution,
      dataClass: requests[0].dataClass,
      // The gateway stops polling and cancels the batch when the step could no longer use it.
      deadline: task.deadline,
    };
  }

  private fromItem(
    request: GatewayRequest,
    target: ProviderTarget,
    done: JobFinished,
    index: number,
    started: number,
  ): GatewayResponse {
    const vendorMs = Math.max(0, this.now() - started);
    const item: BatchItemResult | undefined = done.outcome?.items?.find(
      (x) => x.customId === customIdOf(index),
    );
    const base = {
      requestId: request.requestId,
      provider: target.provider,
      model: target.model,
      cached: false,
      vendorMs,
    };
    if (item?.status === 'succeeded') {
      return {
        ...base,
        status: 'ok',
        usage: item.usage,
        costUsd: item.costUsd,
        ...(item.text !== undefined ? { text: item.text } : {}),
        ...(item.structured ? { structured: item.structured } : {}),
        attempts: [{ provider: target.provider, model: target.model, outcome: 'ok', durationMs: vendorMs }],
      };
    }
    const state = item?.status ?? done.state;
    const errorCode =
      state === 'expired'
        ? JOB_ERROR_CODES.expired
        : state === 'cancelled'
          ? JOB_ERROR_CODES.cancelled
          : JOB_ERROR_CODES.failed;
    const why = item?.error ?? done.reason ?? `the batch job ${done.jobId} ended ${done.state}`;
    return {
      ...base,
      status: 'failed',
      usage: item?.usage ?? ZERO_USAGE,
      costUsd: item?.costUsd ?? 0,
      errorCode,
      errorMessage: `${target.provider} batch ${done.jobId}, request ${customIdOf(index)}: ${why}`,
      attempts: [
        {
          provider: target.provider,
          model: target.model,
          outcome: errorCode,
          message: why,
          durationMs: vendorMs,
        },
      ],
    };
  }

  private unanswered(
    request: GatewayRequest,
    attempts: ProviderAttempt[],
    status: 'deferred' | 'failed',
    errorCode: string,
    errorMessage: string,
    retryAt?: number,
  ): GatewayResponse {
    return {
      requestId: request.requestId,
      status,
      usage: ZERO_USAGE,
      costUsd: 0,
      cached: false,
      attempts,
      vendorMs: 0,
      errorCode,
      errorMessage,
      ...(retryAt !== undefined ? { retryAt } : {}),
    };
  }
}

/** Vendors accept `[a-zA-Z0-9_-]{1,64}` as a request's id within a batch. */
function customIdOf(index: number): string {
  return `call-${index}`;
}
