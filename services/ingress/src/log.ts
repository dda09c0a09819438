/** The little logging the ingress needs; Nest's `Logger` satisfies it, tests pass a silent one. */
export interface IngressLog {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLog: IngressLog = { log: () => undefined, warn: () => undefined, error: () => undefined };

/** Current time; tests fake it to replay a delivery days later. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
