export { FakeVendorServer, type FakeVendorOptions } from './server';
export { FORCED_TOOL_CHOICE_MESSAGE, REFUSE_FORCED_TOOL_CHOICE } from './anthropic-wire';
export type {
  VendorScript,
  VendorRoute,
  ServedRequest,
  ScriptFunction,
  UsageOverride,
  StreamPacing,
  StreamEvent,
} from './script';
export { SIMULATED_LABEL, simulatedJson, simulatedText, changedFiles } from './simulated-reviewer';
export { estimateTokens } from './tokens';
export { FakeCursorAgents, type CursorAgentScript, type CursorStatus } from './cursor-agents';
export { FakeHttpJobVendor, type HttpJobRunScript } from './http-job-vendor';
export { FakeBatches, type BatchScript } from './batches';
export type { JobRouteAnswer } from './job-routes';
export { DEFAULT_ACCOUNT_MODELS } from './model-lists';
