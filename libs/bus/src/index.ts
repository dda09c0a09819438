export * from './bus';
export * from './messenger';
export * from './errors';
export { createBus, type CreateBusOptions } from './create-bus';
export { createMessenger, type MessengerOptions } from './create-messenger';
export { provisionTopology, deleteTopology, type ProvisionOptions } from './provision';
export { JetStreamBus, type JetStreamBusOptions } from './jetstream-bus';
export { EmbeddedBus, type EmbeddedBusOptions } from './embedded/embedded-bus';
export { DataDirLockedError } from './embedded/file-journal';
export { injectTraceContext, extractTraceContext, runWithTraceContext } from './trace-context';
export { defaultRetryDelayMs, deadLetterMessageId } from './consumer-runner';
export { redeliverySpanMs } from './provisioning-rules';
export type { BusLogger } from './log';
export {
  BusTransportStrategy,
  REPLY_ERROR_HEADER,
  toReplyError,
  type BusTransportOptions,
  type ReplyError,
} from './nest/bus-transport-strategy';
export { BusClientProxy, BusRecord, BusReplyError, type BusClientOptions } from './nest/bus-client-proxy';
export { BusContext } from './nest/bus-context';
export { BusExceptionFilter } from './nest/bus-exception-filter';
export { expectedStreams, inspectNats, type NatsInspection } from './inspect';
