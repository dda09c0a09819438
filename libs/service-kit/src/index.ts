export * from './service';
export * from './config';
export * from './runtime';
export { Readiness, type ReadinessCheck, type ReadinessReport } from './health/readiness';
export type { InstanceInfo } from './instance-record';
