/** Test support: throwaway git repositories built from file maps, and a scripted model gateway. */
import type { AgentTask, GatewayRequest, GatewayResponse, PlanStep } from '@agentflow/contracts';
import { FixtureRepo } from '@agentflow/repo';
import type { ModelGateway } from '../gateway/model-gateway';

export { FixtureRepo };

export function planStep(agentType: PlanStep['agentType'], overrides: Partial<PlanStep> = {}): PlanStep {
  return {
    id: agentType,
    phase: 'main',
    agentType,
    agentName: agentType,
    tasks: [],
    dependsOn: [],
    providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-6' }],
    model: { maxTokens: 2048 },
    timeoutMs: 300_000,
    retries: 1,
    batch: false,
    options: {},
    ...overrides,
  };
}

export function agentTask(
  repo: FixtureRepo,
  baseSha: string,
  headSha: string,
  step: PlanStep,
  overrides: Partial<AgentTask> = {},
): AgentTask {
  return {
    runId: 'run-1',
    stepId: step.id,
    attempt: 1,
    agentType: step.agentType,
    tasks: step.tasks,
    change: { platform: 'local', repo: repo.root, headSha, baseSha, pr: 7 },
    step: step as unknown as Record<string, unknown>,
    deadline: Date.now() + 60_000,
    context: {},
    attribution: { team: 'mobile', repo: 'acme/app' },
    dataClass: 'internal',
    ...overrides,
  };
}

export type Script = (
  request: GatewayRequest,
  call: number,
) => Partial<GatewayResponse> | Promise<Partial<GatewayResponse>>;

export function okResponse(request: GatewayRequest, body: Partial<GatewayResponse>): GatewayResponse {
  return {
    requestId: request.requestId,
    status: 'ok',
    provider: request.providers[0].provider,
    model: request.providers[0].model,
    usage: { inputTokens: 100, outputTokens: 50, cacheReadTokens: 0, cacheWriteTokens: 0 },
    costUsd: 0.001,
    cached: false,
    attempts: [],
    vendorMs: 5,
    ...body,
  };
}

/** A gateway whose answers a test scripts; it records every request it received. */
export class ScriptedGateway implements ModelGateway {
  readonly requests: GatewayRequest[] = [];

  constructor(private readonly script: Script) {}

  async generate(request: GatewayRequest, signal: AbortSignal): Promise<GatewayResponse> {
    if (signal.aborted) throw new Error('aborted before the call');
    this.requests.push(request);
    return okResponse(request, await this.script(request, this.requests.length));
  }

  /** Everything the model was sent, system prompt and messages. */
  prompts(): string[] {
    return this.requests.map((r) => `${r.system ?? ''}\n${r.messages.map((m) => m.content).join('\n')}`);
  }
}

export const json = (value: unknown) => ({ text: JSON.stringify(value) });
