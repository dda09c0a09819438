/** Turns per-item answers of a finished vendor batch into the job's snapshot. */
import type { BatchItemResult } from '@agentflow/contracts';
import type { JobSnapshot } from '../jobs/job-provider';
import type { TokenCounts } from '../providers/chat-provider';

/**
 * `finished` when at least one item succeeded (the rest carry their own status for their steps);
 * otherwise `expired` when the vendor's window ran out, else `failed`. Items the vendor never
 * reported (a batch that expired before reaching them) are added as `expired`.
 */
export function batchSnapshot(
  vendorStatus: string,
  customIds: string[],
  items: BatchItemResult[],
  expired: boolean,
): JobSnapshot {
  const seen = new Set(items.map((i) => i.customId));
  const zero = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  const all = [
    ...items,
    ...customIds
      .filter((id) => !seen.has(id))
      .map((customId): BatchItemResult => ({
        customId,
        status: expired ? 'expired' : 'errored',
        error: expired
          ? 'the batch expired before this request ran'
          : 'the vendor returned no result for this request',
        usage: zero,
        costUsd: 0,
      })),
  ];
  const usage: TokenCounts = { ...zero };
  let costUsd = 0;
  for (const i of all) {
    usage.inputTokens += i.usage.inputTokens;
    usage.outputTokens += i.usage.outputTokens;
    usage.cacheReadTokens += i.usage.cacheReadTokens;
    usage.cacheWriteTokens += i.usage.cacheWriteTokens;
    costUsd += i.costUsd;
  }
  costUsd = Math.round(costUsd * 1e9) / 1e9;
  const succeeded = all.filter((i) => i.status === 'succeeded').length;
  const state = succeeded > 0 ? 'finished' : all.some((i) => i.status === 'expired') ? 'expired' : 'failed';
  const reason =
    state === 'finished'
      ? undefined
      : `no request of the batch succeeded (${all.map((i) => `${i.customId}: ${i.status}${i.error ? ` (${i.error})` : ''}`).join('; ')})`;
  return { state, vendorStatus, outcome: { items: all }, usage, costUsd, ...(reason ? { reason } : {}) };
}
