/**
 * The append-only audit trail: one record per vendor call and per refused request. It says where
 * code went (provider, region, model), what was sent by path and hash (never content), how much was
 * redacted, the vendor's request id and the policy decision. Prompt and completion text never
 * appear here, nor in logs or traces.
 */
export interface AuditRecord {
  id: string;
  at: string;
  requestId: string;
  repo?: string;
  pr?: number;
  commitSha?: string;
  runId?: string;
  provider: string;
  region?: string;
  retention?: string;
  model: string;
  dataClass: string;
  paths: Array<{ path: string; sha256: string }>;
  redactions: { secrets: number; emails: number };
  vendorRequestId?: string;
  /** `allowed`, or `denied:<rule>` (`denied:never-sent`, `denied:data-class`, `denied:rules-only`). */
  decision: string;
  /** The call's outcome (`ok`, `rate_limited`, ... or `not_called`). */
  outcome: string;
}
