/**
 * The never-sent list is one list for the whole system, defined in `@agentflow/workflow`
 * (`never-sent.ts`): the agents leave these paths out of every prompt, and the gateway refuses a
 * request that still names one. Checked before redaction: redaction cannot make a keystore safe to
 * send.
 */
export { DEFAULT_NEVER_SENT, NeverSentPaths, parsePolicyList } from '@agentflow/workflow';
