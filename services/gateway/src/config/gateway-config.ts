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
}

const LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export function readGatewayEnv(env: Readonly<Record<string, string | undefined>>): GatewayEnv {
  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL=${env.LOG_LEVEL}: expected one of ${LEVELS.join(', ')}`);
  return {
    providersFile: env.PROVIDERS_FILE ?? 'workflows/providers.yml',
    settingsFile: env.GATEWAY_CONFIG_FILE ?? 'workflows/gateway.yml',
    policyFile: env.GATEWAY_POLICY_FILE || undefined,
    logLevel,
    recordsWriter: env.GATEWAY_RECORDS_WRITER !== 'off',
    keysFile: env.GATEWAY_KEYS_FILE || undefined,
  };
}
