export {
  BusTransportStrategy,
  REPLY_ERROR_HEADER,
  toReplyError,
  type BusTransportOptions,
  type ReplyError,
} from './bus-transport-strategy';
export { BusClientProxy, BusRecord, BusReplyError, type BusClientOptions } from './bus-client-proxy';
export { BusContext } from './bus-context';
export { BusExceptionFilter } from './bus-exception-filter';
