/**
 * One span per vendor call, as the OpenTelemetry GenAI semantic conventions name them
 * (`chat <model>`, `gen_ai.*` attributes), with what only the gateway knows beside them: the
 * attempt, whether the call is a fallback, its cost and outcome. The span is active during the
 * call, so the HTTP client span of the SDK or pool under it is its child. Prompt and answer text
 * never go on a span.
 */
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { TokenCounts } from '../providers/chat-provider';

const tracer = () => trace.getTracer('@agentflow/gateway');

/** `gen_ai.system` / `gen_ai.provider.name` per provider kind (the conventions' well-known values). */
const GEN_AI_SYSTEM: Record<string, string> = {
  anthropic: 'anthropic',
  openai: 'openai',
  azure: 'azure.ai.openai',
  'azure-openai': 'azure.ai.openai',
  bedrock: 'aws.bedrock',
  vertex: 'gcp.vertex_ai',
  gemini: 'gcp.gemini',
  mistral: 'mistral_ai',
};

export interface VendorCallFacts {
  provider: string;
  /** The provider's kind in providers.yml (`anthropic`, `openai`, ...). */
  kind?: string;
  model: string;
  requestId: string;
  attempt: number;
  /** A target after the first of the chain. */
  fallback: boolean;
  maxTokens?: number;
  temperature?: number;
}

export function startVendorSpan(facts: VendorCallFacts): Span {
  const system = GEN_AI_SYSTEM[facts.kind ?? ''] ?? facts.kind ?? facts.provider;
  return tracer().startSpan(`chat ${facts.model}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': system,
      'gen_ai.provider.name': system,
      'gen_ai.request.model': facts.model,
      ...(facts.maxTokens !== undefined ? { 'gen_ai.request.max_tokens': facts.maxTokens } : {}),
      ...(facts.temperature !== undefined ? { 'gen_ai.request.temperature': facts.temperature } : {}),
      'agentflow.provider': facts.provider,
      'agentflow.request_id': facts.requestId,
      'agentflow.attempt': facts.attempt,
      'agentflow.fallback': facts.fallback,
    },
  });
}

/** Runs the vendor call with its span active. */
export function inVendorSpan<T>(span: Span, call: () => Promise<T>): Promise<T> {
  return context.with(trace.setSpan(context.active(), span), call);
}

export interface VendorCallOutcome {
  /** `ok`, or the failure kind (`rate_limited`, `timeout`, `overloaded`, ...). */
  outcome: string;
  usage: TokenCounts;
  costUsd: number;
  vendorRequestId?: string;
  status?: number;
}

export function endVendorSpan(span: Span, result: VendorCallOutcome): void {
  span.setAttributes({
    'gen_ai.usage.input_tokens': result.usage.inputTokens,
    'gen_ai.usage.output_tokens': result.usage.outputTokens,
    'gen_ai.usage.cache_read.input_tokens': result.usage.cacheReadTokens,
    'gen_ai.usage.cache_creation.input_tokens': result.usage.cacheWriteTokens,
    'agentflow.cost_usd': result.costUsd,
    'agentflow.outcome': result.outcome,
    ...(result.vendorRequestId ? { 'gen_ai.response.id': result.vendorRequestId } : {}),
    ...(result.status !== undefined ? { 'http.response.status_code': result.status } : {}),
  });
  if (result.outcome !== 'ok') {
    span.setAttribute('error.type', result.outcome);
    span.setStatus({ code: SpanStatusCode.ERROR, message: result.outcome });
  }
  span.end();
}

/** Marks the request's span (the gateway's SERVER span) with the cache's answer. */
export function markCacheOutcome(hit: boolean): void {
  trace.getActiveSpan()?.setAttribute('agentflow.gateway.cache', hit ? 'hit' : 'miss');
}
