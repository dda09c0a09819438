export * from './topology';
export * from './envelope';
export * from './errors';
export * from './agent-types';
export * from './plan';
export * from './registry';
export * from './messages/finding';
export * from './messages/run';
export * from './messages/gateway';
export * from './providers-config';
export {
  VENDOR_KINDS,
  PROVIDER_KIND_NAMES,
  vendorManifest,
  vendorManifestOf,
  isProviderKind,
  vendorCan,
  vendorKindsWith,
  vendorWire,
  vendorKindsSpeaking,
  type VendorCapabilities,
  type VendorManifest,
  type VendorWire,
} from './vendors';
export * from './messages/jobs';
export { SeededDraw, seededRandom } from './seeded-random';
