import type { Severity } from '@agentflow/contracts';
import { looksLikeRandomTail } from './placeholders';

/** One candidate produced by a detector: offsets of the secret value itself within the text. */
export interface Candidate {
  start: number;
  end: number;
  /** Overrides the detector's kind (the generic detector says which credential name it saw). */
  kind?: string;
  /** Overrides the detector's severity (Stripe test keys are less severe than live ones). */
  severity?: Severity;
}

/**
 * Why the text is scanned. `report` (the analysers) must not post noise, so placeholders, test
 * mocks and translations are skipped; `redact` (the gateway) must not leak, so a value in the exact
 * shape of a known token format is taken out even when it looks like a stand-in, and unquoted
 * `NAME=value` lines are read in any text (a prompt has no file path).
 */
export type ScanPurpose = 'report' | 'redact';

/** Context a detector may use: the file path decides which syntaxes are plausible. */
export interface DetectorContext {
  path?: string;
  purpose: ScanPurpose;
}

/**
 * One kind of secret, reported under its own rule id. `hints` are literal substrings
 * (case-sensitive unless `caseInsensitiveHints`) of which at least one must occur for the detector
 * to run at all; all hints are found in one shared pass (see `HintIndex`). A detector whose own
 * first step is as cheap as a literal scan (a regex that starts with its prefix, an `indexOf`
 * loop) has none and always runs: every hint makes the shared pass slower for every request.
 * `title` and `fix` are the rule's catalogue entry.
 */
export interface SecretDetector {
  ruleId: string;
  kind: string;
  severity: Severity;
  title: string;
  fix: string;
  hints: string[];
  caseInsensitiveHints?: boolean;
  find(text: string, context: DetectorContext): Iterable<Candidate>;
}

const compiled = new WeakMap<RegExp, RegExp>();

/**
 * The pattern with the `d` flag (match indices), compiled once: the gateway scans two or more texts
 * per request, and compiling two dozen regexes each time cost more than running them on a prompt.
 * Safe to share because scans are synchronous: a generator is always drained before the next scan.
 */
export function withIndices(pattern: RegExp): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(pattern.source, pattern.flags.includes('d') ? pattern.flags : `${pattern.flags}d`);
    compiled.set(pattern, re);
  }
  return re;
}

/** Runs a global regex and yields the span of capture group `group` for each accepted match. */
export function* byRegex(
  text: string,
  pattern: RegExp,
  group: string,
  accept: (value: string, match: RegExpExecArray) => boolean | Omit<Candidate, 'start' | 'end'>,
): Iterable<Candidate> {
  const re = withIndices(pattern);
  re.lastIndex = 0;
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

/**
 * The tail check for fixed-format tokens. A report needs a random-looking tail (no placeholder
 * words, no runs, enough entropy); redaction takes any value of the format, since replacing a
 * stand-in costs the model nothing and a real key that happens to look tame must not leak.
 */
export function tokenTail(tail: string, context: DetectorContext, minEntropy = 3): boolean {
  return context.purpose === 'redact' || looksLikeRandomTail(tail, minEntropy);
}
