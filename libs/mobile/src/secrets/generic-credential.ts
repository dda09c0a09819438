/**
 * `name = "value"` where the name says credential: the detector of last resort. Its precision
 * guards come from reading real apps (issue #18): translations of the word "password", storage keys
 * and enum raw values named like credentials, and mock values in tests and previews.
 */
import { looksLikeCredential } from './placeholders';
import { shannonEntropy } from './text-lines';
import { byRegex, type Candidate, type DetectorContext, type SecretDetector } from './detector';

// `name = "value"`, `name: "value"`, `let name: String = "value"`, `NSString *name = @"value"`.
// The credential word must end the name, so `passwordHint` or `tokenCount` never match.
const CREDENTIAL_NAME = String.raw`[A-Za-z0-9_.-]*?(?<word>password|passwd|passphrase|pwd|secret|api[_.-]?key|access[_.-]?key|auth[_.-]?token|access[_.-]?token|refresh[_.-]?token|bearer[_.-]?token|client[_.-]?secret|private[_.-]?key|token)`;
const QUOTED_ASSIGNMENT = new RegExp(
  String.raw`(?<![A-Za-z0-9_])${CREDENTIAL_NAME}["']?\s*(?::\s*[A-Za-z_][\w.<>?]*\s*)?(?::=|=>|[:=])[ \t]*@?(?<q>["'\x60])(?<value>[^"'\x60\s\\]{1,200})\k<q>`,
  'gi',
);
// Property lists and Android resources: `<key>ApiKey</key><string>…</string>`, `<string name="api_key">…</string>`.
const MARKUP_ASSIGNMENT = new RegExp(
  String.raw`(?:<key>${CREDENTIAL_NAME}</key>\s*<string>|<string\s+name="${CREDENTIAL_NAME.replace('(?<word>', '(?<word2>')}"[^>]*>)(?<value>[^<\s]{1,200})</string>`,
  'gi',
);
// AndroidManifest.xml: `<meta-data android:name="com.acme.API_KEY" android:value="…"/>`.
const META_DATA = new RegExp(
  String.raw`<meta-data\s+android:name="${CREDENTIAL_NAME}"\s+android:value="(?<value>[^"\s]{1,200})"`,
  'gi',
);
// `.env`, `.properties`, `.xcconfig`, YAML, shell: unquoted values. A report reads them only in
// formats that have them; redaction reads them everywhere, since a prompt has no file name.
const BARE_ASSIGNMENT = new RegExp(
  String.raw`^[ \t]*(?:export[ \t]+|set[ \t]+|-[ \t]+)?${CREDENTIAL_NAME}[ \t]*[:=][ \t]*(?<value>[^\s"';]{1,200})(?:[ \t]+#.*)?[ \t]*$`,
  'gim',
);
const BARE_VALUE_FILES =
  /(\.env(\.[\w-]+)?|\.properties|\.xcconfig|\.ini|\.cfg|\.conf|\.ya?ml|\.toml|\.npmrc|\.sh|Dockerfile)$/i;

// Translation tables: their values are the word "password" in another language, never a password.
const LOCALISATION_FILE =
  /(?:\.strings|\.stringsdict|\.xcstrings|\.arb|\.po|\.xliff|\.resx)$|(?:^|\/)values(?:-[\w+-]+)?\/(?:strings|plurals|arrays)[\w-]*\.xml$|(?:^|\/)values-(?:[a-z]{2,3}(?:-r[A-Z]{2})?|b\+[\w+]+)\/[^/]+\.xml$|(?:^|\/)(?:locales?|i18n|l10n|lang|langs|translations?|[\w-]+\.lproj)\/.*\.(?:json|ya?ml)$|(?:^|\/)[a-z]{2}(?:[-_][A-Za-z]{2,4})?\.json$/;
// Tests, previews, fixtures and mocks: their credentials are made up for the test.
const TEST_OR_PREVIEW_FILE =
  /(?:^|\/)(?:tests?|spec|androidTest|testDebug|testRelease|UnitTests|UITests|[\w-]*Tests|__tests__|fixtures?|mocks?|fakes?|stubs?|Preview Content|PreviewContent|sample[s]?|demo)\/|(?:Tests?|Spec|Mock|Fake|Stub|Preview|Previews|Fixture)s?\.(?:swift|kt|kts|java|m|mm|ts|js)$|\.(?:spec|test)\.[jt]sx?$/;
// A credentials template committed for contributors (`Credentials-demo.swift`, `Secrets.example.kt`,
// `keys.sample.properties`, `.env.example`): the real file is kept out of git and replaces it.
export const CREDENTIALS_TEMPLATE_FILE =
  /(?:^|\/)[^/]*(?:credential|secret|api[_-]?key|keys|config|env)[^/]*[-_.](?:demo|sample|example|template|dist)(?:\.[\w]+)?$|(?:^|\/)(?:demo|sample|example|template)[-_.]?[^/]*(?:credential|secret|api[_-]?key|keys)[^/]*$|(?:^|\/)\.env\.(?:example|sample|template|dist)$/i;
// Keys an SDK documents as public, made to ship inside the app: RevenueCat's public SDK keys
// (`appl_`, `goog_`, `amzn_`, `strp_`, `rcb_`) and Stripe publishable keys (`pk_live_`, `pk_test_`).
const PUBLIC_SDK_KEY = /^(?:(?:appl|goog|amzn|strp|rcb)_[A-Za-z0-9]{16,}|pk_(?:live|test)_[A-Za-z0-9]{16,})$/;
const MOCK_WORDS = /(?:fake|mock|stub|dummy|test|preview|sample|demo|example|placeholder|lorem)/i;

/**
 * A storage key, enum raw value or Codable key: words joined by `_`, `.`, `-` or camel case
 * (`token_key`, `com.app.refreshToken`, `kSecAttrAccount`). Each camel-case part has 3+ letters, so
 * a random mixed-case string does not pass for one.
 */
export function isIdentifierShaped(value: string): boolean {
  if (!/^[A-Za-z][A-Za-z_.-]*\d{0,2}$/.test(value)) return false;
  const parts = value
    .replace(/\d+$/, '')
    .split(/[_.-]+/)
    .flatMap((p) => p.split(/(?=[A-Z][a-z])|(?<=[a-z])(?=[A-Z])/));
  const words = parts.filter((p) => p.length > 0);
  // One long run of letters is as likely a random key as a word: only short single words count.
  if (words.length === 1 && words[0]!.length > 12) return false;
  // Short words are allowed (`not_a_real_token`), as long as the parts read like words on average.
  if (words.reduce((n, p) => n + p.length, 0) / words.length < 3) return false;
  return words.every((p) => /^[a-z]+$|^[A-Z][a-z]+$|^[A-Z]{2,}$/.test(p));
}

/** A route or resource path of lower-case words (`oauth/token`, `api/v2/refresh_token`). */
function isPathShaped(value: string): boolean {
  return /^\/?[a-z0-9_-]+(?:\/[a-z0-9_.-]+)+\/?$/.test(value) && !/\d{4}/.test(value);
}

/** Unquoted values that are code, not data: calls, member access, collections. */
const CODE_VALUE = /[()[\]{}]|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$|^(?:null|nil|none|true|false|undefined)$/i;

function credentialKind(word: string): string {
  const w = word.toLowerCase().replace(/[_.-]/g, '');
  if (w === 'password' || w === 'passwd' || w === 'passphrase' || w === 'pwd') return 'password';
  if (w === 'apikey' || w === 'accesskey') return 'api-key';
  if (w === 'secret' || w === 'clientsecret') return 'client-secret';
  // Not `private-key`: that kind is a PEM block, and a constant named `..._PRIVATE_KEY` is not one.
  if (w === 'privatekey') return 'private-key-value';
  return 'token';
}

/** Whether a value in a test or preview file is random enough to be a real credential pasted there. */
function stronglyRandom(value: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(value)).length;
  return value.length >= 16 && classes >= 3 && shannonEntropy(value) >= 3.8;
}

function accepter(context: DetectorContext, bare: boolean) {
  const report = context.purpose === 'report';
  const inTest =
    report &&
    context.path !== undefined &&
    (TEST_OR_PREVIEW_FILE.test(context.path) || CREDENTIALS_TEMPLATE_FILE.test(context.path));
  return (raw: string, m: RegExpExecArray): false | { kind: string } => {
    // Android string resources may wrap their text in literal quotes: judge the text inside.
    const value = raw.length > 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
    if (!looksLikeCredential(value) || isIdentifierShaped(value) || isPathShaped(value)) return false;
    // A value that spells its own name (`generatedPassword: "GeNeRaTeD-pAsSwOrD"`) is a preview's stand-in.
    const word = (m.groups?.word ?? m.groups?.word2 ?? '').toLowerCase().replace(/[_.-]/g, '');
    if (report && word.length > 0 && value.toLowerCase().replace(/[_.-]/g, '').includes(word)) return false;
    if (bare && CODE_VALUE.test(value)) return false;
    if (report && MOCK_WORDS.test(value)) return false;
    if (report && PUBLIC_SDK_KEY.test(value)) return false;
    if (inTest && !stronglyRandom(value)) return false;
    return { kind: credentialKind(m.groups?.word ?? m.groups?.word2 ?? 'token') };
  };
}

function* hardcodedCredentials(text: string, context: DetectorContext): Iterable<Candidate> {
  if (context.purpose === 'report' && context.path && LOCALISATION_FILE.test(context.path)) return;
  yield* byRegex(text, QUOTED_ASSIGNMENT, 'value', accepter(context, false));
  if (text.includes('<string')) yield* byRegex(text, MARKUP_ASSIGNMENT, 'value', accepter(context, false));
  if (text.includes('<meta-data')) yield* byRegex(text, META_DATA, 'value', accepter(context, false));
  if (context.purpose === 'redact' || (context.path && BARE_VALUE_FILES.test(context.path))) {
    yield* byRegex(text, BARE_ASSIGNMENT, 'value', accepter(context, true));
  }
}

export const GENERIC_CREDENTIAL_DETECTOR: SecretDetector = {
  ruleId: 'secret.hardcoded-credential',
  kind: 'credential',
  severity: 'major',
  title: 'Hard-coded password, token or API key',
  fix: 'Move the value to the keychain / keystore, a build-time secret (CI variable, .xcconfig or local.properties kept out of git) or a backend, and rotate it.',
  hints: ['pass', 'pwd', 'secret', 'key', 'token'],
  caseInsensitiveHints: true,
  find: hardcodedCredentials,
};
