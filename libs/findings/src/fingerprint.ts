/**
 * A finding's identity (ADR 0032): one recipe for every producer (analysers, agents, run actor)
 * and every consumer (notifier, store, dismissals).
 */
import { createHash } from 'node:crypto';
import type { Finding } from '@agentflow/contracts';

/**
 * Version of the recipe {@link fingerprintOf} implements. Version 1 hashes exactly what every run
 * report has carried since the run actor first fingerprinted findings, so fingerprints stored
 * before the recipes were unified (findings, run_findings, finding_dismissals, posted comments'
 * markers) are version-1 fingerprints and still match. A new version must keep a rule that maps
 * stored version-1 fingerprints onto its own (ADR 0032).
 */
export const FINGERPRINT_VERSION = 1;

/** What a fingerprint is computed from: never the line numbers, never the model or the agent. */
export type FingerprintSubject = Pick<Finding, 'file' | 'category' | 'message'> & { ruleId?: string };

/**
 * Reduces a finding's message to what stays the same when code moves: case, whitespace, quotes,
 * and numbers (a model often writes "line 42") are dropped.
 */
export function normaliseMessage(message: string): string {
  return message
    .toLowerCase()
    .replace(/[`'"“”‘’]/g, '')
    .replace(/\d+/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The content-based fingerprint, 20 hex characters: file, category, and the rule id
 * (deterministic findings) or the normalised message (model findings). Line numbers are left out
 * so it survives lines shifting above the finding; `occurrence` (0 for the first) tells apart the
 * same problem twice in one file, in line order.
 */
export function fingerprintOf(finding: FingerprintSubject, occurrence = 0): string {
  const identity = finding.ruleId ? `rule:${finding.ruleId}` : `msg:${normaliseMessage(finding.message)}`;
  const text = `${finding.file}\n${finding.category.toLowerCase()}\n${identity}${occurrence > 0 ? `\n#${occurrence}` : ''}`;
  return createHash('sha256').update(text).digest('hex').slice(0, 20);
}

function inLineOrder(a: Finding, b: Finding): number {
  return (
    a.file.localeCompare(b.file) ||
    a.startLine - b.startLine ||
    a.endLine - b.endLine ||
    a.category.localeCompare(b.category) ||
    a.message.localeCompare(b.message)
  );
}

/**
 * Gives every finding without a fingerprint its {@link fingerprintOf} and keeps every fingerprint
 * already set (a producer's, or a stored one an agent carried over): a set fingerprint is never
 * recomputed. Findings are visited in line order; the second to claim an id (the same problem twice
 * in one file, or two producers that agree) gets the next free occurrence instead, so ids stay
 * unique. Returns new objects in the order given.
 */
export function assignFingerprints<T extends Finding>(findings: readonly T[]): T[] {
  const order = findings.map((_, i) => i).sort((i, j) => inLineOrder(findings[i], findings[j]) || i - j);
  const taken = new Set<string>();
  const out = [...findings];
  for (const i of order) {
    const f = findings[i];
    let fingerprint = f.fingerprint;
    if (!fingerprint || taken.has(fingerprint)) {
      let occurrence = 0;
      do fingerprint = fingerprintOf(f, occurrence++);
      while (taken.has(fingerprint));
    }
    taken.add(fingerprint);
    out[i] = { ...f, fingerprint };
  }
  return out;
}

export { inLineOrder as compareFindings };
