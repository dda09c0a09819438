/**
 * The bus topology: every subject, stream, consumer and bucket agentflow uses, derived from one
 * prefix. Production uses the default prefix `af`; each test file passes its own so suites sharing
 * one NATS server never see each other's messages.
 */

/** Retention of a stream. `workqueue` removes a message once acked; `limits` keeps it until max age. */
export type StreamRetention = 'limits' | 'workqueue' | 'interest';

export interface StreamSpec {
  /** Stream name as created on the server. */
  name: string;
  /** Subjects the stream captures. */
  subjects: string[];
  retention: StreamRetention;
  /** How long messages are kept, in milliseconds. */
  maxAgeMs: number;
  /**
   * JetStream dedupe window for `Nats-Msg-Id`, in milliseconds. Must be at least
   * `ackWait x maxDeliver` of every consumer on the stream so a re-publish after a crash is still
   * recognised while the first copy may be redelivered.
   */
  duplicateWindowMs: number;
  /** Largest message accepted, in bytes. Bodies above {@link LARGE_BODY_THRESHOLD} go to the object store. */
  maxMsgSize?: number;
}

export interface ConsumerSpec {
  /** Stream the consumer reads. */
  stream: string;
  /** Durable name; replicas sharing it share the work. */
  durable: string;
  /** Only messages on this subject (a wildcard is allowed). One filter: nats-server 2.9 has no `filter_subjects`. */
  filterSubject: string;
  /** How long the server waits for an ack before redelivering, in milliseconds. @default 30000 */
  ackWaitMs: number;
  /**
   * Deliveries before the message is dead-lettered. `-1` means unlimited: only for consumers that
   * must wait long on purpose (timers), see ADR 0004.
   */
  maxDeliver: number;
  /** Unacked messages in flight across all replicas. */
  maxAckPending: number;
  /** Redelivery delays the server applies after an ack timeout, in milliseconds, per delivery. */
  backoffMs: number[];
}

export interface Topology {
  prefix: string;
  subjects: {
    webhooks(platform: string): string;
    runsRequested: string;
    tasks(agentType: string): string;
    results(runId: string): string;
    runProgress(runId: string): string;
    runCompleted(runId: string): string;
    runFailed(runId: string): string;
    runCancel(runId: string): string;
    timers(runId: string): string;
    ci(platform: string): string;
    history(runId: string): string;
    /** A person dismissed a finding on a PR (`finding.dismissed`); captured by the runs stream. */
    findingDismissed: string;
    notify(command: string): string;
    dlq(stream: string): string;
    /** Request/reply to the gateway. Captured by no stream: a stream would answer with its PubAck. */
    gatewayGenerate: string;
    /** Request/reply for job-style vendors (launch, status, cancel). Captured by no stream. */
    gatewayJobs: string;
    /** Core (no stream) notice `{requestId, reason?}` that aborts a request in flight and its vendor call. */
    gatewayAbort: string;
    /**
     * Core request `{requestId}` to every gateway replica: the one serving that request answers
     * `{held: true, instance}`, the others stay silent. A caller that hears no one for its reply
     * bound sends the request again under the same id (ADR 0078).
     */
    gatewayHeld: string;
  };
  streams: {
    webhooks: StreamSpec;
    runs: StreamSpec;
    tasks: StreamSpec;
    results: StreamSpec;
    timers: StreamSpec;
    ci: StreamSpec;
    history: StreamSpec;
    notify: StreamSpec;
    dlq: StreamSpec;
  };
  buckets: {
    /** Run actor state, one key per run, changed only by compare-and-set. */
    runs: string;
    /** Gateway response cache (TTL kept by the gateway: the server has no per-key TTL). */
    cache: string;
    /** Rate-limit and budget leases, breaker state shared by gateway replicas. */
    limits: string;
    /** Object store bucket for bodies over 256 KB. */
    objects: string;
    /**
     * The gateway's answers per requestId, kept for a while so a request sent again under the same
     * id after a lost reply is answered without a second vendor call or booking (ADR 0078).
     */
    gatewayRequests: string;
  };
  /**
   * Settings of each KV bucket, defined once: whoever opens a bucket first creates it with these,
   * and the bus refuses to open an existing bucket with other settings.
   */
  bucketSettings: {
    runs: BucketSettings;
    cache: BucketSettings;
    limits: BucketSettings;
    gatewayRequests: BucketSettings;
  };
}

export interface BucketSettings {
  /** Revisions kept per key. */
  history: number;
  /** Bucket-wide max age in ms (nats-server 2.9 has no per-key TTL); absent: kept until deleted. */
  maxAgeMs?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Bodies larger than this travel through the object store as a {@link BodyRef}. */
export const LARGE_BODY_THRESHOLD = 256 * 1024;

export function topology(prefix = 'af'): Topology {
  const p = prefix;
  const stream = (suffix: string) => `${p.toUpperCase().replace(/[^A-Z0-9_-]/g, '_')}_${suffix}`;
  const dedupe = 2 * HOUR;
  return {
    prefix: p,
    subjects: {
      webhooks: (platform) => `${p}.webhooks.${platform}`,
      runsRequested: `${p}.runs.requested`,
      tasks: (agentType) => `${p}.tasks.${agentType}`,
      results: (runId) => `${p}.results.${runId}`,
      runProgress: (runId) => `${p}.runs.${runId}.progress`,
      runCompleted: (runId) => `${p}.runs.${runId}.completed`,
      runFailed: (runId) => `${p}.runs.${runId}.failed`,
      runCancel: (runId) => `${p}.runs.${runId}.cancel`,
      timers: (runId) => `${p}.timers.${runId}`,
      ci: (platform) => `${p}.ci.${platform}`,
      history: (runId) => `${p}.history.${runId}`,
      findingDismissed: `${p}.runs.dismissed`,
      notify: (command) => `${p}.notify.${command}`,
      dlq: (streamName) => `${p}.dlq.${streamName}`,
      gatewayGenerate: `${p}.gateway.generate`,
      gatewayJobs: `${p}.gateway.jobs`,
      gatewayAbort: `${p}.gateway.abort`,
      gatewayHeld: `${p}.gateway.held`,
    },
    streams: {
      webhooks: {
        name: stream('WEBHOOKS'),
        subjects: [`${p}.webhooks.>`],
        retention: 'limits',
        maxAgeMs: 7 * DAY,
        duplicateWindowMs: dedupe,
      },
      runs: {
        name: stream('RUNS'),
        subjects: [`${p}.runs.>`],
        retention: 'limits',
        maxAgeMs: 14 * DAY,
        duplicateWindowMs: dedupe,
      },
      tasks: {
        name: stream('TASKS'),
        subjects: [`${p}.tasks.>`],
        retention: 'workqueue',
        maxAgeMs: 1 * DAY,
        duplicateWindowMs: dedupe,
      },
      results: {
        name: stream('RESULTS'),
        subjects: [`${p}.results.>`],
        retention: 'limits',
        maxAgeMs: 7 * DAY,
        duplicateWindowMs: dedupe,
      },
      timers: {
        name: stream('TIMERS'),
        subjects: [`${p}.timers.>`],
        retention: 'workqueue',
        maxAgeMs: 7 * DAY,
        duplicateWindowMs: dedupe,
      },
      ci: {
        name: stream('CI'),
        subjects: [`${p}.ci.>`],
        retention: 'limits',
        maxAgeMs: 7 * DAY,
        duplicateWindowMs: dedupe,
      },
      history: {
        name: stream('HISTORY'),
        subjects: [`${p}.history.>`],
        retention: 'limits',
        maxAgeMs: 90 * DAY,
        duplicateWindowMs: dedupe,
      },
      notify: {
        name: stream('NOTIFY'),
        subjects: [`${p}.notify.>`],
        retention: 'workqueue',
        maxAgeMs: 7 * DAY,
        duplicateWindowMs: dedupe,
      },
      dlq: {
        name: stream('DLQ'),
        subjects: [`${p}.dlq.>`],
        retention: 'limits',
        maxAgeMs: 30 * DAY,
        duplicateWindowMs: dedupe,
      },
    },
    bucketSettings: {
      runs: { history: 5 },
      // Entries carry their own expiry, kept by the gateway; the bucket age only bounds leftovers.
      cache: { history: 1, maxAgeMs: 7 * DAY },
      limits: { history: 1, maxAgeMs: 1 * DAY },
      // Above the longest step deadline a live call runs under: a resend can only come within it.
      gatewayRequests: { history: 1, maxAgeMs: 6 * HOUR },
    },
    buckets: {
      runs: `${p}_runs`,
      cache: `${p}_cache`,
      limits: `${p}_limits`,
      objects: `${p}_objects`,
      gatewayRequests: `${p}_gateway_requests`,
    },
  };
}

/** Defaults for a work consumer; the dedupe window (2 h) stays above ackWait x maxDeliver (30 s x 5). */
export const DEFAULT_CONSUMER: Pick<
  ConsumerSpec,
  'ackWaitMs' | 'maxDeliver' | 'maxAckPending' | 'backoffMs'
> = {
  ackWaitMs: 30_000,
  maxDeliver: 5,
  maxAckPending: 256,
  backoffMs: [30_000, 60_000, 120_000, 300_000],
};
