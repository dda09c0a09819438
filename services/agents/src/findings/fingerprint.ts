/**
 * A finding's fingerprint survives line shifts: it hashes the file, the category (or rule id) and
 * the whitespace-normalised text of the lines it sits on, never the line numbers or the wording
 * of the message (a model words the same problem differently on every run).
 */
import { createHash } from 'node:crypto';

export function fingerprintOf(parts: { file: string; category: string; ruleId?: string; lineText: string }): string {
  const normalised = parts.lineText
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter(Boolean)
    .join('\n');
  return createHash('sha256')
    .update(`${parts.file}\0${parts.ruleId ?? parts.category}\0${normalised}`)
    .digest('hex')
    .slice(0, 24);
}
