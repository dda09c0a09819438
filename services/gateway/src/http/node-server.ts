/**
 * The HTTP front on its own node:http server (the bench, tests, and a gateway run without the
 * service kit). `agentflow up` mounts the same front on its Fastify listener instead (fastify-mount.ts).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { GatewayHttpFront } from './http-front';

/** Requests larger than this are refused with 413: prompts are text, not uploads. @default 10 MiB */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

type BodyRead = { raw?: Buffer; tooLarge?: boolean };

/**
 * Reads the body's bytes; the front checks the content type and parses the JSON, so every error
 * is in the dialect's shape. Plain 'data'/'end' listeners, not `for await`: the stream's async
 * iterator costs a promise and a microtask turn per chunk, on every request.
 */
function readBody(req: IncomingMessage, done: (read: BodyRead) => void): void {
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      req.off('data', onData).off('end', onEnd);
      req.pause();
      done({ tooLarge: true });
      return;
    }
    if (!first) first = chunk;
    else (more ??= [first]).push(chunk);
  };
  const onEnd = () => done({ raw: more ? Buffer.concat(more) : first });
  req.on('data', onData).on('end', onEnd);
}

export function createGatewayHttpServer(front: GatewayHttpFront): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!front.serves(req.method ?? '', path)) {
      // The body is not needed, but read and dropped so the connection stays usable for the next request.
      req.resume();
      return front.refuse(req, res, {
        kind: 'not_found',
        message: `${req.method} ${path} is not served by the gateway`,
        code: null,
      });
    }
    req.once('error', () => res.destroy());
    readBody(req, ({ raw, tooLarge }) => {
      if (!tooLarge) return void front.handleRaw(req, res, raw);
      // The rest of an oversized body is not read: the connection closes once the 413 is out.
      res.once('finish', () => req.socket.destroy());
      front.refuse(req, res, {
        kind: 'too_large',
        message: `request body over ${MAX_BODY_BYTES} bytes; send a shorter prompt`,
      });
    });
  });
  // Longer than the load balancers' and SDKs' idle timeouts, so pooled client connections are reused, not raced.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}
