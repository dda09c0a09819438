/**
 * Structured logs (pino, JSON lines on stdout). Level from `LOG_LEVEL` (default `info`). Secrets
 * and prompt text never reach a log line: the keys below are redacted at the top level and one
 * level down, and code logs metadata (sizes, ids, counts), never a prompt or a diff.
 */
import { trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values are replaced by `[redacted]` wherever they appear at depth 0 or 1. */
export const REDACTED_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-hub-signature-256',
  'x-gitlab-token',
  'apiKey',
  'api_key',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'privateKey',
  'private_key',
  'password',
  'secret',
  'webhookSecret',
  'clientSecret',
  // Prompt text and model input: code may pass a request object to a log call by mistake.
  'prompt',
  'prompts',
  'messages',
  'system',
  'input',
] as const;

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of REDACTED_KEYS) {
    const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    const join = (prefix: string) =>
      segment.startsWith('[') ? `${prefix}${segment}` : `${prefix}.${segment}`;
    paths.push(segment.startsWith('[') ? segment : key, join('*'), join('*.headers'), join('headers'));
  }
  return paths;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LoggerOptions {
  /** @default LOG_LEVEL or `info` */
  level?: string;
  /** Where lines go. @default stdout */
  destination?: DestinationStream;
}

/** A logger for one component (`gateway`, `service-kit`); lines carry the active trace and span ids. */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const requested = (options.level ?? process.env.LOG_LEVEL ?? 'info').toLowerCase();
  const level = LEVELS.includes(requested) ? requested : 'info';
  return pino(
    {
      name,
      level,
      redact: { paths: redactPaths(), censor: '[redacted]' },
      // Lets a log line be found from a trace and back.
      mixin() {
        const span = trace.getActiveSpan();
        if (!span) return {};
        const { traceId, spanId } = span.spanContext();
        return { trace_id: traceId, span_id: spanId };
      },
    },
    options.destination,
  );
}
