/**
 * The HTTP front on its own node:http server (the bench, tests, and a gateway run without the
 * service kit). `agentflow up` mounts the same front on its Fastify listener instead (fastify-mount.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { GatewayHttpFront } from './http-front';
import { openaiDialect } from './openai-dialect';

/** Requests larger than this are refused with 413: prompts are text, not uploads. @default 10 MiB */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

function reject(res: ServerResponse, status: number, message: string): void {
  const payload = JSON.stringify(openaiDialect.error({ kind: 'invalid_request', message }, '').body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

async function readJson(req: IncomingMessage): Promise<{ body?: unknown; error?: [number, string] }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return { error: [413, `request body over ${MAX_BODY_BYTES} bytes`] };
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return { body: undefined };
  try {
    return { body: JSON.parse(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { error: [400, 'the request body is not valid JSON'] };
  }
}

export function createGatewayHttpServer(front: GatewayHttpFront): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!front.serves(req.method ?? '', path)) return reject(res, 404, `${req.method} ${path} is not served by the gateway`);
    readJson(req).then(({ body, error }) => {
      if (error) return reject(res, error[0], error[1]);
      return front.handle(req, res, body);
    }, () => res.destroy());
  });
  // Longer than the load balancers' and SDKs' idle timeouts, so pooled client connections are reused, not raced.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}
