/**
 * Secrets recognised by the structure around them rather than a vendor prefix: JWTs, credentials in
 * URLs, database connection strings and `Authorization` headers.
 */
import { isPlaceholder } from './placeholders';
import { shannonEntropy } from './text-lines';
import { byRegex, type Candidate, type DetectorContext, type SecretDetector } from './detector';

// A JWT is `header.payload.signature`, base64url each; header and payload are JSON objects, so both
// start with `eyJ` (`{"`). An unsigned token (empty signature) still carries its claims.
const JWT =
  /(?<![A-Za-z0-9_-])(?<value>eyJ(?<header>[A-Za-z0-9_-]{10,})\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*)(?![A-Za-z0-9_-])/g;

function decodesToJsonHeader(header: string): boolean {
  try {
    const json = Buffer.from(`eyJ${header}`, 'base64url').toString('utf8');
    return /^\{\s*"(alg|typ|kid|enc|cty|x5t|jku)"/.test(json) || /"alg"\s*:/.test(json);
  } catch {
    return false;
  }
}

// `scheme://user:password@host`. The password may itself hold `@` (`P@ss@host`): the last `@`
// before the host ends it. Templates (`${PASS}`, `{password}`, `%s`) are look-ups, not secrets.
const URL_CREDENTIALS =
  /(?<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}):\/\/(?<value>(?<user>[^\s:/?#@"'<>`\\]{1,128}):(?<pass>[^\s/?"'<>`\\]{1,256}))@(?<host>[A-Za-z0-9[\]_.-]+|\[)/g;
const DATABASE_SCHEMES =
  /^(?:jdbc:)?(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|mssql|sqlserver|oracle|cockroachdb|clickhouse|couchdb|neo4j(?:\+s)?|bolt)$/i;
const TEMPLATE = /[${}%<>*]|^\(|^:/;
// Stand-ins that documentation writes where a password goes; a report skips them, redaction does not.
const DOC_PASSWORDS =
  /^(?:password|passwd|pass|pwd|secret|mypassword|yourpassword|changeme|pass(?:word)?123|xxx+|\*+|\.\.\.)$/i;

function urlPasswordAccepted(user: string, pass: string, host: string, context: DetectorContext): boolean {
  if (TEMPLATE.test(pass) || TEMPLATE.test(user)) return false;
  if (/^(?:YOUR|REPLACE|INSERT|ENTER)[_-]/i.test(pass) || /^<|>$/.test(pass)) return false;
  // Documentation's own words (`user:password@`, `mongodb:mongodb@`) leak nothing: even redaction keeps them.
  if (/^(?:my|your)?password$/i.test(pass) || pass === user || /^(.)\1*$/.test(pass)) return false;
  if (context.purpose === 'redact') return true;
  if (isPlaceholder(pass) || DOC_PASSWORDS.test(pass)) return false;
  if (pass.length < 4 || shannonEntropy(pass) < 1.5) return false;
  return !/^(?:localhost|127\.0\.0\.1|example\.(?:com|org|net))$/i.test(host) || pass.length >= 8;
}

// Anchored at a scheme's first letter: run only where a `://` was found (see `urlCredentials`).
const URL_CREDENTIALS_AT = new RegExp(URL_CREDENTIALS.source, 'yd');

/**
 * Walks the `://` occurrences and matches each from its scheme's start: a regex that looks for a
 * scheme at every word of the text would cost more than all other detectors together.
 */
function* urlCredentials(text: string, context: DetectorContext, databases: boolean): Iterable<Candidate> {
  let resumeAt = 0;
  for (let at = text.indexOf('://'); at !== -1; at = text.indexOf('://', at + 3)) {
    let start = at;
    while (start > 0 && start > at - 21 && /[A-Za-z0-9+.-]/.test(text[start - 1]!)) start--;
    while (start < at && !/[A-Za-z]/.test(text[start]!)) start++;
    if (start === at || start < resumeAt) continue;
    URL_CREDENTIALS_AT.lastIndex = start;
    const m = URL_CREDENTIALS_AT.exec(text);
    if (!m) continue;
    resumeAt = m.index + m[0].length;
    const g = m.groups!;
    if (
      DATABASE_SCHEMES.test(g.scheme!) !== databases ||
      !urlPasswordAccepted(g.user!, g.pass!, g.host!, context)
    )
      continue;
    const span = m.indices!.groups!.value!;
    yield { start: span[0], end: span[1] };
  }
}

// ADO.NET / ODBC style: `Server=...;Database=...;User Id=...;Password=...;` and the `mysql
// --password=...` / `PGPASSWORD=...` forms a README or a CI script carries.
const KEY_VALUE_CONNECTION = /(?:^|[;"'\s])(?:password|pwd)\s*=\s*(?<value>[^;"'\s]{3,128})(?=;|["'\s]|$)/gim;
const CONNECTION_CONTEXT = /(?:server|host|data source|database|initial catalog|uid|user id|username)\s*=/i;
const CLI_PASSWORD = /(?:--password[= ]|\bPGPASSWORD=|\bMYSQL_PWD=)(?<value>[^\s"'`;]{3,128})/g;

function* connectionStrings(text: string, context: DetectorContext): Iterable<Candidate> {
  yield* urlCredentials(text, context, true);
  if (!/password|pwd/i.test(text)) return;
  yield* byRegex(text, KEY_VALUE_CONNECTION, 'value', (value, m) => {
    const line = text.slice(
      text.lastIndexOf('\n', m.index) + 1,
      text.indexOf('\n', m.index + m[0].length) >>> 0,
    );
    if (!CONNECTION_CONTEXT.test(line) || TEMPLATE.test(value)) return false;
    return context.purpose === 'redact' || (!isPlaceholder(value) && !/^(?:your_|my)/i.test(value));
  });
  if (!/--password|PGPASSWORD|MYSQL_PWD/.test(text)) return;
  yield* byRegex(
    text,
    CLI_PASSWORD,
    'value',
    (value) => !TEMPLATE.test(value) && (context.purpose === 'redact' || !isPlaceholder(value)),
  );
}

// `Authorization: Bearer <token>`, `"Authorization": "Basic <b64>"`, `-H 'Authorization: token ...'`.
// Interpolations (`\(token)`, `${token}`, `" + token`) fall outside the value's character set; the
// comma form needs the closing quote of `("Authorization", "Bearer …")`, so prose never matches.
const AUTH_HEADER =
  /\b(?:proxy-)?authorization(?:["']\s*,|["']?\s*[:=])\s*["']?\s*(?:Bearer|Basic|Token|Digest|Negotiate|bearer|basic|token)\s+(?<value>[A-Za-z0-9._~+/=-]{8,4096})(?![A-Za-z0-9._~+/=-])/gi;
// A prompt may quote only the scheme and token (`Bearer eyJ...`, `curl -H "Bearer ..."`): without the
// header name the token needs length, a digit and variety, so prose ("bearer tokens") stays.
const BARE_BEARER =
  /\b(?:Bearer|bearer|BEARER)\s+(?<value>[A-Za-z0-9._~+/=-]{20,4096})(?![A-Za-z0-9._~+/=-])/g;
const BARE_BASIC = /\bBasic\s+(?<value>[A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])/g;

function authorizationAccepted(value: string, context: DetectorContext, named: boolean): boolean {
  if (TEMPLATE.test(value) || (context.purpose === 'report' && isPlaceholder(value))) return false;
  // An all-digit "token" is an example in a comment (`Authorization: Bearer 1238476512873162837`); redaction still takes it.
  if (context.purpose === 'report' && /^\d+$/.test(value)) return false;
  if (named) return context.purpose === 'redact' || shannonEntropy(value) >= 2.5;
  return /[0-9]/.test(value) && shannonEntropy(value) >= 3.5;
}

/** `Basic` credentials are base64 of `user:password`; anything else after `Basic` is prose. */
function isBasicPair(value: string): boolean {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return /^[\x21-\x7e]{1,128}:[\x20-\x7e]{1,256}$/.test(decoded);
}

function* authorizationHeaders(text: string, context: DetectorContext): Iterable<Candidate> {
  yield* byRegex(text, AUTH_HEADER, 'value', (value) => authorizationAccepted(value, context, true));
  yield* byRegex(text, BARE_BEARER, 'value', (value) => authorizationAccepted(value, context, false));
  if (text.includes('Basic ')) yield* byRegex(text, BARE_BASIC, 'value', (value) => isBasicPair(value));
}

export const STRUCTURED_DETECTORS: SecretDetector[] = [
  {
    ruleId: 'secret.jwt',
    kind: 'jwt',
    severity: 'major',
    title: 'JSON Web Token',
    fix: 'A committed JWT is a working session until it expires: revoke it (or rotate the signing key) and fetch tokens at run time.',
    // The regex starts with the literal `eyJ`: its own scan is the cheapest filter.
    hints: [],
    find: (text) => byRegex(text, JWT, 'value', (_v, m) => decodesToJsonHeader(m.groups!.header!)),
  },
  {
    ruleId: 'secret.database-connection-string',
    kind: 'database-connection-string',
    severity: 'blocker',
    title: 'Database connection string with a password',
    fix: 'Change the database password, then read the connection string from the environment or a secret store.',
    // Each part gates itself (`://` by indexOf, the rest by a one-line test).
    hints: [],
    find: connectionStrings,
  },
  {
    ruleId: 'secret.url-credentials',
    kind: 'url-credentials',
    severity: 'major',
    title: 'User name and password in a URL',
    fix: 'Change the password and pass credentials out of band (a header from a secret store), never inside the URL.',
    hints: [],
    find: (text, context) => urlCredentials(text, context, false),
  },
  {
    ruleId: 'secret.authorization-header',
    kind: 'authorization-header',
    severity: 'major',
    title: 'Credential in an Authorization header',
    fix: 'Revoke the token and build the header at run time from the keychain, keystore or a secret store.',
    hints: ['uthorization', 'UTHORIZATION', 'earer', 'EARER', 'Basic '],
    find: authorizationHeaders,
  },
];
