import { createHash } from 'node:crypto';
import type { Finding } from '@agentflow/contracts';

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
 * A content-based fingerprint: file, category, and the rule id (deterministic findings) or the
 * normalised message. Line numbers are left out so the fingerprint survives lines shifting above
 * the finding; `occurrence` tells apart the same problem twice in one file (in line order).
 */
export function fingerprintOf(finding: Pick<Finding, 'file' | 'category' | 'ruleId' | 'message'>, occurrence = 0): string {
  const identity = finding.ruleId ? `rule:${finding.ruleId}` : `msg:${normaliseMessage(finding.message)}`;
  const text = `${finding.file}\n${finding.category.toLowerCase()}\n${identity}${occurrence > 0 ? `\n#${occurrence}` : ''}`;
  return createHash('sha256').update(text).digest('hex').slice(0, 20);
}
