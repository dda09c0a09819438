import type { AnalyzerFinding } from '../findings/finding';
import { CREDENTIALS_TEMPLATE_FILE } from '../secrets/generic-credential';
import { makeFinding } from './catalogue';
import { isChangedLine, type ChangedFile, type FileRule } from './types';

// The sensitive word must end the identifier: `accessToken` counts, `tokenCount` and `passwordField` do not.
const SENSITIVE_NAME =
  /\b\w*(token|password|passwd|passcode|secret|apikey|api_key|credentials?|bearer|sessionid|session_id|authheader|authorizationheader)\b/i;

const LOG_CALL =
  /\b(print|debugPrint|dump|NSLog|os_log|println|print|Log\.[vdiwe]|Log\.wtf|Timber(?:\.tag\([^)]*\))?\.[vdiwe]|System\.(?:out|err)\.print(?:ln|f)?|(?:logger|log|Logger\([^)]*\))\s*\.\s*(?:trace|debug|info|notice|warning|warn|error|critical|fault|log))\s*\(/;

/**
 * The parts of a call's arguments that are code, not literal text: string literals are dropped but
 * their interpolations (`\(x)`, `$x`, `${x}`) kept, so `print("Token refreshed")` does not count.
 */
export function codeOutsideLiterals(args: string): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const ch = args[i]!;
    if (ch !== '"' && ch !== "'") {
      out += ch;
      continue;
    }
    const quote = ch;
    for (i++; i < args.length && args[i] !== quote; i++) {
      if (args[i] === '\\' && args[i + 1] === '(') {
        const end = args.indexOf(')', i);
        out += ` ${args.slice(i + 2, end === -1 ? args.length : end)} `;
        i = end === -1 ? args.length : end;
      } else if (args[i] === '\\') i++;
      else if (args[i] === '$') {
        const m = /^\$\{([^}]*)\}|^\$(\w+)/.exec(args.slice(i));
        if (m) {
          out += ` ${m[1] ?? m[2]} `;
          i += m[0].length - 1;
        }
      }
    }
    out += ' ';
  }
  return out;
}

/** A condition true only in debug builds: `BuildConfig.DEBUG`, `isDebugBuild`, `_isDebugAssertConfiguration()`. */
const DEBUG_CONDITION =
  /\bif\s*\(?\s*(?:BuildConfig\.DEBUG|[\w.]*\bisDebug(?:Build|Mode)?\b|DEBUG\b|_isDebugAssertConfiguration\(\))(?!\s*\|\|)\s*\)?/;

/**
 * Per line, whether it only runs in a debug build: inside `#if DEBUG` ... `#else`/`#endif`, inside
 * the braces of `if (BuildConfig.DEBUG) { ... }` (Kotlin, Java, Swift), or on the line of a one-line
 * `if (BuildConfig.DEBUG) Log.d(...)`. Braces inside string literals are not counted.
 */
export function debugOnlyLines(lines: readonly string[]): boolean[] {
  const out: boolean[] = [];
  const preprocessor: boolean[] = [];
  const blocks: boolean[] = [];
  let pending = false;
  for (const raw of lines) {
    const directive = /^\s*#\s*(if|ifdef|elif|else|endif)\b\s*(.*)$/.exec(raw);
    if (directive) {
      const [, kind, cond] = directive;
      if (kind === 'if' || kind === 'ifdef') preprocessor.push(/^\(?\s*DEBUG\b\s*\)?\s*$/.test(cond!.trim()));
      else if (kind === 'endif') preprocessor.pop();
      else if (preprocessor.length)
        preprocessor[preprocessor.length - 1] = kind === 'elif' ? /^DEBUG\b/.test(cond!.trim()) : false;
      out.push(preprocessor.includes(true) || blocks.includes(true));
      continue;
    }
    const code = raw.replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, '""').replace(/\/\/.*$/, '');
    const debugIf = DEBUG_CONDITION.test(code);
    // The line after `if (BuildConfig.DEBUG)` (a brace, or a one-statement body) belongs to it.
    const continues = pending;
    pending = false;
    const inDebug = preprocessor.includes(true) || blocks.includes(true) || debugIf || continues;
    let opened = false;
    for (const ch of code) {
      if (ch === '{') {
        blocks.push(debugIf || (continues && !opened) || blocks.includes(true));
        opened = true;
      } else if (ch === '}') blocks.pop();
    }
    if (debugIf && !opened && !/\)\s*\S/.test(code.slice(code.search(DEBUG_CONDITION)))) pending = true;
    out.push(inDebug);
  }
  return out;
}

function checkLogs(file: ChangedFile, lines: string[]): AnalyzerFinding[] {
  const findings: AnalyzerFinding[] = [];
  let debugOnly: boolean[] | undefined;
  lines.forEach((text, index) => {
    if (!isChangedLine(file, index + 1) || /^\s*(\/\/|\*|\/\*)/.test(text)) return;
    const call = LOG_CALL.exec(text);
    if (!call) return;
    // A log that only a debug build runs never reaches a user's device log.
    debugOnly ??= debugOnlyLines(lines);
    if (debugOnly[index]) return;
    const args = text.slice(call.index + call[0].length);
    const code = codeOutsideLiterals(args)
      .replace(/\b(privacy|isLoggable|tag|TAG)\s*:\s*\.\w+/g, '')
      // `redacted(token)`, `token.masked`, `token.count` do not print the value.
      .replace(
        /\b\w*(redact|mask|hash)\w*\s*\([^)]*\)|\b[\w.?!]+\.(count|length|size|isEmpty|isNotEmpty|isBlank|hashValue|masked|redacted)\b/gi,
        '',
      );
    const name = SENSITIVE_NAME.exec(code);
    if (!name) return;
    findings.push(
      makeFinding(
        'code.sensitive-log',
        file.path,
        index + 1,
        `${call[1]!.replace(/\s+/g, '')} writes ${name[0]} to the log`,
        text,
      ),
    );
  });
  return findings;
}

/** Hosts where plain HTTP is expected: local development, emulators and XML namespaces. */
const HARMLESS_HTTP_HOST =
  /^http:\/\/(localhost|127\.0\.0\.1|0\.0\.0\.0|10\.0\.2\.2|10\.0\.3\.2|\[::1\]|[^/"']*\.local\b|schemas\.android\.com|schemas\.microsoft\.com|www\.w3\.org|ns\.adobe\.com|xmlpull\.org|www\.apple\.com\/DTDs|example\.(com|org|net)|www\.example\.(com|org|net))/;

/** Code that compares or rewrites URL text rather than fetching it. */
const URL_MATCHING =
  /\bBEGINSWITH\b|\bhasPrefix\s*\(|\bstartsWith\s*\(|\bstarts\s*\(\s*with:|\bremovePrefix\s*\(|\breplacingOccurrences\s*\(|\.replace(First)?\s*\(|\bdropFirst\s*\(/;

function checkHttp(file: ChangedFile, lines: string[]): AnalyzerFinding[] {
  const findings: AnalyzerFinding[] = [];
  // A credentials template (`Credentials-demo.swift`) holds placeholders; the real file replaces it at build time.
  if (CREDENTIALS_TEMPLATE_FILE.test(file.path)) return findings;
  lines.forEach((text, index) => {
    if (!isChangedLine(file, index + 1) || /^\s*(\/\/|\*|\/\*|#)/.test(text)) return;
    // A literal that matches or builds URLs (an NSPredicate BEGINSWITH, hasPrefix, a default scheme) makes no request.
    if (URL_MATCHING.test(text)) return;
    for (const m of text.matchAll(/["'`]@?(http:\/\/[^\s"'`]*)/g)) {
      if (HARMLESS_HTTP_HOST.test(m[1]!) || /^http:\/\/(\\\(|\$|$)/.test(m[1]!)) continue;
      const host = /^http:\/\/([^/:?#]+)/.exec(m[1]!)?.[1] ?? m[1]!;
      findings.push(
        makeFinding('code.insecure-http-url', file.path, index + 1, `Plain HTTP URL to ${host}`, m[1]!),
      );
    }
  });
  return findings;
}

const SENSITIVE_KEY = /(token|password|passwd|passcode|secret|api_?key|credential|session_?id|auth)/i;

function checkPlainStorage(file: ChangedFile, lines: string[], content: string): AnalyzerFinding[] {
  const findings: AnalyzerFinding[] = [];
  // Files that use an encrypted store for the same data are fine.
  const encrypted = /EncryptedSharedPreferences|SecureStorage|Keychain|KeychainAccess|SecItemAdd/.test(
    content,
  );
  lines.forEach((text, index) => {
    if (!isChangedLine(file, index + 1) || /^\s*(\/\/|\*)/.test(text)) return;
    let store: string | undefined;
    let subject: string | undefined;
    const defaults = /UserDefaults|\bdefaults\b/.test(text)
      ? /\bset(?:Object|Value|String)?\s*[(:]([\s\S]*)$/.exec(text)
      : null;
    const appStorage = /@AppStorage\s*\(\s*"([^"]+)"/.exec(text);
    const prefs = /\.\s*put(?:String|StringSet)\s*\(([\s\S]*)$/.exec(text);
    if (defaults) {
      store = 'UserDefaults';
      subject = defaults[1];
    } else if (appStorage) {
      store = '@AppStorage (UserDefaults)';
      subject = appStorage[1];
    } else if (prefs && !encrypted) {
      store = 'SharedPreferences';
      subject = prefs[1];
    }
    if (!store || !subject || (encrypted && store === 'UserDefaults')) return;
    const what = SENSITIVE_KEY.exec(subject);
    if (!what) return;
    findings.push(
      makeFinding(
        'code.token-in-plain-storage',
        file.path,
        index + 1,
        `A ${what[1]!.toLowerCase()} is written to ${store}`,
        text,
      ),
    );
  });
  return findings;
}

/** Swift, Objective-C, Kotlin and Java production code: logs, URLs and plain storage of credentials. */
export const codeRule: FileRule = {
  name: 'code',
  ruleIds: ['code.sensitive-log', 'code.insecure-http-url', 'code.token-in-plain-storage'],
  appliesTo: (file) => file.content !== undefined && file.class.kind === 'source',
  check(file) {
    const content = file.content!;
    const lines = content.split('\n');
    return [...checkLogs(file, lines), ...checkHttp(file, lines), ...checkPlainStorage(file, lines, content)];
  },
};
