export * from './service';
export { readNotifierConfig, type NotifierConfig } from './config';
export { NotificationDispatcher, type SinkOutcome } from './dispatcher';
export { DeliveryLedger } from './ledger/delivery-ledger';
export { startNotifierConsumers, notifierConsumers, stopConsumers } from './consumers';
export type { NotifierEvent } from './events';
export * from './sinks';
export { sanitizeMarkdown, stripMentions, stripImages } from './render/markdown';
export { checkConclusion } from './render/conclusion';
export { placeFindings } from './render/placement';
export { GateReassessor } from './dismissals/gate-reassessor';
export {
  ReactionSweep,
  REACTION_SWEEP_MAX_CALLS,
  REACTION_SWEEP_WINDOW_DAYS,
  type SweepResult,
} from './dismissals/reaction-sweep';
export { regate, type Regated, type DismissedFinding } from './dismissals/regate';
