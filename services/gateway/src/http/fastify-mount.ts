/**
 * Mounts the HTTP front on the service kit's Fastify listener (`agentflow up`, the gateway image):
 * raw routes, no Nest controller in between, the parsed body handed over and the reply hijacked so
 * the front writes to the socket itself.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GATEWAY_HTTP_ROUTES, type GatewayHttpFront } from './http-front';

/** The part of a Fastify instance used here (kept structural so the gateway does not depend on Fastify). */
export interface FastifyLike {
  route(options: {
    method: string;
    url: string;
    handler: (request: { raw: IncomingMessage; body?: unknown }, reply: { raw: ServerResponse; hijack(): void }) => Promise<void>;
  }): unknown;
}

export function mountGatewayHttp(fastify: FastifyLike, front: GatewayHttpFront): void {
  for (const route of GATEWAY_HTTP_ROUTES) {
    fastify.route({
      method: route.method,
      url: route.path,
      handler: async (request, reply) => {
        reply.hijack();
        await front.handle(request.raw, reply.raw, request.body);
      },
    });
  }
}
