/**
 * A request's limits, checked against each target's model facts (providers.yml: `contextWindow`,
 * `maxOutputTokens`) before any budget is reserved or any vendor is called. A target that cannot
 * take the request (its maximum output is below `max_tokens`, or the prompt alone is larger than
 * its context window) is skipped, and the answer says which and why; when no target is left the
 * request is refused with a 400 in the vendor's words, as the vendor itself would refuse it.
 */
import type { ProviderTarget, ProvidersConfig } from '@agentflow/contracts';
import type { ClientCall, Dialect, FrontError } from './dialect';

/** A target left out of the chain, and why (in the `x-agentflow-skipped` header). */
export interface SkippedTarget {
  target: ProviderTarget;
  reason: string;
  /** What the vendor would have said, in its own words: the 400 when no target is left. */
  refusal: FrontError;
}

export interface FittedChain {
  targets: ProviderTarget[];
  skipped: SkippedTarget[];
  /** The prompt's size as counted here (a lower bound, see {@link promptTokensAtLeast}). */
  promptTokens: number;
}

/**
 * Tokens the prompt has at least: one per four characters. Tokenisers give more tokens than that
 * for code and most prose (about 3.5 characters a token), rarely fewer, so a prompt refused on
 * this count is too large for certain; one that passes may still be refused by the vendor, and
 * the pipeline falls back to a larger window then. An upper-bound estimate would refuse prompts
 * that fit.
 */
export function promptTokensAtLeast(call: Pick<ClientCall, 'system' | 'messages'>): number {
  let chars = call.system?.length ?? 0;
  for (const m of call.messages) chars += m.content.length;
  return Math.floor(chars / 4);
}

export class RequestLimits {
  constructor(private readonly providers: ProvidersConfig) {}

  /** The chain without the targets that cannot take `call`. */
  fit(chain: ProviderTarget[], call: ClientCall, dialect: Dialect): FittedChain {
    const promptTokens = promptTokensAtLeast(call);
    const targets: ProviderTarget[] = [];
    const skipped: SkippedTarget[] = [];
    for (const target of chain) {
      const facts = this.providers.providers[target.provider]?.models[target.model];
      // A target the config does not describe is the pipeline's to refuse (it says so per attempt).
      if (!facts) {
        targets.push(target);
        continue;
      }
      const maxOutput = facts.maxOutputTokens;
      if (maxOutput !== undefined && call.maxTokens > maxOutput) {
        skipped.push({
          target,
          reason: `max_tokens ${call.maxTokens} is above the model's maximum output of ${maxOutput}`,
          refusal: maxTokensRefusal(dialect, call, target.model, maxOutput),
        });
        continue;
      }
      if (promptTokens > facts.contextWindow) {
        skipped.push({
          target,
          reason: `the prompt (at least ${promptTokens} tokens) is larger than the context window of ${facts.contextWindow}`,
          refusal: contextRefusal(dialect, call, promptTokens, facts.contextWindow),
        });
        continue;
      }
      targets.push(target);
    }
    return { targets, skipped, promptTokens };
  }
}

/** The `x-agentflow-skipped` header: `provider/model: reason; ...`, kept short and header-safe. */
export function skippedHeader(skipped: SkippedTarget[]): string {
  return skipped
    .map((s) => `${s.target.provider}/${s.target.model}: ${s.reason}`)
    .join('; ')
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 2000);
}

function maxTokensRefusal(dialect: Dialect, call: ClientCall, model: string, maxOutput: number): FrontError {
  if (dialect.name === 'anthropic') {
    return {
      kind: 'invalid_request',
      message: `max_tokens: ${call.maxTokens} > ${maxOutput}, which is the maximum allowed number of output tokens for ${model}`,
      param: 'max_tokens',
    };
  }
  return {
    kind: 'invalid_request',
    param: 'max_tokens',
    code: 'invalid_value',
    message: `max_tokens is too large: ${call.maxTokens}. This model supports at most ${maxOutput} completion tokens, whereas you provided ${call.maxTokens}.`,
  };
}

function contextRefusal(
  dialect: Dialect,
  call: ClientCall,
  promptTokens: number,
  window: number,
): FrontError {
  if (dialect.name === 'anthropic') {
    return {
      kind: 'invalid_request',
      message: `prompt is too long: at least ${promptTokens} tokens > ${window} maximum`,
    };
  }
  return {
    kind: 'invalid_request',
    param: 'messages',
    code: 'context_length_exceeded',
    message: `This model's maximum context length is ${window} tokens. However, your messages resulted in at least ${promptTokens} tokens. Please reduce the length of the messages.`,
  };
}
