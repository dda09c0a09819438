/**
 * Vendor keys come from an env variable or a mounted secret file named in providers.yml, never from
 * the file itself. Every key read is registered with the scrubber before anything can log it.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@agentflow/contracts';
import type { ProviderConfig } from '@agentflow/contracts';
import type { SecretScrubber } from '../log/secret-scrubber';

export class ProviderKeys {
  constructor(
    private readonly env: Readonly<Record<string, string | undefined>>,
    private readonly scrubber: SecretScrubber,
    private readonly readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  ) {}

  /** The key for a provider, or undefined when none is configured; a named source that is empty is an error. */
  resolve(name: string, config: ProviderConfig): string | undefined {
    const source = config.apiKey;
    if (!source) return undefined;
    let value: string | undefined;
    if (source.env && this.env[source.env]) value = this.env[source.env]!.trim();
    if (!value && source.file) {
      try {
        value = this.readFile(source.file).trim();
      } catch {
        value = undefined;
      }
    }
    if (!value) {
      throw new ConfigError(`provider ${name}: no key in env ${source.env ?? '(none)'} or file ${source.file ?? '(none)'}; set one, or disable the provider with enabled: false`);
    }
    this.scrubber.addKnown(value, `key:${name}`);
    return value;
  }
}
