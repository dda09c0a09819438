/** Private keys and signing material: PEM blocks, PKCS#12 / keystore files, Apple sign-in secrets. */
import { byRegex, type Candidate, type DetectorContext, type SecretDetector } from './detector';

/** Finds PEM private key blocks; an unterminated block (a truncated chunk) runs to the end of the text. */
function* privateKeyBlocks(text: string): Iterable<Candidate> {
  const begin = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;
  for (let m = begin.exec(text); m !== null; m = begin.exec(text)) {
    const endMarker = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;
    endMarker.lastIndex = m.index + m[0].length;
    const end = endMarker.exec(text);
    const stop = end ? end.index + end[0].length : text.length;
    const body = text.slice(m.index + m[0].length, end ? end.index : text.length);
    // Headers such as `Proc-Type:` and escaped newlines are not key material.
    const material = body
      .replace(/\\n|\\r/g, '\n')
      .replace(/^[A-Za-z-]+:.*$/gm, '')
      .replace(/\s+/g, '');
    begin.lastIndex = stop;
    if (material.length < 64 || !/^[A-Za-z0-9+/=]+$/.test(material.slice(0, 256))) continue;
    yield { start: m.index, end: stop };
  }
}

// PKCS#12 bundles (`.p12`, `.pfx`) and Java/Android keystores are binary: only the file name tells.
const KEY_CONTAINER_FILE = /\.(?:p12|pfx|jks|keystore|bks)$/i;

/**
 * Whether the bytes can be what the name says: PKCS#12 is a DER SEQUENCE (0x30), a JKS keystore
 * starts FE ED FE ED. A file that is neither (random bytes, an empty file, a Git LFS pointer) is
 * not a key container whatever its name. Binary text arrives decoded, so lead bytes may be U+FFFD.
 */
function looksLikeKeyContainer(text: string, path: string): boolean {
  if (text.length < 16 || text.startsWith('version https://git-lfs')) return false;
  const first = text.charCodeAt(0);
  if (/\.(?:p12|pfx)$/i.test(path)) return first === 0x30;
  if (/\.(?:jks|keystore)$/i.test(path))
    return first === 0x30 || first === 0xfe || first === 0xfffd || first === 0xce;
  return true;
}

function* keyContainerFile(text: string, context: DetectorContext): Iterable<Candidate> {
  if (context.path && KEY_CONTAINER_FILE.test(context.path) && looksLikeKeyContainer(text, context.path))
    yield { start: 0, end: text.length };
}

// An Apple app-specific password (what fastlane and `altool` use to upload builds) is four groups of
// four lower-case letters; next to a password-like or Apple-like name it is that, not a slug.
const APP_SPECIFIC_PASSWORD =
  /(?:password|passwd|pwd|apple|fastlane|altool|notary)[\w.-]*["']?\s*(?::\s*[A-Za-z]+\s*)?(?::=|=>|[:=]|\s-p\s)\s*@?["']?(?<value>[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4})(?![a-z-])/gi;

// Starts with a literal `-` so the engine can skip ahead to dashes instead of trying every letter.
const APP_SPECIFIC_SHAPE = /-[a-z]{4}-[a-z]{4}-/;

export const KEY_MATERIAL_DETECTORS: SecretDetector[] = [
  {
    ruleId: 'secret.private-key',
    kind: 'private-key',
    severity: 'blocker',
    title: 'Private key block (PEM)',
    fix: 'Treat the key as compromised: revoke it, remove the file, and keep keys in the keychain, keystore or a secret manager.',
    hints: ['PRIVATE KEY'],
    find: privateKeyBlocks,
  },
  {
    ruleId: 'secret.key-container-file',
    kind: 'key-container',
    severity: 'blocker',
    title: 'PKCS#12 bundle or keystore file (.p12, .pfx, .jks, .keystore)',
    fix: 'Remove the file and its history, revoke the certificate or signing key it holds, and give CI the file from its secret store.',
    // Runs on the path, not the text: a binary bundle has no literal to look for.
    hints: [],
    find: keyContainerFile,
  },
  {
    ruleId: 'secret.apple-app-specific-password',
    kind: 'apple-app-specific-password',
    severity: 'blocker',
    title: 'Apple app-specific password',
    fix: 'Revoke the password at appleid.apple.com and upload with an App Store Connect API key from the CI secret store.',
    // No literal hint; the value's own shape is the cheap test before the name-and-value pattern.
    hints: [],
    find: (text) =>
      !APP_SPECIFIC_SHAPE.test(text)
        ? []
        : byRegex(text, APP_SPECIFIC_PASSWORD, 'value', (value) => {
            // A real one is random: no group repeats and the letters are varied.
            const groups = value.split('-');
            return new Set(groups).size === 4 && new Set(value.replace(/-/g, '')).size >= 9;
          }),
  },
];
