/**
 * The bus logs through this narrow shape (pino's `logger.warn(obj, msg)` fits it), so the bus does
 * not depend on a logging library. The default writes JSON lines to stderr unless LOG_LEVEL is
 * `silent`.
 */
export interface BusLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

function write(level: 'warn' | 'error', fields: Record<string, unknown>, message: string): void {
  const setting = process.env.LOG_LEVEL ?? 'info';
  if (setting === 'silent' || (setting === 'error' && level === 'warn') || setting === 'fatal') return;
  process.stderr.write(
    `${JSON.stringify({ level, time: new Date().toISOString(), component: 'bus', msg: message, ...fields })}\n`,
  );
}

export const busLog: BusLogger = {
  warn: (fields, message) => write('warn', fields, message),
  error: (fields, message) => write('error', fields, message),
};
