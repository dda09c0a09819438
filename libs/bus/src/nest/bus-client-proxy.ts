/**
 * A NestJS `ClientProxy` over any {@link MessageBus}: `emit(subject, data)` publishes to the
 * stream that captures the subject (JSON, trace context in headers), `send(subject, data)` is a
 * request/reply whose error replies arrive as {@link BusReplyError}.
 */
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import type { Headers, MessageBus, PubAck } from '../bus';
import { encodeJson } from '../message-codec';
import { injectTraceContext } from '../trace-context';
import { REPLY_ERROR_HEADER, type ReplyError } from './bus-transport-strategy';

/** Data plus publish options for `emit`: a deterministic `Nats-Msg-Id`, extra headers. */
export class BusRecord<T = unknown> {
  constructor(
    readonly data: T,
    readonly options: { msgId?: string; headers?: Headers } = {},
  ) {}
}

/** An error reply from a `@MessagePattern` service; `retryable` says whether asking again can help. */
export class BusReplyError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(
    readonly subject: string,
    reply: ReplyError,
  ) {
    super(`${subject}: ${reply.message}`);
    this.name = 'BusReplyError';
    this.code = reply.code;
    this.retryable = reply.retryable;
  }
}

export interface BusClientOptions {
  /** Request timeout for `send`. @default 30000 */
  requestTimeoutMs?: number;
}

export class BusClientProxy extends ClientProxy {
  constructor(
    private readonly bus: MessageBus,
    private readonly options: BusClientOptions = {},
  ) {
    super();
  }

  async connect(): Promise<MessageBus> {
    return this.bus;
  }

  /** The bus belongs to its owner, who drains it; closing the client releases nothing. */
  close(): void {}

  unwrap<T>(): T {
    return this.bus as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const subject = this.normalizePattern(packet.pattern);
    const abort = new AbortController();
    const headers = injectTraceContext({});
    this.bus
      .request(subject, encodeJson(packet.data ?? null), {
        timeoutMs: this.options.requestTimeoutMs ?? 30_000,
        headers,
        signal: abort.signal,
      })
      .then((reply) => {
        if (reply.headers[REPLY_ERROR_HEADER] !== undefined)
          callback({ err: new BusReplyError(subject, reply.json<ReplyError>()) });
        else callback({ response: reply.json(), isDisposed: true });
      })
      .catch((error: unknown) => {
        if (!abort.signal.aborted) callback({ err: error });
      });
    return () => abort.abort();
  }

  protected async dispatchEvent<T = PubAck>(packet: ReadPacket): Promise<T> {
    const subject = this.normalizePattern(packet.pattern);
    const record = packet.data instanceof BusRecord ? packet.data : new BusRecord(packet.data);
    const headers = injectTraceContext({ ...(record.options.headers ?? {}) });
    return (await this.bus.publish(subject, encodeJson(record.data ?? null), {
      msgId: record.options.msgId,
      headers,
    })) as T;
  }
}
