/**
 * Mounts the HTTP front on the service kit's Fastify listener (`agentflow up`, the gateway image):
 * raw routes, no Nest controller in between, the body's bytes handed over and the reply hijacked so
 * the front writes to the socket itself.
 *
 * The routes live in their own Fastify scope under `/v1` with a content-type parser that keeps every
 * body as bytes, an error handler and a not-found handler of their own: Fastify's default answers
 * (`{"statusCode":400,"message":"Body is not valid JSON..."}`, its 413, 415 and 404) are not what
 * the vendors' SDKs parse, so every error under `/v1` comes from the front, in the dialect's shape.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GATEWAY_HTTP_ROUTES, type GatewayHttpFront } from './http-front';
import { MAX_BODY_BYTES } from './node-server';

interface FastifyRequestLike {
  raw: IncomingMessage;
  body?: unknown;
}

interface FastifyReplyLike {
  raw: ServerResponse;
  hijack(): void;
}

/** The part of a Fastify scope used here (kept structural so the gateway does not depend on Fastify). */
export interface FastifyScopeLike {
  route(options: {
    method: string;
    url: string;
    handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<void>;
  }): unknown;
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: string,
    options: { parseAs: 'buffer'; bodyLimit: number },
    parser: (request: unknown, body: Buffer, done: (error: Error | null, body?: unknown) => void) => void,
  ): void;
  setErrorHandler(
    handler: (
      error: { statusCode?: number; message?: string },
      request: FastifyRequestLike,
      reply: FastifyReplyLike,
    ) => void,
  ): unknown;
  setNotFoundHandler(handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => void): unknown;
}

/** The part of a Fastify instance used here. */
export interface FastifyLike {
  register(plugin: (scope: FastifyScopeLike) => Promise<void>, options: { prefix: string }): unknown;
}

const PREFIX = '/v1';

export function mountGatewayHttp(fastify: FastifyLike, front: GatewayHttpFront): void {
  fastify.register(
    async (scope) => {
      scope.removeAllContentTypeParsers();
      // Every content type is kept as bytes; the front says 415 for one that is not JSON.
      scope.addContentTypeParser(
        '*',
        { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES },
        (_request, body, done) => done(null, body),
      );
      scope.setErrorHandler((error, request, reply) => {
        reply.hijack();
        const status = error.statusCode ?? 500;
        if (status === 413)
          return front.refuse(request.raw, reply.raw, {
            kind: 'too_large',
            message: `request body over ${MAX_BODY_BYTES} bytes; send a shorter prompt`,
          });
        if (status === 415)
          return front.refuse(request.raw, reply.raw, {
            kind: 'unsupported_media_type',
            message: 'the body must be JSON (Content-Type: application/json)',
          });
        if (status >= 400 && status < 500)
          return front.refuse(request.raw, reply.raw, {
            kind: 'invalid_request',
            message: `the request could not be read (${error.message ?? status})`,
          });
        front.refuse(request.raw, reply.raw, {
          kind: 'unavailable',
          message: 'the gateway failed; retry the request',
        });
      });
      scope.setNotFoundHandler((request, reply) => {
        reply.hijack();
        const path = (request.raw.url ?? '/').split('?')[0];
        front.refuse(request.raw, reply.raw, {
          kind: 'not_found',
          message: `${request.raw.method} ${path} is not served by the gateway`,
          code: null,
        });
      });
      for (const route of GATEWAY_HTTP_ROUTES) {
        scope.route({
          method: route.method,
          url: route.path.slice(PREFIX.length),
          handler: async (request, reply) => {
            reply.hijack();
            await front.handleRaw(
              request.raw,
              reply.raw,
              Buffer.isBuffer(request.body) ? request.body : undefined,
            );
          },
        });
      }
    },
    { prefix: PREFIX },
  );
}
