/**
 * Vendor keys come from an env variable or a mounted secret file named in providers.yml, never from
 * the file itself. Every key read is registered with the scrubber before anything can log it.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@agentflow/contracts';
import type { ProviderConfig } from '@agentflow/contracts';
import type { SecretScrubber } from '../log/secret-scrubber';

/** A provider names a key source that holds nothing: the provider is off until the key is set. */
export class MissingProviderKeyError extends ConfigError {
  constructor(
    readonly provider: string,
    readonly source: { env?: string; file?: string },
  ) {
    super(
      `provider ${provider}: no key in env ${source.env ?? '(none)'} or file ${source.file ?? '(none)'}; set one, or disable the provider with enabled: false`,
    );
  }
}

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
      throw new MissingProviderKeyError(name, source);
    }
    this.scrubber.addKnown(value, `key:${name}`);
    return value;
  }
}
