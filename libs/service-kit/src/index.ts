export * from './service';
export * from './config';
export * from './runtime';
export { Readiness, type ReadinessCheck, type ReadinessReport } from './health/readiness';
export type { InstanceInfo } from './instance-record';
export {
  SecretFiles,
  DEFAULT_SECRETS_DIR,
  isSecretVariable,
  secretFileName,
  type SecretOrigin,
} from './secrets/secret-files';
export { installOutboundProxy, proxyFor, readOutboundProxy, type OutboundProxy } from './outbound-proxy';
export * from './doctor';
