/**
 * The consumer policy, written once and used by both bus implementations: how many handlers run,
 * when a message is acked, nak'ed or dead-lettered, heartbeats for long handlers, and a graceful
 * stop. An implementation only supplies a {@link MessageSource} (pull messages) and a
 * {@link DeadLetterWriter} (publish and look up by sequence).
 */
import { HEADERS, TransientError, describeError, isRetryable, type ConsumerSpec } from '@agentflow/contracts';
import type {
  ConsumeOptions,
  ConsumerHandle,
  Headers,
  InboundMessage,
  MessageHandler,
  PubAck,
  PublishOptions,
} from './bus';
import { busLog, type BusLogger } from './log';
import { withConsumerSpan } from './trace-context';
import { metrics } from '@agentflow/telemetry';

/** Where the runner gets messages from. */
export interface MessageSource {
  /**
   * Pulls up to `max` messages, passing each to `deliver` as it arrives; resolves when the pull is
   * over (its maximum reached, expired, or {@link close} called). May deliver none.
   */
  pull(max: number, deliver: (msg: InboundMessage) => void): Promise<void>;
  /** Stop pulling; a pending pull resolves. */
  close(): Promise<void>;
  /**
   * Calls back when the server gave up on a message after `max_deliver` deliveries without a settle
   * (the handler timed out or the process died): the max-deliveries advisory. Returns an unsubscribe.
   */
  onMaxDeliveries(listener: (streamSequence: number, deliveries: number) => void): Promise<() => void>;
}

/** What the runner needs to dead-letter a message. */
export interface DeadLetterWriter {
  publish(subject: string, data: Uint8Array, options: PublishOptions): Promise<PubAck>;
  /** The stored message at `seq`, or null when it is gone (acked off a work queue, expired). */
  load(stream: string, seq: number): Promise<{ subject: string; data: Uint8Array; headers: Headers } | null>;
}

export interface ConsumerRunnerConfig {
  spec: ConsumerSpec;
  handler: MessageHandler;
  options?: ConsumeOptions;
  source: MessageSource;
  deadLetters: DeadLetterWriter;
  /** Subject dead letters of this stream go to (`topology.subjects.dlq(<stream>)`). */
  deadLetterSubject: string;
  log?: BusLogger;
}

/** Default nak delay: 1 s doubling per delivery, capped at 60 s, with up to 50% jitter so replicas do not retry in step. */
export function defaultRetryDelayMs(deliveryCount: number): number {
  const base = Math.min(60_000, 1000 * 2 ** Math.max(0, deliveryCount - 1));
  return Math.round(base * (0.5 + Math.random() * 0.5));
}

/** The `Nats-Msg-Id` of a dead-lettered copy: the runner and the advisory backstop never both store one. */
export function deadLetterMessageId(stream: string, streamSequence: number): string {
  return `dlq:${stream}:${streamSequence}`;
}

const HEADER_VALUE_LIMIT = 1024;

function headerSafe(value: string): string {
  const oneLine = value.replace(/[\r\n]+/g, ' ');
  return oneLine.length > HEADER_VALUE_LIMIT ? `${oneLine.slice(0, HEADER_VALUE_LIMIT - 3)}...` : oneLine;
}

/** Headers of the dead-lettered copy: the original ones (minus server directives) plus why and from where. */
export function deadLetterHeaders(
  original: Headers,
  meta: { reason: string; subject: string; stream: string; deliveries: number },
): Headers {
  const out: Headers = {};
  // `Nats-*` headers are directives to the server (dedupe id, expected sequences) that would make
  // the copy fail or be dropped; the original id is kept under another name for inspection.
  for (const [name, value] of Object.entries(original)) {
    if (!name.toLowerCase().startsWith('nats-')) out[name] = value;
  }
  const originalId = Object.entries(original).find(
    ([name]) => name.toLowerCase() === HEADERS.msgId.toLowerCase(),
  )?.[1];
  if (originalId) out['af-dlq-msg-id'] = originalId;
  out[HEADERS.deadLetterReason] = headerSafe(meta.reason);
  out[HEADERS.deadLetterSubject] = meta.subject;
  out[HEADERS.deadLetterStream] = meta.stream;
  out[HEADERS.deadLetterDeliveries] = String(meta.deliveries);
  return out;
}

/** Shortest time the server waits for a settle, so heartbeats come well before it. */
function heartbeatIntervalMs(spec: ConsumerSpec): number {
  const waits = [spec.ackWaitMs, ...spec.backoffMs].filter((n) => n > 0);
  return Math.max(100, Math.floor(Math.min(...waits) / 3));
}

function isPoison(error: unknown): boolean {
  return error instanceof SyntaxError || !isRetryable(error);
}

/** Starts pulling from `source` and handling messages. Stop with the returned handle. */
export function startConsumerRunner(config: ConsumerRunnerConfig): ConsumerHandle {
  const { spec, handler, source, deadLetters, deadLetterSubject } = config;
  const options = config.options ?? {};
  const log = config.log ?? busLog;
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const maxWaiting = Math.max(0, options.maxWaiting ?? 64);
  /** Handlers waiting on outside work that gave their slot back (see InboundMessage.waiting). */
  let waitingCount = 0;
  const heartbeatMs = heartbeatIntervalMs(spec);
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  let wakeLoop: (() => void) | undefined;
  let unsubscribeAdvisory: (() => void) | undefined;

  const retryDelay = (deliveryCount: number, error: unknown): number => {
    if (error instanceof TransientError && error.retryAfterMs !== undefined)
      return Math.max(0, error.retryAfterMs);
    return Math.max(
      0,
      options.retryDelayMs ? options.retryDelayMs(deliveryCount, error) : defaultRetryDelayMs(deliveryCount),
    );
  };

  const deadLetter = async (
    subject: string,
    data: Uint8Array,
    headers: Headers,
    seq: number,
    deliveries: number,
    reason: string,
  ) => {
    await deadLetters.publish(deadLetterSubject, data, {
      msgId: deadLetterMessageId(spec.stream, seq),
      headers: deadLetterHeaders(headers, { reason, subject, stream: spec.stream, deliveries }),
    });
    metrics.deadLetters.inc({ stream: spec.stream, consumer: spec.durable });
  };

  const handle = async (raw: InboundMessage): Promise<void> => {
    let settled = false;
    let gaveSlotBack = false;
    const msg: InboundMessage = {
      subject: raw.subject,
      data: raw.data,
      headers: raw.headers,
      info: raw.info,
      json: <T>() => raw.json<T>(),
      ack: async () => {
        settled = true;
        await raw.ack();
      },
      nak: (delayMs?: number) => {
        settled = true;
        raw.nak(delayMs);
      },
      term: (reason?: string) => {
        settled = true;
        raw.term(reason);
      },
      working: () => raw.working(),
      waiting: () => {
        if (gaveSlotBack || settled || waitingCount >= maxWaiting) return;
        gaveSlotBack = true;
        waitingCount += 1;
        wakeLoop?.();
      },
    };
    const heartbeat = setInterval(() => {
      if (settled) return;
      try {
        raw.working();
      } catch (error) {
        // The connection is gone: the server will redeliver after ack wait; never crash the process.
        log.warn(
          { err: describeError(error), stream: spec.stream, consumer: spec.durable },
          'heartbeat failed',
        );
      }
    }, heartbeatMs);
    try {
      await withConsumerSpan(
        raw.subject,
        raw.headers,
        {
          'messaging.consumer.group.name': spec.durable,
          'messaging.nats.stream': spec.stream,
          'messaging.nats.delivery_count': raw.info.deliveryCount,
        },
        () => handler(msg),
      );
      // Unsettled after success means done, also under manualSettle (a handler that wanted a
      // redelivery would have nak'ed).
      if (!settled) await msg.ack();
    } catch (error) {
      if (settled) {
        log.warn(
          { err: describeError(error), subject: raw.subject, stream: spec.stream, consumer: spec.durable },
          'handler failed after settling its message',
        );
        return;
      }
      const { deliveryCount } = raw.info;
      const lastDelivery = spec.maxDeliver > 0 && deliveryCount >= spec.maxDeliver;
      if (!isPoison(error) && !lastDelivery) {
        const delay = retryDelay(deliveryCount, error);
        log.warn(
          {
            err: describeError(error),
            subject: raw.subject,
            stream: spec.stream,
            consumer: spec.durable,
            deliveryCount,
            retryInMs: delay,
          },
          'handler failed; message will be redelivered',
        );
        msg.nak(delay);
        return;
      }
      const reason = isPoison(error)
        ? `not retryable: ${describeError(error)}`
        : `last allowed delivery (${deliveryCount} of ${spec.maxDeliver}) failed: ${describeError(error)}`;
      try {
        await deadLetter(raw.subject, raw.data, raw.headers, raw.info.streamSequence, deliveryCount, reason);
        log.warn(
          {
            subject: raw.subject,
            stream: spec.stream,
            consumer: spec.durable,
            seq: raw.info.streamSequence,
            reason,
          },
          'message dead-lettered',
        );
        msg.term(reason);
      } catch (dlqError) {
        // Without a dead-letter copy the message must not be dropped: give it back. On the last
        // delivery the server then gives up and the max-deliveries advisory retries the copy.
        log.error(
          { err: describeError(dlqError), stream: spec.stream, consumer: spec.durable },
          'dead-lettering failed; message handed back',
        );
        msg.nak(retryDelay(deliveryCount, dlqError));
      }
    } finally {
      clearInterval(heartbeat);
      if (gaveSlotBack) waitingCount -= 1;
    }
  };

  const track = (raw: InboundMessage) => {
    const running = handle(raw)
      .catch((error: unknown) => {
        // Settling itself failed (connection lost): the server redelivers after ack wait.
        log.error(
          { err: describeError(error), stream: spec.stream, consumer: spec.durable },
          'settling a message failed',
        );
      })
      .finally(() => {
        inFlight.delete(running);
        wakeLoop?.();
      });
    inFlight.add(running);
  };

  const waitForSlot = () =>
    new Promise<void>((resolve) => {
      wakeLoop = () => {
        wakeLoop = undefined;
        resolve();
      };
    });

  const loop = (async () => {
    let failures = 0;
    while (!stopping) {
      const free = concurrency - (inFlight.size - waitingCount);
      if (free <= 0) {
        await waitForSlot();
        continue;
      }
      try {
        await source.pull(free, (raw) => {
          // Arrived after stop(): hand it back at once so another replica takes it.
          if (!stopping) return track(raw);
          try {
            raw.nak(0);
          } catch {
            // Not handed back: the server redelivers it after ack wait.
          }
        });
        failures = 0;
      } catch (error) {
        if (stopping) break;
        failures += 1;
        log.error(
          { err: describeError(error), stream: spec.stream, consumer: spec.durable },
          'pull failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** failures)));
      }
    }
  })();

  void source
    .onMaxDeliveries((seq, deliveries) => {
      void (async () => {
        const stored = await deadLetters.load(spec.stream, seq);
        if (!stored) return;
        const reason = `max deliveries (${deliveries}) reached without a settle: the handler timed out or its process died`;
        await deadLetter(stored.subject, stored.data, stored.headers, seq, deliveries, reason);
        log.warn(
          { stream: spec.stream, consumer: spec.durable, seq, reason },
          'message dead-lettered from the max-deliveries advisory',
        );
      })().catch((error: unknown) => {
        log.error(
          { err: describeError(error), stream: spec.stream, consumer: spec.durable, seq },
          'dead-lettering from the advisory failed',
        );
      });
    })
    .then((unsubscribe) => {
      if (stopping) unsubscribe();
      else unsubscribeAdvisory = unsubscribe;
    })
    .catch((error: unknown) =>
      log.error({ err: describeError(error), stream: spec.stream }, 'max-deliveries advisory unavailable'),
    );

  return {
    spec,
    get inFlight() {
      return inFlight.size;
    },
    async stop(timeoutMs = 30_000) {
      if (!stopping) {
        stopping = true;
        wakeLoop?.();
        await source.close();
      }
      await loop;
      unsubscribeAdvisory?.();
      unsubscribeAdvisory = undefined;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}

/**
 * Wraps a running consumer so the bus that started it can stop it on drain, and forgets it once
 * stopped. Both bus implementations keep their live consumers this way.
 */
export function trackConsumer(
  handles: Set<ConsumerHandle>,
  spec: ConsumerSpec,
  handle: { readonly inFlight: number; stop(timeoutMs?: number): Promise<void> },
): ConsumerHandle {
  const tracked: ConsumerHandle = {
    spec,
    get inFlight() {
      return handle.inFlight;
    },
    stop: async (timeoutMs) => {
      await handle.stop(timeoutMs);
      handles.delete(tracked);
    },
  };
  handles.add(tracked);
  return tracked;
}
