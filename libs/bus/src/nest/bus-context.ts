import { BaseRpcContext } from '@nestjs/microservices';
import type { DeliveryInfo, Headers, InboundMessage, ReplyMessage } from '../bus';

/**
 * The `@Ctx()` of a handler bound by {@link BusTransportStrategy}: the raw bus message (for
 * `messenger.read`, headers, delivery info, heartbeats).
 */
export class BusContext extends BaseRpcContext<[InboundMessage | ReplyMessage]> {
  getMessage(): InboundMessage | ReplyMessage {
    return this.args[0];
  }

  /** The stream message of an `@EventPattern` handler (throws for a `@MessagePattern` request). */
  getInboundMessage(): InboundMessage {
    const msg = this.args[0];
    if (!('info' in msg))
      throw new TypeError('getInboundMessage() is only available in @EventPattern handlers');
    return msg;
  }

  getSubject(): string {
    return this.args[0].subject;
  }

  getHeaders(): Headers {
    return this.args[0].headers;
  }

  /** Delivery count, redelivered flag, stream sequence; undefined for requests. */
  getDeliveryInfo(): DeliveryInfo | undefined {
    const msg = this.args[0];
    return 'info' in msg ? msg.info : undefined;
  }
}
