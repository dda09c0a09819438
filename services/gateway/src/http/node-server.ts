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

type BodyRead = { body?: unknown; error?: [number, string] };

/**
 * Reads and parses the JSON body. Plain 'data'/'end' listeners, not `for await`: the stream's
 * async iterator costs a promise and a microtask turn per chunk, on every request.
 */
function readJson(req: IncomingMessage, done: (read: BodyRead) => void): void {
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      req.off('data', onData).off('end', onEnd);
      req.pause();
      done({ error: [413, `request body over ${MAX_BODY_BYTES} bytes`] });
      return;
    }
    if (!first) first = chunk;
    else (more ??= [first]).push(chunk);
  };
  const onEnd = () => {
    if (!first) return done({ body: undefined });
    try {
      done({ body: JSON.parse((more ? Buffer.concat(more) : first).toString('utf8')) });
    } catch {
      done({ error: [400, 'the request body is not valid JSON'] });
    }
  };
  req.on('data', onData).on('end', onEnd);
}

export function createGatewayHttpServer(front: GatewayHttpFront): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!front.serves(req.method ?? '', path)) return reject(res, 404, `${req.method} ${path} is not served by the gateway`);
    req.once('error', () => res.destroy());
    readJson(req, ({ body, error }) => {
      if (!error) return void front.handle(req, res, body);
      // The rest of an oversized body is not read: the connection closes once the 413 is out.
      if (error[0] === 413) res.once('finish', () => req.socket.destroy());
      reject(res, error[0], error[1]);
    });
  });
  // Longer than the load balancers' and SDKs' idle timeouts, so pooled client connections are reused, not raced.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}
