import type { Severity } from '@agentflow/contracts';
import { looksLikeCredential, looksLikeRandomTail } from './placeholders';

/** One candidate produced by a detector: offsets of the secret value itself within the text. */
export interface Candidate {
  start: number;
  end: number;
  /** Overrides the detector's kind (the generic detector says which credential name it saw). */
  kind?: string;
  /** Overrides the detector's severity (Stripe test keys are less severe than live ones). */
  severity?: Severity;
}

/** Context a detector may use: the file path decides which syntaxes are plausible. */
export interface DetectorContext {
  path?: string;
}

/**
 * One kind of secret. `hints` are literal substrings (case-sensitive unless `caseInsensitiveHints`)
 * of which at least one must occur for the detector to run at all: the cheap `indexOf` pass keeps
 * the gateway's per-request scan fast on text with no secrets.
 */
export interface SecretDetector {
  ruleId: string;
  kind: string;
  severity: Severity;
  hints: string[];
  caseInsensitiveHints?: boolean;
  find(text: string, context: DetectorContext): Iterable<Candidate>;
}

/** Runs a global regex and yields the span of capture group `group` for each accepted match. */
function* byRegex(
  text: string,
  pattern: RegExp,
  group: string,
  accept: (value: string, match: RegExpExecArray) => boolean | Omit<Candidate, 'start' | 'end'>,
): Iterable<Candidate> {
  const re = new RegExp(pattern.source, pattern.flags.includes('d') ? pattern.flags : `${pattern.flags}d`);
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) re.lastIndex++;
    const span = m.indices?.groups?.[group];
    const value = m.groups?.[group];
    if (!span || value === undefined) continue;
    const verdict = accept(value, m);
    if (verdict === false) continue;
    yield { start: span[0], end: span[1], ...(typeof verdict === 'object' ? verdict : {}) };
  }
}

const AWS_ACCESS_KEY_ID = /(?<![A-Z0-9])(?<value>(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])(?<tail>[A-Z0-9]{16}))(?![A-Z0-9])/g;

// The secret access key has no prefix: only its name and its 40-character shape identify it.
const AWS_SECRET_ACCESS_KEY =
  /(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["']?\s*(?::\s*[A-Za-z]+\s*)?(?::=|=>|[:=])\s*@?["']?(?<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;

// A service-account JSON key file: the PEM sits JSON-escaped inside `"private_key": "..."`.
const GCP_PRIVATE_KEY = /"private_key"\s*:\s*"(?<value>-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[^"\\]|\\.)*?-----END [A-Z ]*PRIVATE KEY-----(?:\\n)?)"/g;

const GOOGLE_API_KEY = /(?<![A-Za-z0-9_-])(?<value>AIza(?<tail>[0-9A-Za-z_-]{35}))(?![A-Za-z0-9_-])/g;

const GITHUB_TOKEN = /(?<![A-Za-z0-9_])(?<value>(?:gh[pousr]_(?<tail>[A-Za-z0-9]{36,251})|github_pat_(?<pat>[A-Za-z0-9_]{50,251})))(?![A-Za-z0-9_])/g;

const SLACK_TOKEN = /(?<![A-Za-z0-9-])(?<value>xox[abprs]-(?<tail>[0-9]{5,}-[0-9A-Za-z-]{10,}))(?![A-Za-z0-9-])/g;

const SLACK_WEBHOOK = /(?<value>https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/(?<tail>[A-Za-z0-9_/+-]{20,}))/g;

const STRIPE_KEY = /(?<![A-Za-z0-9_])(?<value>(?:sk|rk)_(?<mode>live|test)_(?<tail>[0-9A-Za-z]{24,247}))(?![A-Za-z0-9_])/g;

// `name = "value"`, `name: "value"`, `let name: String = "value"`, `NSString *name = @"value"`.
// The credential word must end the name, so `passwordHint` or `tokenCount` never match.
const CREDENTIAL_NAME = String.raw`[A-Za-z0-9_.-]*?(?<word>password|passwd|passphrase|pwd|secret|api[_.-]?key|access[_.-]?key|auth[_.-]?token|access[_.-]?token|refresh[_.-]?token|bearer[_.-]?token|client[_.-]?secret|private[_.-]?key|token)`;
const QUOTED_ASSIGNMENT = new RegExp(
  String.raw`(?<![A-Za-z0-9_])${CREDENTIAL_NAME}["']?\s*(?::\s*[A-Za-z_][\w.<>?]*\s*)?(?::=|=>|[:=])\s*@?(?<q>["'\x60])(?<value>[^"'\x60\s\\]{1,200})\k<q>`,
  'gi',
);
// Property lists and Android resources: `<key>ApiKey</key><string>…</string>`, `<string name="api_key">…</string>`.
const MARKUP_ASSIGNMENT = new RegExp(
  String.raw`(?:<key>${CREDENTIAL_NAME}</key>\s*<string>|<string\s+name="${CREDENTIAL_NAME.replace('(?<word>', '(?<word2>')}"[^>]*>)(?<value>[^<\s]{1,200})</string>`,
  'gi',
);
// `.env`, `.properties`, `.xcconfig`, YAML: unquoted values, only where the file format has them.
const BARE_ASSIGNMENT = new RegExp(
  String.raw`^[ \t]*(?:export[ \t]+)?${CREDENTIAL_NAME}[ \t]*[:=][ \t]*(?<value>[^\s"';]{1,200})(?:[ \t]+#.*)?[ \t]*$`,
  'gim',
);
const BARE_VALUE_FILES = /(\.env(\.[\w-]+)?|\.properties|\.xcconfig|\.ini|\.cfg|\.conf|\.ya?ml|\.toml)$/i;

function credentialKind(word: string): string {
  const w = word.toLowerCase().replace(/[_.-]/g, '');
  if (w === 'password' || w === 'passwd' || w === 'passphrase' || w === 'pwd') return 'password';
  if (w === 'apikey' || w === 'accesskey') return 'api-key';
  if (w === 'secret' || w === 'clientsecret') return 'client-secret';
  if (w === 'privatekey') return 'private-key';
  return 'token';
}

function genericAccept(value: string, m: RegExpExecArray): false | { kind: string } {
  if (!looksLikeCredential(value)) return false;
  return { kind: credentialKind(m.groups?.word ?? m.groups?.word2 ?? 'token') };
}

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
    const material = body.replace(/\\n|\\r/g, '\n').replace(/^[A-Za-z-]+:.*$/gm, '').replace(/\s+/g, '');
    begin.lastIndex = stop;
    if (material.length < 64 || !/^[A-Za-z0-9+/=]+$/.test(material.slice(0, 256))) continue;
    yield { start: m.index, end: stop };
  }
}

/** Every detector, most specific first: a span claimed by an earlier detector is not reported again. */
export const SECRET_DETECTORS: readonly SecretDetector[] = [
  {
    ruleId: 'secret.gcp-service-account-key',
    kind: 'gcp-service-account-key',
    severity: 'blocker',
    hints: ['"private_key"'],
    find: (text) => byRegex(text, GCP_PRIVATE_KEY, 'value', (value) => value.length > 120),
  },
  {
    ruleId: 'secret.private-key',
    kind: 'private-key',
    severity: 'blocker',
    hints: ['PRIVATE KEY'],
    find: privateKeyBlocks,
  },
  {
    ruleId: 'secret.aws-access-key-id',
    kind: 'aws-access-key-id',
    severity: 'blocker',
    hints: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'],
    find: (text) => byRegex(text, AWS_ACCESS_KEY_ID, 'value', (_v, m) => looksLikeRandomTail(m.groups!.tail!, 2.5)),
  },
  {
    ruleId: 'secret.aws-secret-access-key',
    kind: 'aws-secret-access-key',
    severity: 'blocker',
    hints: ['secret'],
    caseInsensitiveHints: true,
    find: (text) => byRegex(text, AWS_SECRET_ACCESS_KEY, 'value', (value) => looksLikeRandomTail(value, 3.5)),
  },
  {
    ruleId: 'secret.github-token',
    kind: 'github-token',
    severity: 'blocker',
    hints: ['ghp_', 'gho_', 'ghs_', 'ghu_', 'ghr_', 'github_pat_'],
    find: (text) =>
      byRegex(text, GITHUB_TOKEN, 'value', (_v, m) => looksLikeRandomTail(m.groups!.tail ?? m.groups!.pat!, 3.5)),
  },
  {
    ruleId: 'secret.slack-token',
    kind: 'slack-token',
    severity: 'blocker',
    hints: ['xoxa-', 'xoxb-', 'xoxp-', 'xoxr-', 'xoxs-'],
    find: (text) => byRegex(text, SLACK_TOKEN, 'value', (_v, m) => looksLikeRandomTail(m.groups!.tail!, 3)),
  },
  {
    ruleId: 'secret.slack-webhook',
    kind: 'slack-webhook',
    severity: 'major',
    hints: ['hooks.slack.com'],
    find: (text) => byRegex(text, SLACK_WEBHOOK, 'value', (_v, m) => looksLikeRandomTail(m.groups!.tail!, 3.5)),
  },
  {
    ruleId: 'secret.stripe-key',
    kind: 'stripe-secret-key',
    severity: 'blocker',
    hints: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'],
    find: (text) =>
      byRegex(text, STRIPE_KEY, 'value', (_v, m) =>
        looksLikeRandomTail(m.groups!.tail!, 3.5) ? (m.groups!.mode === 'test' ? { severity: 'minor' } : {}) : false,
      ),
  },
  {
    ruleId: 'secret.google-api-key',
    kind: 'google-api-key',
    severity: 'major',
    hints: ['AIza'],
    find: (text, context) =>
      byRegex(text, GOOGLE_API_KEY, 'value', (_v, m) => {
        if (!looksLikeRandomTail(m.groups!.tail!, 3.5)) return false;
        // Firebase config files must ship these keys; restricting the key is the fix, not removing it.
        return context.path && /(GoogleService-Info\.plist|google-services\.json)$/.test(context.path) ? { severity: 'minor' } : {};
      }),
  },
  {
    ruleId: 'secret.hardcoded-credential',
    kind: 'credential',
    severity: 'major',
    hints: ['pass', 'pwd', 'secret', 'key', 'token'],
    caseInsensitiveHints: true,
    *find(text, context) {
      yield* byRegex(text, QUOTED_ASSIGNMENT, 'value', genericAccept);
      if (text.includes('<string')) yield* byRegex(text, MARKUP_ASSIGNMENT, 'value', genericAccept);
      if (context.path && BARE_VALUE_FILES.test(context.path)) yield* byRegex(text, BARE_ASSIGNMENT, 'value', genericAccept);
    },
  },
];
