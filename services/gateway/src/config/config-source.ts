/**
 * Where the gateway's configuration comes from. The workflow library's `loadProvidersConfig`
 * (file/line/column errors, aliases) plugs in behind {@link ProvidersConfigSource}.
 * {@link WorkflowProvidersConfig} is the production source; {@link YamlProvidersConfigFile} reads the
 * file directly (tools and tests that should not depend on the workflow library's rules).
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { ConfigError, type ProvidersConfig } from '@agentflow/contracts';
import { loadProvidersConfig } from '@agentflow/workflow';
import { readGatewaySettings, type GatewaySettings } from './gateway-settings';

export interface ProvidersConfigSource {
  load(): Promise<ProvidersConfig>;
}

/** Checks the parts of a providers config the gateway relies on; the message names the provider and field. */
export function checkProvidersConfig(raw: unknown, origin: string): ProvidersConfig {
  const providers = (raw as { providers?: unknown } | null)?.providers;
  if (!providers || typeof providers !== 'object')
    throw new ConfigError(`${origin}: expected a \`providers:\` mapping`);
  for (const [name, p] of Object.entries(providers as Record<string, Record<string, unknown>>)) {
    if (typeof p.kind !== 'string') throw new ConfigError(`${origin}: providers.${name}.kind is required`);
    if (!Array.isArray(p.dataClasses))
      throw new ConfigError(
        `${origin}: providers.${name}.dataClasses must list the data classes it may receive`,
      );
    if (!p.models || typeof p.models !== 'object')
      throw new ConfigError(`${origin}: providers.${name}.models is required`);
    for (const [model, m] of Object.entries(p.models as Record<string, Record<string, unknown>>)) {
      if (typeof m.contextWindow !== 'number')
        throw new ConfigError(`${origin}: providers.${name}.models.${model}.contextWindow is required`);
      if (!Array.isArray(m.prices) || m.prices.length === 0)
        throw new ConfigError(
          `${origin}: providers.${name}.models.${model}.prices needs at least one dated price`,
        );
    }
  }
  return raw as ProvidersConfig;
}

export class YamlProvidersConfigFile implements ProvidersConfigSource {
  constructor(private readonly path: string) {}
  async load(): Promise<ProvidersConfig> {
    const text = await readFile(this.path, 'utf8').catch((e: unknown) => {
      throw new ConfigError(`cannot read providers config ${this.path}: ${String(e)}`);
    });
    return checkProvidersConfig(parse(text), this.path);
  }
}

/** providers.yml through the workflow library (aliases, retired models, file:line:col errors). */
export class WorkflowProvidersConfig implements ProvidersConfigSource {
  constructor(private readonly path: string) {}
  async load(): Promise<ProvidersConfig> {
    return checkProvidersConfig(loadProvidersConfig(this.path), this.path);
  }
}

/** Reads workflows/gateway.yml; a missing file means the defaults. */
export async function loadGatewaySettings(path: string): Promise<GatewaySettings> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  return readGatewaySettings(text === undefined ? {} : parse(text));
}
