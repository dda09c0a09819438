/**
 * The one registry list of vendor kinds. `ProviderKind` and every capability check derive from it;
 * adding a vendor kind is a manifest file here, a line in this list and a provider folder in the
 * gateway (docs/development.md, "Adding a vendor kind").
 */
import { anthropic } from './anthropic';
import { anthropicBedrock } from './anthropic-bedrock';
import { anthropicVertex } from './anthropic-vertex';
import { azureOpenai } from './azure-openai';
import { cursor } from './cursor';
import { httpJob } from './http-job';
import { openai } from './openai';
import { openaiCompatible } from './openai-compatible';
import type { VendorCapabilities, VendorManifest, VendorWire } from './vendor-manifest';

export {
  vendorManifest,
  type VendorCapabilities,
  type VendorManifest,
  type VendorWire,
} from './vendor-manifest';

export const VENDOR_KINDS = [
  anthropic,
  openai,
  openaiCompatible,
  azureOpenai,
  anthropicBedrock,
  anthropicVertex,
  cursor,
  httpJob,
] as const;

/** A vendor kind as written in providers.yml (`kind: anthropic`). */
export type ProviderKind = (typeof VENDOR_KINDS)[number]['kind'];

export const PROVIDER_KIND_NAMES: readonly ProviderKind[] = VENDOR_KINDS.map((m) => m.kind);

const BY_KIND: ReadonlyMap<string, VendorManifest<ProviderKind>> = new Map(
  VENDOR_KINDS.map((m) => [m.kind, m]),
);

/** The manifest of a kind, or undefined for a string that names none. */
export function vendorManifestOf(kind: string): VendorManifest<ProviderKind> | undefined {
  return BY_KIND.get(kind);
}

export function isProviderKind(kind: string): kind is ProviderKind {
  return BY_KIND.has(kind);
}

/** Whether `kind` is a registered kind with this capability; false for unknown strings. */
export function vendorCan(kind: string, capability: keyof VendorCapabilities): boolean {
  return BY_KIND.get(kind)?.capabilities[capability] ?? false;
}

/** The kinds that have a capability, in registry order. */
export function vendorKindsWith(capability: keyof VendorCapabilities): readonly ProviderKind[] {
  return VENDOR_KINDS.filter((m) => m.capabilities[capability]).map((m) => m.kind);
}

/** The wire a kind speaks, or undefined for a string that names no kind. */
export function vendorWire(kind: string): VendorWire | undefined {
  return BY_KIND.get(kind)?.wire;
}

/** The kinds that speak a wire, in registry order. */
export function vendorKindsSpeaking(wire: VendorWire): readonly ProviderKind[] {
  return VENDOR_KINDS.filter((m) => m.wire === wire).map((m) => m.kind);
}
