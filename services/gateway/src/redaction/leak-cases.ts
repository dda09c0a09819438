/**
 * The secrets an outside probe saw reach the fake vendor unredacted (issue #21), one case per kind,
 * built from `syntheticSecret` so no real-looking credential is committed. `leak` is the part that
 * must never appear in the bytes a vendor receives.
 */
import { syntheticSecret } from '@agentflow/mobile';

export interface LeakCase {
  kind: string;
  /** Prompt text that carries the secret the way a diff or a pasted log would. */
  text: string;
  leak: string;
}

const jwt = syntheticSecret('jwt', 101);
const password = syntheticSecret('github-token', 102).slice(4, 22);
const awsSecret = syntheticSecret('aws-secret-access-key', 103);
const apiToken = syntheticSecret('github-token', 104).slice(4, 36);

export const LEAK_CASES: LeakCase[] = [
  { kind: 'JWT', text: `+    let session = ${jwt}`, leak: jwt },
  {
    kind: 'JWT as Authorization: Bearer',
    text: `curl -H "Authorization: Bearer ${jwt}" https://api.acme.io/me`,
    leak: jwt,
  },
  {
    kind: 'password in an https URL',
    text: `+ git remote add ci https://deploy:${password}@git.acme.io/shop.git`,
    leak: password,
  },
  {
    kind: 'password in a postgres URL',
    text: `+DATABASE_URL=postgres://app:${password}@db.acme.io:5432/shop`,
    leak: password,
  },
  {
    kind: 'OpenAI sk-proj- key',
    text: `+    static let openAI = "${syntheticSecret('openai-project-key', 105)}"`,
    leak: syntheticSecret('openai-project-key', 105),
  },
  {
    kind: 'Anthropic sk-ant- key',
    text: `+    const val CLAUDE = "${syntheticSecret('anthropic-key', 106)}"`,
    leak: syntheticSecret('anthropic-key', 106),
  },
  {
    kind: 'npm token',
    text: `+//registry.npmjs.org/:_authToken=${syntheticSecret('npm-token', 107)}`,
    leak: syntheticSecret('npm-token', 107),
  },
  {
    kind: 'AWS secret key without its name',
    text: `the CI log printed ${awsSecret} before the upload step`,
    leak: awsSecret,
  },
  {
    kind: 'unquoted export API_TOKEN=',
    text: `Why does this fail?\nexport API_TOKEN=${apiToken}\n./gradlew publish`,
    leak: apiToken,
  },
];
