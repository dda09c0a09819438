/**
 * Shape of `workflows/providers.yml`: the AI vendors agentflow may call. Declared once, referenced by
 * name from workflows (`service: claude-api`) and read by the gateway. Keys are never in this file:
 * only the env variable or mounted file that holds them.
 */
import type { ProviderKind } from './vendors';

/** Derived from the registry list of vendor kinds (`VENDOR_KINDS` in ./vendors). */
export type { ProviderKind };

/** A price and the date it took effect; the ledger prices a call with the newest entry not after the call. */
export interface ModelPrice {
  /** ISO date (`2025-08-01`). */
  effectiveFrom: string;
  /** USD per million input tokens. */
  inputPerMTok: number;
  outputPerMTok: number;
  /** @default inputPerMTok x 0.1 for Anthropic, x 0.5 for OpenAI */
  cacheReadPerMTok?: number;
  /** @default inputPerMTok x 1.25 for Anthropic, inputPerMTok for OpenAI */
  cacheWritePerMTok?: number;
  /** Fraction off through the Batch API. @default 0.5 */
  batchDiscount?: number;
  /**
   * Prices of a request whose prompt (input plus cache read and write tokens) is longer than
   * `aboveInputTokens`: the vendor then prices the whole request higher (Claude Haiku 5.5 over
   * 100,000 tokens, GPT-5.6 over 272,000). Cache prices default to this entry's input price times
   * the ratio of the base cache price to the base input price.
   */
  longContext?: LongContextPrice;
}

export interface LongContextPrice {
  aboveInputTokens: number;
  inputPerMTok: number;
  outputPerMTok: number;
  cacheReadPerMTok?: number;
  cacheWritePerMTok?: number;
}

export interface RateLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** Calls in flight at once, across all gateway replicas. */
  concurrency?: number;
}

export interface ModelConfig {
  /** Context window in tokens; a context-length error falls back to a model with a larger one. */
  contextWindow: number;
  maxOutputTokens?: number;
  /** Complexity tier the model serves. */
  tier?: 'simple' | 'medium' | 'complex';
  prices: ModelPrice[];
  limits?: RateLimits;
  /** ISO date the vendor deprecated the model (announced its end); informational. */
  deprecatedOn?: string;
  /**
   * ISO date from which the vendor refuses the model. `agentflow validate` warns in the 30 days
   * before it and errors from it on; the gateway stops calling it that day and routes to
   * {@link replacement} instead.
   */
  retiresOn?: string;
  /** A model of the same provider that takes over when this one retires or the account lacks it. */
  replacement?: string;
  /**
   * How a structured answer is asked of an Anthropic model: `tool` (one forced tool, answered as
   * `tool_use`) or `json-schema` (`output_config.format`, answered as JSON text). The Claude 5.5
   * models refuse a forced `tool_choice` with a 400. @default tool
   */
  structuredOutput?: 'tool' | 'json-schema';
}

export interface ProviderConfig {
  kind: ProviderKind;
  /** Other names workflows may use (`claude-api`). */
  aliases?: string[];
  /** Vendor base URL; the SDK default when absent. */
  baseUrl?: string;
  /** Where the key is read from: an env variable or a mounted file. Never the key itself. */
  apiKey?: { env?: string; file?: string };
  /** Region the data goes to (`us`, `eu-central-1`). */
  region?: string;
  /** Vendor's retention terms (`zero-data-retention`, `30d`). */
  retention?: string;
  /** Data classes this provider may receive (`public`, `internal`, `restricted`). */
  dataClasses: string[];
  /** @default 120000 */
  timeoutMs?: number;
  limits?: RateLimits;
  models: Record<string, ModelConfig>;
  /** Retired model -> successor; a workflow naming the retired one gets the successor and a warning. */
  retired?: Record<string, string>;
  /** Job-style providers (Cursor, http-job) stay off until policy enables them. @default true for chat providers */
  enabled?: boolean;
  /** Kind-specific settings (Azure deployment and api-version, Bedrock/Vertex project, http-job templates). */
  options?: Record<string, unknown>;
}

export interface ProvidersConfig {
  providers: Record<string, ProviderConfig>;
}
