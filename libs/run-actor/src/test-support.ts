/**
 * Small helpers to drive the actor in tests and replays: results as an agent would send them, and
 * a fold over an event sequence.
 */
import type { AgentResult, Finding } from '@agentflow/contracts';
import type { RunActor, Transition } from './actor';
import type { RunCommand } from './commands';
import type { RunEvent } from './events';
import type { RunState } from './state';

export function buildFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    file: 'App/Sources/Login/LoginViewModel.swift',
    startLine: 10,
    endLine: 12,
    severity: 'major',
    category: 'bug',
    message: 'Force unwrap of an optional that can be nil',
    confidence: 0.9,
    agent: 'code-review',
    model: 'claude-sonnet-4-5',
    source: 'model',
    fingerprint: '',
    promptVersion: 'code-review@3',
    ...overrides,
  };
}

export function buildResult(
  runId: string,
  stepId: string,
  attempt: number,
  overrides: Partial<AgentResult> = {},
): AgentResult {
  return {
    runId,
    stepId,
    attempt,
    agentType: 'code-review',
    status: 'succeeded',
    findings: [],
    notReviewed: [],
    usage: {
      inputTokens: 1000,
      outputTokens: 200,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      costUsd: 0.01,
      vendorMs: 1500,
      models: ['claude-sonnet-4-5'],
    },
    ...overrides,
  } as AgentResult;
}

export interface Replayed {
  state: RunState | undefined;
  /** Commands of every applied event, in order. */
  commands: RunCommand[];
  /** One transition per event. */
  transitions: Transition[];
}

/** Applies events in order, as the shell would, from no state. */
export function replay(actor: RunActor, events: RunEvent[], from?: RunState): Replayed {
  let state = from;
  const commands: RunCommand[] = [];
  const transitions: Transition[] = [];
  for (const event of events) {
    const t = actor.apply(state, event);
    transitions.push(t);
    if (!t.ignored) {
      state = t.state;
      commands.push(...t.commands);
    }
  }
  return { state, commands, transitions };
}
