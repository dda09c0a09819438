// Fixtures shared by this library's specs (named *.test.ts so it is neither built nor run as a suite).
import { parseAgentsFile } from './agents';
import type { CompileContext } from './compile';
import { createCompileContext, type ProjectConfig } from './project';
import { parseProvidersConfig, ProviderCatalog } from './providers';
import { DEFAULT_SETTINGS, parseSettings, type OrganisationSettings } from './settings';

export const PROVIDERS_YML = `providers:
  anthropic:
    kind: anthropic
    aliases: [claude-api, claude]
    dataClasses: [public, internal]
    retired:
      claude-3-opus: claude-opus-4-1
    models:
      claude-haiku-4-5: { contextWindow: 200000, tier: simple, prices: [{ effectiveFrom: "2025-10-15", inputPerMTok: 1, outputPerMTok: 5 }] }
      claude-sonnet-4-5: { contextWindow: 200000, tier: medium, prices: [{ effectiveFrom: "2025-09-29", inputPerMTok: 3, outputPerMTok: 15 }] }
      claude-opus-4-1: { contextWindow: 200000, tier: complex, prices: [{ effectiveFrom: "2025-08-05", inputPerMTok: 15, outputPerMTok: 75 }] }
  openai:
    kind: openai
    aliases: [openai-api]
    dataClasses: [public, internal]
    retired:
      gpt-4-turbo: gpt-4.1
    models:
      gpt-4.1-mini: { contextWindow: 1047576, tier: simple, prices: [{ effectiveFrom: "2025-04-14", inputPerMTok: 0.4, outputPerMTok: 1.6 }] }
      gpt-4.1: { contextWindow: 1047576, tier: medium, prices: [{ effectiveFrom: "2025-04-14", inputPerMTok: 2, outputPerMTok: 8 }] }
      gpt-5: { contextWindow: 400000, tier: complex, prices: [{ effectiveFrom: "2025-08-07", inputPerMTok: 1.25, outputPerMTok: 10 }] }
  vault:
    kind: openai-compatible
    aliases: [on-prem]
    baseUrl: http://llm.internal:8000/v1
    dataClasses: [public, internal, restricted]
    models:
      qwen-coder: { contextWindow: 128000, tier: medium, prices: [{ effectiveFrom: "2025-01-01", inputPerMTok: 0, outputPerMTok: 0 }] }
`;

export const AGENTS_YML = `defaults:
  service: anthropic
  config: { model: claude-sonnet-4-5 }
agents:
  - name: code-review-agent
    type: code-review
    service: claude-api
  - name: security-agent
    type: security
    service: openai-api
    config: { model: gpt-4.1 }
  - name: private-review
    type: code-review
    service: vault
    config: { model: qwen-coder }
  - name: test-runner
    type: test-runner
`;

export function projectConfig(settingsYml?: string): ProjectConfig {
  const providers = parseProvidersConfig(PROVIDERS_YML).config!;
  const agents = parseAgentsFile(AGENTS_YML).declarations!;
  let settings: OrganisationSettings = DEFAULT_SETTINGS;
  if (settingsYml !== undefined) {
    const parsed = parseSettings(settingsYml);
    if (!parsed.settings) throw new Error(`fixture settings invalid: ${JSON.stringify(parsed.diagnostics)}`);
    settings = parsed.settings;
  }
  return { providers, catalog: new ProviderCatalog(providers), agents, settings };
}

export function context(settingsYml?: string): CompileContext {
  return createCompileContext(projectConfig(settingsYml));
}
