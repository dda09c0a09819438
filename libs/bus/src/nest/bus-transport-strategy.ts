/**
 * A NestJS `CustomTransportStrategy` over any {@link MessageBus}: each `@EventPattern(subject)`
 * handler becomes a durable pull consumer (ack after the handler resolved, nak or dead-letter by
 * the error's `retryable`), each `@MessagePattern(subject)` a request/reply service in a queue
 * group. Nest's built-in NATS transport is core NATS only (no acks, no redelivery), hence this.
 */
import { Server, type CustomTransportStrategy } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { ConsumerSpec } from '@agentflow/contracts';
import type { ConsumeOptions, ConsumerHandle, MessageBus, ServiceHandle } from '../bus';
import { encodeJson } from '../message-codec';
import { BusContext } from './bus-context';

/** Header set on a request reply that carries an error instead of a result. */
export const REPLY_ERROR_HEADER = 'af-error';

export interface BusTransportOptions {
  bus: MessageBus;
  /** The durable consumer an `@EventPattern` subject is bound to. Unbound patterns fail `listen()`. */
  consumerFor(pattern: string): ConsumerSpec | undefined;
  /** Concurrency, retry delays, manual settling, per pattern. */
  consumeOptions?: (pattern: string) => ConsumeOptions | undefined;
  /** Queue group of the `@MessagePattern` services. @default 'agentflow' */
  queue?: string;
}

/** How an error crosses a reply: enough for the caller to decide whether to retry. */
export interface ReplyError {
  message: string;
  code: string;
  retryable: boolean;
}

export function toReplyError(error: unknown): ReplyError {
  const e = error as { message?: unknown; code?: unknown; retryable?: unknown; name?: unknown } | null;
  return {
    message: typeof e?.message === 'string' ? e.message : String(error),
    code: typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'error',
    retryable: typeof e?.retryable === 'boolean' ? e.retryable : true,
  };
}

/** Nest's default filter turns errors into plain `{status, message}` objects; name that for the dead-letter reason. */
function asError(error: unknown): unknown {
  if (error instanceof Error || (error && typeof error === 'object' && 'retryable' in error)) return error;
  const message = (error as { message?: unknown } | null)?.message;
  return new Error(
    `handler failed: ${typeof message === 'string' ? message : JSON.stringify(error)} (Nest's default exception filter hid the original error; register BusExceptionFilter)`,
  );
}

export class BusTransportStrategy extends Server implements CustomTransportStrategy {
  private readonly consumers: ConsumerHandle[] = [];
  private readonly services: ServiceHandle[] = [];

  constructor(private readonly options: BusTransportOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const [pattern, handler] of this.messageHandlers) {
        if (handler.isEventHandler) await this.bindEvent(pattern);
        else await this.bindRequest(pattern);
      }
      callback();
    } catch (error) {
      await this.close();
      callback(error);
    }
  }

  private async bindEvent(pattern: string): Promise<void> {
    const spec = this.options.consumerFor(pattern);
    if (!spec)
      throw new Error(
        `@EventPattern("${pattern}") has no consumer: return a ConsumerSpec for it from consumerFor()`,
      );
    const handle = await this.options.bus.consume(
      spec,
      async (msg) => {
        const handler = this.getHandlerByPattern(pattern);
        if (!handler) throw new Error(`no handler for ${pattern}`);
        const data = msg.data.byteLength > 0 ? msg.json() : undefined;
        try {
          const result = await handler(data, new BusContext([msg]));
          await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
        } catch (error) {
          throw asError(error);
        }
      },
      this.options.consumeOptions?.(pattern),
    );
    this.consumers.push(handle);
  }

  private async bindRequest(pattern: string): Promise<void> {
    const service = await this.options.bus.serve(pattern, this.options.queue ?? 'agentflow', async (msg) => {
      const handler = this.getHandlerByPattern(pattern);
      try {
        if (!handler) throw new Error(`no handler for ${pattern}`);
        const data = msg.data.byteLength > 0 ? msg.json() : undefined;
        const result = await handler(data, new BusContext([msg]));
        const response = await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
        msg.respond(encodeJson(response ?? null));
      } catch (error) {
        const replyError = toReplyError(asError(error));
        msg.respond(encodeJson(replyError), { [REPLY_ERROR_HEADER]: replyError.code });
      }
    });
    this.services.push(service);
  }

  /** Stops pulling and waits for in-flight handlers; the bus itself stays open (its owner drains it). */
  async close(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((c) => c.stop()));
    await Promise.all(this.services.splice(0).map((s) => s.stop()));
  }

  on(): never {
    throw new Error('BusTransportStrategy has no events; watch the bus with isHealthy()');
  }

  unwrap<T>(): T {
    return this.options.bus as T;
  }
}
