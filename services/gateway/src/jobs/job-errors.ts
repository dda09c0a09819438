import { AgentflowError } from '@agentflow/contracts';

/** A job-style vendor answered with something unusable or an HTTP error. */
export class JobVendorError extends AgentflowError {
  readonly code = 'vendor_error';
  constructor(
    message: string,
    readonly retryable: boolean,
    /** HTTP status, when there was one. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Job providers are off until policy allows the provider for this data class. */
export class JobPolicyDenied extends AgentflowError {
  readonly code = 'policy_denied';
  readonly retryable = false;
}

/** No job with this id in the gateway's job records (never launched, or older than the bucket keeps). */
export class UnknownJob extends AgentflowError {
  readonly code = 'unknown_job';
  readonly retryable = false;
}

/** The launch names a provider that is not a job-style provider in providers.yml. */
export class UnknownJobProvider extends AgentflowError {
  readonly code = 'unknown_provider';
  readonly retryable = false;
}

/** Maps an HTTP status of a job vendor to a retryable-or-not error. */
export function vendorHttpError(what: string, status: number, body: string): JobVendorError {
  const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
  return new JobVendorError(`${what}: HTTP ${status} ${body.slice(0, 300)}`, retryable, status);
}
