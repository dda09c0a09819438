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
// The NestJS transport (BusTransportStrategy, BusClientProxy, ...) is imported from './nest', not
// from here: every service imports this index, and none runs a Nest microservice, so loading
// @nestjs/microservices here cost each process its memory for nothing.
export { expectedStreams, inspectNats, type NatsInspection } from './inspect';
