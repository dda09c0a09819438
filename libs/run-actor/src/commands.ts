/**
 * What the actor asks the shell to do. Every command carries the deterministic `msgId` it is
 * published with, so publishing it again after a crash is deduplicated by JetStream.
 */
import type {
  AgentTask,
  CiEvent,
  RunAlert,
  RunCancel,
  RunFailed,
  RunProgress,
  RunReport,
  TimerMessage,
} from '@agentflow/contracts';

/** Publish a task on `af.tasks.<agentType>` (msg id `runId:stepId:attempt`). */
export interface PublishTaskCommand {
  type: 'publishTask';
  msgId: string;
  agentType: string;
  task: AgentTask;
}

/** Publish a durable timer on `af.timers.<runId>`. */
export interface StartTimerCommand {
  type: 'startTimer';
  msgId: string;
  timer: TimerMessage;
}

/** Publish a step's state change on `af.runs.<runId>.progress`. */
export interface PublishProgressCommand {
  type: 'publishProgress';
  msgId: string;
  progress: RunProgress;
}

/** A run-level `notify:` action: publish an alert on `af.notify.alert`. */
export interface NotifyCommand {
  type: 'notify';
  msgId: string;
  alert: RunAlert;
}

/**
 * Publish a cancel on `af.runs.<runId>.cancel`: for a run this one supersedes, or for this run's own
 * in-flight agents when it ends early (agents abort their gateway calls on it).
 */
export interface CancelRunCommand {
  type: 'cancelRun';
  msgId: string;
  cancel: RunCancel;
}

/** Register a durable wait for CI on a commit, so a CI event for that head SHA reaches this run. */
export interface AwaitOutsideEventCommand {
  type: 'awaitOutsideEvent';
  msgId: string;
  runId: string;
  stepId: string;
  attempt: number;
  ci: Pick<CiEvent, 'platform' | 'repo' | 'headSha'>;
}

/** Publish the report once, on `af.runs.<runId>.completed`, and record the review for the next push. */
export interface CompleteRunCommand {
  type: 'completeRun';
  msgId: string;
  report: RunReport;
}

/** Publish `run.failed` once, on `af.runs.<runId>.failed`, with the reason and the partial report. */
export interface FailRunCommand {
  type: 'failRun';
  msgId: string;
  failure: RunFailed;
}

export type RunCommand =
  | PublishTaskCommand
  | StartTimerCommand
  | PublishProgressCommand
  | NotifyCommand
  | CancelRunCommand
  | AwaitOutsideEventCommand
  | CompleteRunCommand
  | FailRunCommand;

/** The end of a run, whether completed or failed, shares one msg id: a run ends exactly once. */
export function runEndMsgId(runId: string): string {
  return `${runId}:end`;
}
