/**
 * The {@link Messenger} over any {@link MessageBus}: JSON envelopes, `Nats-Msg-Id`, trace context,
 * and bodies over {@link LARGE_BODY_THRESHOLD} moved through the object store.
 */
import {
  HEADERS,
  InvalidMessageError,
  LARGE_BODY_THRESHOLD,
  createEnvelope,
  decodeEnvelope,
  schemaVersionOf,
  type BodyOf,
  type BodyRef,
  type Envelope,
  type MessageType,
  type Topology,
} from '@agentflow/contracts';
import type { Headers, InboundMessage, MessageBus, ObjectStore, PubAck } from './bus';
import type { EmitOptions, Messenger } from './messenger';
import { encodeJson, parseJson } from './message-codec';
import { injectTraceContext, withProducerSpan } from './trace-context';

export interface MessengerOptions {
  /** Envelopes larger than this (bytes, encoded) carry their body through the object store. @default LARGE_BODY_THRESHOLD (256 KB) */
  largeBodyThreshold?: number;
}

function isBodyRef(value: unknown): value is BodyRef {
  const v = value as Partial<BodyRef> | null;
  return (
    !!v &&
    typeof v === 'object' &&
    typeof v.ref === 'string' &&
    typeof v.sha256 === 'string' &&
    typeof v.size === 'number'
  );
}

function headerValue(headers: Headers, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function createMessenger(
  bus: MessageBus,
  topology: Topology,
  options: MessengerOptions = {},
): Messenger {
  const threshold = options.largeBodyThreshold ?? LARGE_BODY_THRESHOLD;
  let store: Promise<ObjectStore> | undefined;
  const objects = () => {
    store ??= bus.objects(topology.buckets.objects).catch((error: unknown) => {
      store = undefined;
      throw error;
    });
    return store;
  };

  return {
    async emit<T extends MessageType>(
      subject: string,
      type: T,
      body: BodyOf<T> | Record<string, unknown>,
      emit: EmitOptions = {},
    ): Promise<PubAck> {
      const envelope = createEnvelope(type, body, {
        runId: emit.runId,
        attempt: emit.attempt,
        schemaVersion: schemaVersionOf(type),
      });
      const msgId = emit.msgId ?? envelope.id;
      return withProducerSpan(
        subject,
        { 'messaging.message.id': msgId, 'af.message.type': type, 'af.run.id': envelope.runId },
        async () => {
          const headers: Headers = {
            ...(emit.headers ?? {}),
            [HEADERS.messageType]: type,
            [HEADERS.schemaVersion]: String(envelope.schemaVersion),
          };
          injectTraceContext(headers);
          let data = encodeJson(envelope);
          if (data.byteLength > threshold) {
            // The body goes to the object store under the message id, so a re-publish rewrites the
            // same object instead of leaving a second one behind.
            const ref = await (await objects()).put(msgId, encodeJson(envelope.body));
            headers[HEADERS.bodyRef] = ref.ref;
            data = encodeJson({ ...envelope, body: ref });
          }
          return bus.publish(subject, data, {
            msgId,
            headers,
            expectedLastSubjectSequence: emit.expectedLastSubjectSequence,
          });
        },
      );
    },

    async read<T extends MessageType>(
      msg: InboundMessage,
      types: T | readonly T[],
    ): Promise<Envelope<BodyOf<T>>> {
      const raw = parseJson<Record<string, unknown>>(msg.data, msg.subject);
      if (headerValue(msg.headers, HEADERS.bodyRef) !== undefined) {
        if (!raw || typeof raw !== 'object' || !isBodyRef(raw.body)) {
          throw new InvalidMessageError(
            `message on ${msg.subject} has header ${HEADERS.bodyRef} but its body is not a {ref, sha256, size} reference`,
          );
        }
        const bytes = await (await objects()).get(raw.body);
        raw.body = parseJson(bytes, `${msg.subject} (object ${raw.body.ref})`);
      }
      return decodeEnvelope(types, raw);
    },
  };
}
