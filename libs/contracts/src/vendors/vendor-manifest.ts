/**
 * What one vendor kind can do, declared once. Everything may import it: it pulls in no SDK, so the
 * workflow compiler, the agents and the gateway read the same answer to "has this kind a Batch API?".
 */
export interface VendorCapabilities {
  /** Answers one chat request (the gateway's generate path). */
  chat: boolean;
  /** Streams that answer as the vendor sends it. */
  stream: boolean;
  /** Has a Batch API the gateway speaks, for `batch: true` steps. */
  batch: boolean;
  /** Launch-and-poll job rather than one request (Cursor, http-job). */
  job: boolean;
  /** The gateway may swap the SDK client for its keep-alive connection pool. */
  pooled: boolean;
  /** Off until providers.yml says `enabled: true` for the provider (it receives whole repositories or apps). */
  offByDefault: boolean;
}

/**
 * The request shape the kind speaks: Anthropic Messages (`structuredOutput` applies, Anthropic cache
 * prices), OpenAI Chat Completions, or a job API of its own.
 */
export type VendorWire = 'anthropic' | 'openai' | 'job';

export interface VendorManifest<K extends string = string> {
  kind: K;
  wire: VendorWire;
  capabilities: VendorCapabilities;
}

/** Declares a manifest, keeping its kind as a literal type so the registry list can derive `ProviderKind`. */
export function vendorManifest<const K extends string>(
  kind: K,
  wire: VendorWire,
  capabilities: VendorCapabilities,
): VendorManifest<K> {
  return { kind, wire, capabilities };
}
