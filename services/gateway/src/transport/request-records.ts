/**
 * What the gateway answered, per requestId, for a while: a request sent again after its caller heard
 * nothing within its reply bound (a lost reply, a replica that answered just as the caller gave up)
 * is answered from here, so the vendor is not called and the ledger not booked a second time
 * (ADR 0078). Written just before the reply goes out, for a bounded time: an unreachable bucket
 * only costs the de-duplication, never the answer.
 */
import { LARGE_BODY_THRESHOLD, type GatewayResponse, type Topology } from '@agentflow/contracts';
import type { KeyValueStore, MessageBus, ObjectStore } from '@agentflow/bus';

interface StoredAnswer {
  at: number;
  instance: string;
  /** The answer itself, or where it lies in the object store when it is large. */
  response?: GatewayResponse;
  objectName?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** KV keys allow `[-/_=.a-zA-Z0-9]`; request ids hold `:` and more. */
function keyOf(requestId: string): string {
  return `answer.${Buffer.from(requestId).toString('base64url')}`;
}

export class RequestRecords {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly objects: () => Promise<ObjectStore>,
    private readonly instance: string,
  ) {}

  static async open(
    bus: MessageBus,
    topology: Topology,
    instance: string,
    objects: () => Promise<ObjectStore>,
  ): Promise<RequestRecords> {
    const kv = await bus.kv(topology.buckets.gatewayRequests, topology.bucketSettings.gatewayRequests);
    return new RequestRecords(kv, objects, instance);
  }

  /** The answer given to `requestId`, if one was recorded. */
  async answered(requestId: string): Promise<GatewayResponse | null> {
    const entry = await this.kv.get(keyOf(requestId));
    return entry && entry.operation === 'PUT' ? this.read(entry.json<StoredAnswer>()) : null;
  }

  async record(response: GatewayResponse, now: number): Promise<void> {
    const stored: StoredAnswer = { at: now, instance: this.instance, response };
    let data = encoder.encode(JSON.stringify(stored));
    if (data.byteLength > LARGE_BODY_THRESHOLD) {
      const objectName = `gateway-answer-${Buffer.from(response.requestId).toString('base64url')}`;
      await (await this.objects()).put(objectName, encoder.encode(JSON.stringify(response)));
      data = encoder.encode(
        JSON.stringify({ at: now, instance: this.instance, objectName } satisfies StoredAnswer),
      );
    }
    await this.kv.put(keyOf(response.requestId), data);
  }

  /**
   * Resolves with the answer once one is recorded for `requestId`, or null when `signal` aborts
   * first (the caller looks again whether the replica serving it is still there).
   */
  async waitFor(requestId: string, signal: AbortSignal): Promise<GatewayResponse | null> {
    if (signal.aborted) return null;
    let stop: (() => void) | undefined;
    let finished = false;
    try {
      const seen = new Promise<StoredAnswer | null>((resolve) => {
        signal.addEventListener('abort', () => resolve(null), { once: true });
        void this.kv
          .watch(
            (entry) => {
              if (entry.operation === 'PUT') resolve(entry.json<StoredAnswer>());
            },
            { key: keyOf(requestId), includeHistory: true },
          )
          .then(
            (s) => {
              stop = s;
              if (finished) s();
            },
            () => resolve(null),
          );
      });
      const stored = await seen;
      return stored ? await this.read(stored) : null;
    } finally {
      finished = true;
      stop?.();
    }
  }

  private async read(stored: StoredAnswer): Promise<GatewayResponse | null> {
    if (stored.response) return stored.response;
    if (!stored.objectName) return null;
    return JSON.parse(decoder.decode(await (await this.objects()).get(stored.objectName))) as GatewayResponse;
  }
}
