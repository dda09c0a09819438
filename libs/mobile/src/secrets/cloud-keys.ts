/** AWS and Google Cloud credentials: the ones a leaked CI config or a copied console session contains. */
import { shannonEntropy } from './text-lines';
import { looksLikeRandomTail } from './placeholders';
import { byRegex, tokenTail, type Candidate, type DetectorContext, type SecretDetector } from './detector';

const AWS_ACCESS_KEY_ID =
  /(?<![A-Z0-9])(?<value>(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])(?<tail>[A-Z0-9]{16}))(?![A-Z0-9])/g;

// The secret access key has no prefix: its name and its 40-character shape identify it.
const AWS_SECRET_NAMED =
  /(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["']?\s*(?::\s*[A-Za-z]+\s*)?(?::=|=>|[:=])\s*@?["']?(?<value>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;

// Without its name, a secret key is a 40-character base64 word. Git object ids are 40 hex digits and
// base64 of other lengths ends in `=` or runs on, so only mixed-case words of exactly 40 count.
// Per ASCII code: 1 = a key character (base64 without padding), 2 = one that only extends a word
// (`=`, `_`, `-`), 3 = `.`, which extends it only before (`v1.<key>` is a version, not a key).
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  CLASS[c] = /[A-Za-z0-9+/]/.test(ch) ? 1 : /[=_-]/.test(ch) ? 2 : ch === '.' ? 3 : 0;
}
const extendsWord = (c: number, before: boolean) =>
  c < 128 && (CLASS[c] === 1 || CLASS[c] === 2 || (before && CLASS[c] === 3));

/**
 * Runs of exactly 40 key characters, found by one pass over the char codes: this detector has no
 * literal hint, so it runs on every request and must cost no more than reading the text once.
 * A plain loop, not a generator: V8 optimises generator bodies far less.
 */
function fortyCharacterWords(text: string): Candidate[] {
  const out: Candidate[] = [];
  let start = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && CLASS[c] === 1) {
      if (start === -1) start = i;
      continue;
    }
    if (
      start !== -1 &&
      i - start === 40 &&
      !extendsWord(c, false) &&
      (start === 0 || !extendsWord(text.charCodeAt(start - 1), true))
    )
      out.push({ start, end: i });
    start = -1;
  }
  if (start !== -1 && n - start === 40 && (start === 0 || !extendsWord(text.charCodeAt(start - 1), true)))
    out.push({ start, end: n });
  return out;
}

const AWS_CONTEXT = /aws|amazon|AKIA|ASIA|secret|iam|s3|credential/i;

function isBareSecretKey(value: string): boolean {
  if (/^[0-9a-fA-F]+$/.test(value)) return false;
  const upper = value.replace(/[^A-Z]/g, '').length;
  const lower = value.replace(/[^a-z]/g, '').length;
  const digits = value.replace(/[^0-9]/g, '').length;
  // A random 40-character key has about 15 of each letter case and 6 digits; words and paths do not.
  if (upper < 5 || lower < 5 || digits < 2) return false;
  return shannonEntropy(value) >= 4.3 && looksLikeRandomTail(value, 4.3);
}

/** Lines [from, to) around `offset`: an unnamed key is reported only with AWS words close by. */
function nearby(text: string, offset: number, lines = 2): string {
  let from = offset;
  for (let i = 0; i <= lines && from > 0; i++) from = text.lastIndexOf('\n', from - 1);
  let to = offset;
  for (let i = 0; i <= lines && to !== -1; i++) to = text.indexOf('\n', to + 1);
  return text.slice(Math.max(0, from), to === -1 ? text.length : to);
}

function* awsSecretKeys(text: string, context: DetectorContext): Iterable<Candidate> {
  yield* byRegex(text, AWS_SECRET_NAMED, 'value', (value) => tokenTail(value, context, 3.5));
  for (const c of fortyCharacterWords(text)) {
    if (!isBareSecretKey(text.slice(c.start, c.end))) continue;
    // Redaction takes every such word; a report needs AWS words near it, or it would flag any blob.
    if (context.purpose === 'redact' || AWS_CONTEXT.test(nearby(text, c.start))) yield c;
  }
}

const AWS_ACCOUNT_ID =
  /(?:aws_?account_?id|account_?id)["']?\s*(?::=|=>|[:=])\s*["']?(?<value>\d{12}|\d{4}-\d{4}-\d{4})(?![\d-])/gi;

// A service-account JSON key file: the PEM sits JSON-escaped inside `"private_key": "..."`.
const GCP_PRIVATE_KEY =
  /"private_key"\s*:\s*"(?<value>-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[^"\\]|\\.)*?-----END [A-Z ]*PRIVATE KEY-----(?:\\n)?)"/g;

export const CLOUD_KEY_DETECTORS: SecretDetector[] = [
  {
    ruleId: 'secret.gcp-service-account-key',
    kind: 'gcp-service-account-key',
    severity: 'blocker',
    title: 'Google Cloud service-account private key',
    fix: 'Delete the key in the GCP console, remove the JSON file, and use workload identity or a server-side proxy.',
    hints: ['"private_key"'],
    find: (text) => byRegex(text, GCP_PRIVATE_KEY, 'value', (value) => value.length > 120),
  },
  {
    ruleId: 'secret.aws-access-key-id',
    kind: 'aws-access-key-id',
    severity: 'blocker',
    title: 'AWS access key id in the repository',
    fix: 'Deactivate the key in IAM, remove it from the file and its history, and load credentials from the CI secret store or a backend.',
    hints: [],
    find: (text, context) =>
      byRegex(text, AWS_ACCESS_KEY_ID, 'value', (_v, m) => tokenTail(m.groups!.tail!, context, 2.5)),
  },
  {
    ruleId: 'secret.aws-secret-access-key',
    kind: 'aws-secret-access-key',
    severity: 'blocker',
    title: 'AWS secret access key in the repository',
    fix: 'Rotate the key pair in IAM now, then read it from a secret store; never ship AWS credentials in an app.',
    // No hint: the unnamed form has nothing literal to look for; the 40-character scan is one regex pass.
    hints: [],
    find: awsSecretKeys,
  },
  {
    ruleId: 'secret.aws-account-id',
    kind: 'aws-account-id',
    severity: 'minor',
    title: 'AWS account id next to credentials',
    fix: 'An account id is not a credential, but with a leaked key it tells an attacker where to use it: keep it in the deployment config, not in the app.',
    hints: ['account'],
    caseInsensitiveHints: true,
    find: (text, context) =>
      byRegex(text, AWS_ACCOUNT_ID, 'value', (value, m) => {
        // `account_id` alone is any service's account; a report wants AWS in the name or nearby.
        if (context.purpose === 'redact') return true;
        if (/^(\d)\1{11}$/.test(value.replace(/-/g, ''))) return false;
        return /aws/i.test(m[0]) || /aws|arn:|iam/i.test(nearby(text, m.index, 1));
      }),
  },
];
