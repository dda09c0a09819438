/**
 * Vendor keys rotated without a restart: when the mounted file of a provider's key variable
 * changes (the kit's secret watch, `AGENTFLOW_SECRETS_POLL_MS`), the new key goes to every
 * provider built with the old one, and to the log scrubber before anything can print it.
 * Providers that cannot take a key in place (job-style vendors, signed clouds) keep theirs until
 * the next restart, and the log says so.
 */
import type { ProvidersConfig } from '@agentflow/contracts';

export interface KeyRotatable {
  rotateKey(key: string): void;
}

function rotatable(provider: unknown): provider is KeyRotatable {
  return typeof (provider as Partial<KeyRotatable> | undefined)?.rotateKey === 'function';
}

export interface ProviderKeyWatch {
  providers: ProvidersConfig;
  /** The providers as they serve now, by name (the gateway's map, pooled clients included). */
  serving: () => ReadonlyMap<string, unknown>;
  secrets: {
    get(variable: string): string | undefined;
    watch(intervalMs: number, onChange: (variables: string[]) => void): () => void;
  };
  scrubber: { addKnown(value: string, label: string): void };
  log: {
    info(message: string, fields?: Record<string, unknown>): void;
    warn(message: string, fields?: Record<string, unknown>): void;
  };
  /** @default 30000 (the kit's own poll sets the pace once it runs) */
  intervalMs?: number;
}

/** Starts watching; returns the function that stops it. */
export function watchProviderKeys(o: ProviderKeyWatch): () => void {
  const byVariable = new Map<string, string[]>();
  for (const [name, config] of Object.entries(o.providers.providers)) {
    const variable = config.apiKey?.env;
    if (variable) byVariable.set(variable, [...(byVariable.get(variable) ?? []), name]);
  }
  return o.secrets.watch(o.intervalMs ?? 30_000, (variables) => {
    for (const variable of variables) {
      const names = byVariable.get(variable);
      if (!names) continue;
      const key = o.secrets.get(variable);
      if (!key) {
        o.log.warn(
          'a vendor key file was emptied or removed; the providers keep the key they have until it is set again',
          { variable, providers: names },
        );
        continue;
      }
      o.scrubber.addKnown(key, `key:${variable}`);
      const serving = o.serving();
      const rotated: string[] = [];
      const kept: string[] = [];
      for (const name of names) {
        const provider = serving.get(name);
        if (rotatable(provider)) {
          provider.rotateKey(key);
          rotated.push(name);
        } else if (provider) kept.push(name);
      }
      if (rotated.length > 0)
        o.log.info('vendor key rotated; the next calls use the new key', { variable, providers: rotated });
      if (kept.length > 0)
        o.log.warn('vendor key changed, but these providers take a new key only at restart', {
          variable,
          providers: kept,
        });
    }
  });
}
