/**
 * Typed errors raised by the bus implementations. Each says what happened, what to do, and
 * (through `retryable`) whether the consumer runner should nak or dead-letter a handler that lets
 * it escape.
 */
import { PermanentError, TransientError } from '@agentflow/contracts';

/**
 * A compare-and-set lost: a KV `create` found the key, a KV `update` or an
 * expected-last-subject-sequence publish found a newer revision (server error 10071). Re-read the
 * entry and apply the change again; retrying the same write blindly fails the same way.
 */
export class RevisionConflictError extends TransientError {
  override readonly code = 'revision_conflict';
  constructor(
    /** KV key or stream subject the write targeted. */
    readonly target: string,
    /** The revision (or subject sequence) the writer expected; 0 for "must not exist yet". */
    readonly expectedRevision: number,
    options?: { cause?: unknown },
  ) {
    super(
      `${target}: expected revision ${expectedRevision} but a newer one exists; re-read the current value and apply the change again`,
      options,
    );
  }
}

/**
 * A stream or consumer does not have the configuration that was asked for: the server rejected
 * or silently dropped an option (nats-server 2.9 ignores some newer ones), or the spec itself is
 * inconsistent (a dedupe window shorter than the redelivery span). Fix the spec or the server;
 * retrying does not help.
 */
export class BusProvisioningError extends PermanentError {
  override readonly code = 'bus_provisioning';
  constructor(
    /** Stream or `stream/consumer` being provisioned. */
    readonly resource: string,
    /** The server-side option name (`duplicate_window`, `backoff`, `max_deliver`, ...). */
    readonly option: string,
    readonly expected: unknown,
    readonly actual: unknown,
    hint = 'the server may be too old for this option; check the server version or change the spec',
  ) {
    super(
      `${resource}: option ${option} should be ${JSON.stringify(expected)} but is ${JSON.stringify(actual)}; ${hint}`,
    );
  }
}

/** An object-store body is missing or its sha256 does not match its reference. Not retryable: the body is gone or corrupt. */
export class ObjectIntegrityError extends PermanentError {
  override readonly code = 'object_integrity';
  constructor(
    readonly bucket: string,
    readonly objectName: string,
    message: string,
  ) {
    super(`object ${bucket}/${objectName}: ${message}`);
  }
}

/** Nobody answered a request in time (or nobody listens on the subject). Retry later or check that the serving service runs. */
export class RequestFailedError extends TransientError {
  override readonly code = 'request_failed';
  constructor(
    readonly subject: string,
    readonly reason: 'timeout' | 'no_responders' | 'aborted',
    options?: { cause?: unknown },
  ) {
    super(
      reason === 'no_responders'
        ? `request on ${subject}: no service is listening; start the service that serves it`
        : reason === 'timeout'
          ? `request on ${subject} timed out; the service is slow or down, retry later`
          : `request on ${subject} was aborted by the caller`,
      options,
    );
  }
}

/**
 * A request/reply subject is captured by a stream, which would answer every request with its
 * PubAck instead of the service's reply. Keep request subjects off stream subjects.
 */
export class RequestSubjectCapturedError extends PermanentError {
  override readonly code = 'request_subject_captured';
  constructor(
    readonly subject: string,
    readonly stream: string,
  ) {
    super(
      `request subject ${subject} is captured by stream ${stream}; move the request subject outside every stream's subjects`,
    );
  }
}

/** The bus was drained or closed; the operation cannot run on it any more. */
export class BusClosedError extends PermanentError {
  override readonly code = 'bus_closed';
  constructor(operation: string) {
    super(`${operation}: the bus is closed; create a new one`);
  }
}
