/**
 * One line of the cost ledger: who pays (team, repository, project, workflow, run, step), what was
 * called, the tokens as billed, the real cost, and whether the money was waste.
 */
import type { Attribution } from '@agentflow/contracts';
import type { TokenCounts } from '../providers/chat-provider';

/**
 * `none`: useful spend. `retry`: an attempt whose answer was not used. `fallback`: the extra a
 * fallback model cost over what the first choice would have. `superseded`: spent on a run that was
 * cancelled or replaced by a newer push.
 */
export type WasteKind = 'none' | 'retry' | 'fallback' | 'superseded';

export interface LedgerEntry {
  /** Unique per vendor call (`requestId:attemptNo`); the writer inserts idempotently on it. */
  id: string;
  at: string;
  requestId: string;
  attribution: Attribution;
  provider: string;
  model: string;
  usage: TokenCounts;
  costUsd: number;
  /** True for a cache hit (cost 0, recorded for the hit ratio). */
  cached: boolean;
  waste: WasteKind;
  /** The part of `costUsd` that is waste. */
  wasteUsd: number;
  /** Date of the price used, so a later price change does not rewrite history. */
  priceEffectiveFrom?: string;
}
