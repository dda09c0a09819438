import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { Attribution } from './run';

/** One entry of a step's provider chain, tried in order by the gateway. */
export class ProviderTarget {
  /** Provider name from the providers config (`anthropic`, `openai`, `azure-eu`, ...). */
  @IsString() @MinLength(1) provider!: string;
  /** Model id as the provider names it, after retired-model mapping. */
  @IsString() @MinLength(1) model!: string;
}

export class ChatMessage {
  @IsIn(['user', 'assistant']) role!: 'user' | 'assistant';
  @IsString() content!: string;
}

/** The structured output wanted: one JSON Schema, translated per vendor (tool use, json_schema). */
export class ResponseSchema {
  @IsString() @MinLength(1) name!: string;
  @IsOptional() @IsString() description?: string;
  @IsObject() schema!: Record<string, unknown>;
}

/** What the request sends from the repository, for policy and the audit log (never the content). */
export class SentPath {
  @IsString() path!: string;
  @IsString() sha256!: string;
}

/** A generation request on `af.gateway.generate` (request/reply, no stream). */
export class GatewayRequest {
  @IsString() @MinLength(1) requestId!: string;
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => ProviderTarget)
  providers!: ProviderTarget[];
  @IsOptional() @IsString() system?: string;
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => ChatMessage)
  messages!: ChatMessage[];
  @IsInt() @Min(1) maxTokens!: number;
  @IsOptional() @IsNumber() temperature?: number;
  @IsOptional() @ValidateNested() @Type(() => ResponseSchema) responseSchema?: ResponseSchema;
  /** `simple`, `medium`, `complex`: lets the gateway pick a cheaper tier, or downgrade when budget runs low. */
  @IsOptional() @IsIn(['simple', 'medium', 'complex']) complexity?: 'simple' | 'medium' | 'complex';
  /** Epoch milliseconds; retries and Retry-After waits never go past it. */
  @IsNumber() deadline!: number;
  @ValidateNested() @Type(() => Attribution) attribution!: Attribution;
  /** Data class of what is sent; only providers allowed this class are called. */
  @IsString() dataClass!: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => SentPath) paths!: SentPath[];
  /** @default true */
  @IsOptional() @IsBoolean() cache?: boolean;
  /** Send through the vendor's Batch API (cheaper, slower). */
  @IsOptional() @IsBoolean() batch?: boolean;
  /** For the audit log. */
  @IsOptional() @IsString() commitSha?: string;
  @IsOptional() @IsInt() pr?: number;
}

export class TokenUsage {
  @IsInt() @Min(0) inputTokens!: number;
  @IsInt() @Min(0) outputTokens!: number;
  @IsInt() @Min(0) cacheReadTokens!: number;
  @IsInt() @Min(0) cacheWriteTokens!: number;
}

/** What one provider attempt did, so AllProvidersFailed can say what each provider said. */
export class ProviderAttempt {
  @IsString() provider!: string;
  @IsString() model!: string;
  /** `ok`, `rate_limited`, `overloaded`, `server_error`, `timeout`, `context_length`, `breaker_open`, `policy_denied`, `auth`, `bad_request`, `aborted`. */
  @IsString() outcome!: string;
  @IsOptional() @IsInt() status?: number;
  @IsOptional() @IsString() message?: string;
  @IsOptional() @IsString() vendorRequestId?: string;
  @IsNumber() durationMs!: number;
}

export const GATEWAY_STATUSES = ['ok', 'deferred', 'failed'] as const;

/** The reply to a {@link GatewayRequest}. */
export class GatewayResponse {
  @IsString() requestId!: string;
  /** `deferred`: every allowed provider is down or the budget is spent; try again at `retryAt`. */
  @IsIn(GATEWAY_STATUSES) status!: 'ok' | 'deferred' | 'failed';
  @IsOptional() @IsString() text?: string;
  /** Parsed structured output when a `responseSchema` was given and the vendor returned valid JSON. */
  @IsOptional() @IsObject() structured?: Record<string, unknown>;
  @IsOptional() @IsString() provider?: string;
  @IsOptional() @IsString() model?: string;
  @ValidateNested() @Type(() => TokenUsage) usage!: TokenUsage;
  @IsNumber() @Min(0) costUsd!: number;
  /** A cache hit costs nothing and says so. */
  @IsBoolean() cached!: boolean;
  @IsArray() @ValidateNested({ each: true }) @Type(() => ProviderAttempt) attempts!: ProviderAttempt[];
  @IsOptional() @IsNumber() retryAt?: number;
  /** `all_providers_failed`, `budget_exceeded`, `policy_denied`, `invalid_request`, `deadline_exceeded`, `aborted`, `gateway_unavailable` (its shared state is unreachable: retry the step), `internal`. */
  @IsOptional() @IsString() errorCode?: string;
  @IsOptional() @IsString() errorMessage?: string;
  @IsNumber() @Min(0) vendorMs!: number;
}

/** Published (core NATS, no stream) on `topology.subjects.gatewayAbort` to abort a request in flight. */
export class GatewayAbort {
  @IsString() @MinLength(1) requestId!: string;
  /** `cancelled`, `superseded`, ...; a superseded run's spend is marked as waste in the ledger. */
  @IsOptional() @IsString() reason?: string;
}

/**
 * Asked (core NATS, no stream) on `topology.subjects.gatewayHeld` by a caller waiting for its reply:
 * is any replica still serving this request? Only the replica serving it answers {@link GatewayHeld}.
 */
export class GatewayHeldQuery {
  @IsString() @MinLength(1) requestId!: string;
}

/** The answer of the replica serving a request to {@link GatewayHeldQuery}. */
export class GatewayHeld {
  @IsString() requestId!: string;
  /** Always true: a replica that does not hold the request does not answer. */
  @IsBoolean() held!: boolean;
  /** The serving replica's instance id, for logs. */
  @IsString() instance!: string;
}
