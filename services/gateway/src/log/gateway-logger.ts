/**
 * Structured JSON lines, scrubbed as a whole line before they leave the process. Prompt and
 * completion text are never passed here: callers log ids, counts, models and outcomes only.
 */
import { inspect } from 'node:util';
import type { SecretScrubber } from './secret-scrubber';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface GatewayLogger {
  readonly level: LogLevel;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export class JsonLineLogger implements GatewayLogger {
  constructor(
    readonly level: LogLevel,
    private readonly scrubber: SecretScrubber,
    private readonly write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
    private readonly component = 'gateway',
  ) {}

  private log(level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>): void {
    if (RANK[level] < RANK[this.level]) return;
    let line: string;
    try {
      line = JSON.stringify({
        time: new Date().toISOString(),
        level,
        component: this.component,
        msg: message,
        ...fields,
      });
    } catch {
      line = JSON.stringify({
        time: new Date().toISOString(),
        level,
        component: this.component,
        msg: message,
        fields: inspect(fields, { depth: 4 }),
      });
    }
    this.write(this.scrubber.scrub(line));
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.log('debug', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.log('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.log('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.log('error', message, fields);
  }
}

type SdkLogFn = (message: string, ...rest: unknown[]) => void;
export interface SdkLogger {
  debug: SdkLogFn;
  info: SdkLogFn;
  warn: SdkLogFn;
  error: SdkLogFn;
}

/** The vendors' SDK loggers write through ours, so their debug output is scrubbed like everything else. */
export function sdkLogger(logger: GatewayLogger, vendor: string): SdkLogger {
  const fields = (rest: unknown[]) =>
    rest.length
      ? {
          vendor,
          detail: rest
            .map((r) => (typeof r === 'string' ? r : inspect(r, { depth: 4, breakLength: Infinity })))
            .join(' '),
        }
      : { vendor };
  return {
    debug: (m, ...rest) => logger.debug(m, fields(rest)),
    info: (m, ...rest) => logger.info(m, fields(rest)),
    warn: (m, ...rest) => logger.warn(m, fields(rest)),
    error: (m, ...rest) => logger.error(m, fields(rest)),
  };
}

export function sdkLogLevel(level: LogLevel): 'debug' | 'info' | 'warn' | 'error' | 'off' {
  return level === 'silent' ? 'off' : level;
}
