const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_AND_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0234567';

/** Deterministic pseudo-random characters (mulberry32), so fixtures are stable but never real keys. */
function randomChars(length: number, seed: number, alphabet: string): string {
  let state = seed >>> 0;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out += alphabet[((t ^ (t >>> 14)) >>> 0) % alphabet.length];
  }
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
  | 'password';

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
      const body = randomChars(256, seed, BASE62 + '+/').match(/.{1,64}/g)!.join('\n');
      return `-----BEGIN ${'RSA PRIVATE'} KEY-----\n${body}\n-----END ${'RSA PRIVATE'} KEY-----`;
    }
    case 'password':
      return randomChars(6, seed, BASE62) + '#' + randomChars(5, seed + 1, '0123456789');
  }
}
