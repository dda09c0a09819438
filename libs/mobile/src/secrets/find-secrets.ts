import type { Severity } from '@agentflow/contracts';
import { SECRET_DETECTORS, type DetectorContext, type ScanPurpose } from './detectors';
import { HintIndex } from './hint-index';
import { LineIndex } from './text-lines';

const HINTS = new HintIndex(SECRET_DETECTORS);

/** A secret (or personal datum) found in a text. */
export interface SecretMatch {
  /** Stable rule id, e.g. `secret.github-token`; also the analyser finding's `ruleId`. */
  ruleId: string;
  /** What the value is: `aws-access-key-id`, `github-token`, `password`, `email`, ... */
  kind: string;
  /** Offset of the first character of the secret value itself (not its name or quotes). */
  start: number;
  /** Offset just past the value: `text.slice(start, end)` is exactly what to redact. */
  end: number;
  /** 1-based line of `start`. */
  line: number;
  severity: Severity;
}

export interface FindSecretsOptions {
  /**
   * Path of the file the text comes from. It enables unquoted `KEY=value` checks for formats that
   * have them (`.env`, `.properties`, `.xcconfig`, YAML) and lowers Firebase config keys to minor.
   * Without it a report checks only quoted and markup assignments.
   */
  path?: string;
  /**
   * `report` (the analysers) skips placeholders, test mocks and translation tables; `redact` (the
   * gateway) takes out anything in a known token's shape and reads `NAME=value` lines in any text.
   * @default 'report'
   */
  purpose?: ScanPurpose;
}

/**
 * Finds secrets in `text` with every detector in {@link SECRET_DETECTORS}: key files and blocks,
 * cloud and vendor tokens, JWTs, credentials in URLs, connection strings and headers, and
 * credential-like assignments. Env look-ups and templates are never matched; placeholders and
 * documented example keys are not reported (but are redacted). Matches never overlap and are
 * sorted by `start`.
 */
export function findSecrets(text: string, options: FindSecretsOptions = {}): SecretMatch[] {
  const context: DetectorContext = { path: options.path, purpose: options.purpose ?? 'report' };
  let lower: string | undefined;
  const lines = new LineIndex(text);
  const taken: Array<[number, number]> = [];
  const matches: SecretMatch[] = [];
  for (const detector of HINTS.detectorsFor(text, () => (lower ??= text.toLowerCase()))) {
    for (const candidate of detector.find(text, context)) {
      if (taken.some(([s, e]) => candidate.start < e && s < candidate.end)) continue;
      taken.push([candidate.start, candidate.end]);
      matches.push({
        ruleId: detector.ruleId,
        kind: candidate.kind ?? detector.kind,
        start: candidate.start,
        end: candidate.end,
        line: lines.lineOf(candidate.start),
        severity: candidate.severity ?? detector.severity,
      });
    }
  }
  return matches.sort((a, b) => a.start - b.start);
}

// Local part and domain per RFC 5322's common subset; the domain needs a dot and an alphabetic TLD.
const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?<domain>[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.(?<tld>[A-Za-z]{2,24}))(?![A-Za-z0-9-])/g;
// `icon@2x.png`, `git@github.com:org/repo` and documentation domains are not personal data.
const NOT_PERSONAL_DOMAIN =
  /^(\d+(\.\d+)?x\.|example\.(com|org|net)$|.*\.(png|jpe?g|gif|pdf|svg|webp|heic|swift|kt|java|m|h|xml|json|plist|strings)$)/i;

/** Finds e-mail addresses (personal data to redact), skipping asset names, SSH remotes and example domains. */
export function findEmails(text: string): SecretMatch[] {
  if (!text.includes('@')) return [];
  const lines = new LineIndex(text);
  const matches: SecretMatch[] = [];
  for (let m = EMAIL.exec(text); m !== null; m = EMAIL.exec(text)) {
    const domain = m.groups!.domain!;
    if (NOT_PERSONAL_DOMAIN.test(domain)) continue;
    if (m[0].startsWith('git@') && text[m.index + m[0].length] === ':') continue;
    matches.push({
      ruleId: 'pii.email',
      kind: 'email',
      start: m.index,
      end: m.index + m[0].length,
      line: lines.lineOf(m.index),
      severity: 'minor',
    });
  }
  EMAIL.lastIndex = 0;
  return matches;
}
