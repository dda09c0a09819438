/**
 * The gateway's environment, read once at start-up (the only place that reads it).
 */
import { ConfigError } from '@agentflow/contracts';
import type { LogLevel } from '../log/gateway-logger';

export interface GatewayEnv {
  /** providers.yml. @default workflows/providers.yml */
  providersFile: string;
  /** gateway.yml (budgets, policy, tiers). @default workflows/gateway.yml */
  settingsFile: string;
  /** The security-owned never-sent list, outside the repositories (watched). */
  policyFile?: string;
  logLevel: LogLevel;
  /** Run the ledger/audit writer in this process. @default true */
  recordsWriter: boolean;
  /** Virtual keys for the HTTP front (`GATEWAY_KEYS_FILE`); without it the HTTP front is off. */
  keysFile?: string;
  /**
   * `GATEWAY_MODEL_CHECK`: list each vendor's models at start and every few hours and turn off the
   * configured ones the account lacks. `auto` checks providers on the vendor's own API (no
   * `baseUrl`), `on` every provider with a key and a list API, `off` none. @default auto
   */
  modelCheck: 'off' | 'auto' | 'all';
  /** `GATEWAY_MODEL_CHECK_HOURS`: hours between checks. @default 6 */
  modelRecheckHours: number;
}

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export function readGatewayEnv(env: Readonly<Record<string, string | undefined>>): GatewayEnv {
  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LEVELS.includes(logLevel))
    throw new ConfigError(`LOG_LEVEL=${env.LOG_LEVEL}: expected one of ${LEVELS.join(', ')}`);
  const check = env.GATEWAY_MODEL_CHECK ?? 'auto';
  if (!['off', 'auto', 'on'].includes(check))
    throw new ConfigError(
      `GATEWAY_MODEL_CHECK=${check}: expected auto (vendors' own APIs), on (every provider with a key) or off`,
    );
  const hours = env.GATEWAY_MODEL_CHECK_HOURS === undefined ? 6 : Number(env.GATEWAY_MODEL_CHECK_HOURS);
  if (!Number.isFinite(hours) || hours < 0.1 || hours > 24 * 7)
    throw new ConfigError(
      `GATEWAY_MODEL_CHECK_HOURS=${env.GATEWAY_MODEL_CHECK_HOURS}: expected hours between model-list checks, from 0.1 to 168; unset it for 6`,
    );
  return {
    providersFile: env.PROVIDERS_FILE ?? 'workflows/providers.yml',
    settingsFile: env.GATEWAY_CONFIG_FILE ?? 'workflows/gateway.yml',
    policyFile: env.GATEWAY_POLICY_FILE || undefined,
    logLevel,
    recordsWriter: env.GATEWAY_RECORDS_WRITER !== 'off',
    keysFile: env.GATEWAY_KEYS_FILE || undefined,
    modelCheck: check === 'on' ? 'all' : (check as 'off' | 'auto'),
    modelRecheckHours: hours,
  };
}
