export { FakeVendorServer, type FakeVendorOptions } from './server';
export type { VendorScript, VendorRoute, ServedRequest, ScriptFunction, UsageOverride } from './script';
export { SIMULATED_LABEL, simulatedJson, simulatedText, changedFiles } from './simulated-reviewer';
export { estimateTokens } from './tokens';
