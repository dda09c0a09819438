export * from './service';
export { Gateway, openGatewayState, type GatewayOptions, type GatewayState } from './gateway';
export { GatewayPipeline, ABORT_SUPERSEDED, type PipelineDeps } from './pipeline';
export {
  GatewayNatsTransport,
  GATEWAY_QUEUE,
  requestGeneration,
  abortGeneration,
  type Generator,
} from './transport/nats-transport';
export {
  BusRecordSink,
  RecordStreamWriter,
  gatewayRecordsStream,
  gatewayRecordsConsumer,
} from './cost/records-stream';
export { MemoryRecordSink, type RecordSink } from './cost/record-sink';
export type { LedgerEntry, WasteKind } from './cost/ledger-entry';
export type { AuditRecord } from './audit/audit-record';
export { PriceBook, estimatePromptTokens } from './cost/price-book';
export {
  readGatewaySettings,
  DEFAULT_SETTINGS,
  type GatewaySettings,
  type BudgetRule,
} from './config/gateway-settings';
export {
  YamlProvidersConfigFile,
  checkProvidersConfig,
  loadGatewaySettings,
  type ProvidersConfigSource,
} from './config/config-source';
export { readGatewayEnv, type GatewayEnv } from './config/gateway-config';
export type {
  ChatProvider,
  ChatCall,
  ChatResult,
  TokenCounts,
  OutputSchema,
} from './providers/chat-provider';
export { ProviderError, type ProviderFailure } from './providers/provider-error';
export {
  BudgetExceeded,
  PolicyDenied,
  AllProvidersFailed,
  DeadlineExceeded,
  RequestAborted,
  errorOf,
} from './errors';
export { BudgetGuard, type BudgetAlert } from './budget/budget-guard';
export { RULES_ONLY_KEY, PolicyState } from './policy/rules-only-switch';
export { DEFAULT_NEVER_SENT } from './policy/never-sent';
export { SecretScrubber } from './log/secret-scrubber';
export type { GatewayLogger, LogLevel } from './log/gateway-logger';
export type { Clock } from './shared/clock';
export {
  GatewayHttpFront,
  GATEWAY_HTTP_ROUTES,
  createGatewayHttpServer,
  mountGatewayHttp,
  PooledOpenAIProvider,
  PooledAnthropicProvider,
  isPooledProvider,
  FORWARDED_HEADERS,
  type HttpFrontOptions,
  type PooledProvider,
} from './http';
export { KeyRequestRate } from './virtual-keys/request-rate';
export {
  VirtualKeyRing,
  checkVirtualKeysFile,
  loadVirtualKeys,
  hashVirtualKey,
  type VirtualKey,
  type VirtualKeyConfig,
  type VirtualKeysFile,
} from './virtual-keys/virtual-keys';
export {
  GatewayJobs,
  gatewayJobsBucket,
  readJobsEnv,
  type GatewayJobsOptions,
  type JobsEnv,
} from './jobs/gateway-jobs';
export { JobRunner, type JobRunnerOptions } from './jobs/job-runner';
export { JobStore, type JobRecord } from './jobs/job-record';
export { JobPolicy } from './jobs/job-policy';
export { JobAdmission, type JobAdmissionDeps } from './jobs/job-admission';
export { buildJobProviders } from './jobs/job-registry';
export { JobsTransport, requestJob, GATEWAY_JOBS_QUEUE } from './jobs/jobs-transport';
export {
  gatewayJobResultsStream,
  jobDoneSubject,
  BusJobResultSink,
  type JobResultSink,
} from './jobs/job-results';
export type { JobProvider, JobSpec, JobSnapshot } from './jobs/job-provider';
export { JobVendorError, JobPolicyDenied, UnknownJob, UnknownJobProvider } from './jobs/job-errors';
export { BatchPricer, DEFAULT_BATCH_DISCOUNT } from './batch/batch-pricer';
