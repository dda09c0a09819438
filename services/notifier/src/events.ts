/** What reaches the notifier, as one union the sinks switch on. */
import type {
  BudgetThresholdAlert,
  PushFilesCommand,
  RunAlert,
  RunFailed,
  RunProgress,
  RunReport,
} from '@agentflow/contracts';
import { reassessmentKind, type Regated } from './dismissals/regate';

export type NotifierEvent =
  | { kind: 'completed'; report: RunReport }
  | { kind: 'failed'; failure: RunFailed; report: RunReport }
  | { kind: 'progress'; progress: RunProgress }
  | { kind: 'push-files'; command: PushFilesCommand }
  /** A workflow's run-level `notify:` action fired (`af.notify.alert`). */
  | { kind: 'alert'; alert: RunAlert }
  /** A gateway budget crossed a threshold (`af.notify.budget-alert`). */
  | { kind: 'budget-alert'; alert: BudgetThresholdAlert }
  /** Findings of a finished run were dismissed (`finding.dismissed`): its check and summary are judged again. */
  | { kind: 'gate-reassessment'; regated: Regated };

export function runIdOf(event: NotifierEvent): string {
  switch (event.kind) {
    case 'completed':
    case 'failed':
      return event.report.runId;
    case 'progress':
      return event.progress.runId;
    case 'push-files':
      return event.command.runId;
    case 'alert':
      return event.alert.runId;
    case 'gate-reassessment':
      return event.regated.original.runId;
    case 'budget-alert':
      // No run: the budget and its window stand in, so each window's thresholds are their own deliveries.
      return `budget:${event.alert.budget}:${event.alert.period}`;
  }
}

/** The ledger's `kind` column: one idempotent delivery per run and kind (and step, for files and alerts; threshold, for budgets). */
export function ledgerKindOf(event: NotifierEvent): string {
  switch (event.kind) {
    case 'push-files':
      return `push-files:${event.command.stepId}`;
    case 'alert':
      return `alert:${event.alert.code}:${event.alert.stepId ?? '-'}`;
    case 'budget-alert':
      return `budget-alert:${event.alert.threshold}`;
    case 'gate-reassessment':
      return reassessmentKind(event.regated);
    default:
      return event.kind;
  }
}
