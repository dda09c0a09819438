/**
 * Where `agentflow doctor` gets its report: checks run here (`--local`), or the report of a
 * deployed agentflow from its CI API (`GET /api/doctor`, an admin or reader token).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { topology, type ProvidersConfig } from '@agentflow/contracts';
import { runDoctor, type DoctorReport } from '@agentflow/service-kit';
import { findProjectConfigDir, loadProvidersConfig } from '@agentflow/workflow';

type Env = Readonly<Record<string, string | undefined>>;

/** Missing settings or an answer that is no report: the invocation is wrong, not the deployment (exit 2). */
export class DoctorUsageError extends Error {}

function providersFile(env: Env, cwd: string, configDir?: string): string | undefined {
  if (env.PROVIDERS_FILE) return resolve(cwd, env.PROVIDERS_FILE);
  const dir = configDir ? resolve(cwd, configDir) : findProjectConfigDir(cwd);
  const file = dir && resolve(dir, 'providers.yml');
  return file && existsSync(file) ? file : undefined;
}

export async function localReport(
  env: Env,
  cwd: string,
  options: { configDir?: string; timeoutMs?: number } = {},
): Promise<DoctorReport> {
  const file = providersFile(env, cwd, options.configDir);
  let providers: ProvidersConfig | undefined;
  if (file) providers = loadProvidersConfig(file);
  return runDoctor({
    env,
    providers,
    topology: topology(env.AGENTFLOW_BUS_PREFIX || 'af'),
    from: 'local',
    timeoutMs: options.timeoutMs,
  });
}

export async function deployedReport(
  env: Env,
  options: { url?: string; token?: string; fetch?: typeof fetch } = {},
): Promise<DoctorReport> {
  const url = options.url ?? env.AGENTFLOW_URL;
  const token = options.token ?? env.AGENTFLOW_API_TOKEN;
  if (!url)
    throw new DoctorUsageError(
      'set AGENTFLOW_URL (or --url) to the agentflow ingress, or run `agentflow doctor --local` to check this machine',
    );
  if (!token)
    throw new DoctorUsageError(
      'set AGENTFLOW_API_TOKEN (or --token) to an admin or reader token of the ingress',
    );
  const target = `${url.replace(/\/+$/, '')}/api/doctor`;
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(target, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
  } catch (error) {
    throw new DoctorUsageError(`cannot reach ${target}: ${(error as Error).message}`);
  }
  const body = (await res.json().catch(() => undefined)) as (DoctorReport & { detail?: string }) | undefined;
  if (!res.ok || !body?.lines)
    throw new DoctorUsageError(`GET ${target}: HTTP ${res.status} ${body?.detail ?? ''}`.trim());
  return body;
}
