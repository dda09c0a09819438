import { seededRandom } from '@agentflow/contracts';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_AND_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0234567';

/** Deterministic pseudo-random characters, so fixtures are stable but never real keys. */
function randomChars(length: number, seed: number, alphabet: string): string {
  const next = seededRandom(seed);
  let out = '';
  // The generator's 32-bit draw, modulo the alphabet: the characters the fixtures were written with.
  for (let i = 0; i < length; i++) out += alphabet[(next() * 2 ** 32) % alphabet.length];
  return out;
}

/** Kinds {@link syntheticSecret} can build. */
export type SyntheticSecretKind =
  | 'aws-access-key-id'
  | 'aws-secret-access-key'
  | 'google-api-key'
  | 'github-token'
  | 'github-pat'
  | 'slack-token'
  | 'slack-webhook'
  | 'stripe-live-key'
  | 'stripe-test-key'
  | 'private-key-pem'
  | 'password'
  | 'openai-project-key'
  | 'openai-legacy-key'
  | 'anthropic-key'
  | 'github-installation-jwt'
  | 'gitlab-token'
  | 'slack-user-token'
  | 'slack-app-token'
  | 'sendgrid-key'
  | 'twilio-api-key'
  | 'npm-token'
  | 'huggingface-token'
  | 'shopify-token'
  | 'docker-token'
  | 'jwt'
  | 'fcm-server-key'
  | 'apple-app-specific-password'
  | 'grafana-token'
  | 'linear-key'
  | 'tailscale-key';

/**
 * A value in the exact shape of a real secret, generated from `seed`. Tests across the project use it
 * so that no literal credential is ever committed (and secret scanners stay quiet about fixtures).
 */
export function syntheticSecret(kind: SyntheticSecretKind, seed = 1): string {
  switch (kind) {
    case 'aws-access-key-id':
      return 'AKIA' + randomChars(16, seed, UPPER_AND_DIGITS);
    case 'aws-secret-access-key':
      return randomChars(40, seed, BASE62 + '/+');
    case 'google-api-key':
      return 'AIza' + randomChars(35, seed, BASE62 + '-_');
    case 'github-token':
      return 'ghp_' + randomChars(36, seed, BASE62);
    case 'github-pat':
      return 'github_pat_' + randomChars(22, seed, BASE62) + '_' + randomChars(59, seed + 1, BASE62);
    case 'slack-token':
      return `xoxb-${randomChars(11, seed, '0123456789')}-${randomChars(13, seed + 1, '0123456789')}-${randomChars(24, seed + 2, BASE62)}`;
    case 'slack-webhook':
      return `https://hooks.slack.com/services/T${randomChars(8, seed, UPPER_AND_DIGITS)}/B${randomChars(10, seed + 1, UPPER_AND_DIGITS)}/${randomChars(24, seed + 2, BASE62)}`;
    case 'stripe-live-key':
      return 'sk_live_' + randomChars(24, seed, BASE62);
    case 'stripe-test-key':
      return 'sk_test_' + randomChars(24, seed, BASE62);
    case 'private-key-pem': {
      const body = randomChars(256, seed, BASE62 + '+/')
        .match(/.{1,64}/g)!
        .join('\n');
      return `-----BEGIN ${'RSA PRIVATE'} KEY-----\n${body}\n-----END ${'RSA PRIVATE'} KEY-----`;
    }
    case 'password':
      return randomChars(6, seed, BASE62) + '#' + randomChars(5, seed + 1, '0123456789');
    case 'openai-project-key':
      return (
        `sk-${'proj'}-` +
        randomChars(74, seed, BASE62 + '-_') +
        'T3Blbk' +
        'FJ' +
        randomChars(74, seed + 1, BASE62 + '-_')
      );
    case 'openai-legacy-key':
      return 'sk-' + randomChars(20, seed, BASE62) + 'T3Blbk' + 'FJ' + randomChars(20, seed + 1, BASE62);
    case 'anthropic-key':
      return `sk-${'ant'}-api03-` + randomChars(93, seed, BASE62 + '-_') + 'AA';
    case 'github-installation-jwt':
      return `ghs_${randomChars(6, seed, '0123456789')}_` + syntheticSecret('jwt', seed + 1);
    case 'gitlab-token':
      return 'glpat-' + randomChars(20, seed, BASE62 + '-_');
    case 'slack-user-token':
      return `xoxp-${randomChars(11, seed, '0123456789')}-${randomChars(12, seed + 1, '0123456789')}-${randomChars(13, seed + 2, '0123456789')}-${randomChars(32, seed + 3, 'abcdef0123456789')}`;
    case 'slack-app-token':
      return `xapp-1-A${randomChars(10, seed, UPPER_AND_DIGITS)}-${randomChars(13, seed + 1, '0123456789')}-${randomChars(64, seed + 2, 'abcdef0123456789')}`;
    case 'sendgrid-key':
      return 'SG.' + randomChars(22, seed, BASE62 + '-_') + '.' + randomChars(43, seed + 1, BASE62 + '-_');
    case 'twilio-api-key':
      return 'SK' + randomChars(32, seed, 'abcdef0123456789');
    case 'npm-token':
      return 'npm_' + randomChars(36, seed, BASE62);
    case 'huggingface-token':
      return 'hf_' + randomChars(34, seed, BASE62.slice(0, 52));
    case 'shopify-token':
      return 'shpat_' + randomChars(32, seed, 'abcdef0123456789');
    case 'docker-token':
      return 'dckr_pat_' + randomChars(27, seed, BASE62 + '-_');
    case 'jwt': {
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: randomChars(12, seed, BASE62), iat: 1_700_000_000 + seed })}.${randomChars(43, seed + 1, BASE62 + '-_')}`;
    }
    case 'fcm-server-key':
      return (
        'AAAA' + randomChars(7, seed, BASE62 + '-_') + ':APA91b' + randomChars(134, seed + 1, BASE62 + '-_')
      );
    case 'apple-app-specific-password':
      return [0, 1, 2, 3].map((i) => randomChars(4, seed * 7 + i, 'abcdefghijkmnopqrstuvwxyz')).join('-');
    case 'grafana-token':
      return 'glsa_' + randomChars(32, seed, BASE62) + '_' + randomChars(8, seed + 1, 'abcdef0123456789');
    case 'linear-key':
      return 'lin_api_' + randomChars(40, seed, BASE62);
    case 'tailscale-key':
      return `tskey-auth-${randomChars(12, seed, BASE62)}-${randomChars(30, seed + 1, BASE62)}`;
  }
}
