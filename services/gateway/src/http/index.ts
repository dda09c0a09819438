export { GatewayHttpFront, GATEWAY_HTTP_ROUTES, frontErrorOf, type HttpFrontOptions } from './http-front';
export { createGatewayHttpServer, MAX_BODY_BYTES } from './node-server';
export { mountGatewayHttp, type FastifyLike } from './fastify-mount';
export { openaiDialect } from './openai-dialect';
export { anthropicDialect } from './anthropic-dialect';
export type { Dialect, ClientCall, FrontError, FrontErrorKind } from './dialect';
export {
  PooledOpenAIProvider,
  PooledAnthropicProvider,
  isPooledProvider,
  FORWARDED_HEADERS,
  type PooledProvider,
} from './vendor-pool';
