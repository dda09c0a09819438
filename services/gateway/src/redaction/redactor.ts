/**
 * Takes secrets and personal data out of everything sent to a vendor, with the analysers' secret
 * rules and e-mail finder. Placeholders are numbered by first appearance in the request and the
 * same value always gets the same one, so an identical request redacts identically and the
 * response cache still hits; the vendor still sees that two places use the same value.
 */
import { findEmails, findSecrets, type SecretMatch } from '@agentflow/mobile';
import type { ChatMessage } from '@agentflow/contracts';

export interface RedactionCounts {
  secrets: number;
  emails: number;
}

export interface Redacted {
  system?: string;
  messages: ChatMessage[];
  counts: RedactionCounts;
}

export class Redactor {
  redact(system: string | undefined, messages: readonly ChatMessage[]): Redacted {
    const placeholders = new Map<string, string>();
    const counts: RedactionCounts = { secrets: 0, emails: 0 };
    const ordinal = { secret: 0, email: 0 };
    const apply = (text: string): string => {
      if (!text) return text;
      // `redact`: anything in a token's shape goes, placeholders included, and `NAME=value` lines are
      // read although a prompt has no file name to say it is a `.env` file.
      const matches: SecretMatch[] = [...findSecrets(text, { purpose: 'redact' })];
      for (const e of findEmails(text))
        if (!matches.some((m) => e.start < m.end && m.start < e.end)) matches.push(e);
      if (matches.length === 0) return text;
      matches.sort((a, b) => a.start - b.start);
      let out = '';
      let at = 0;
      for (const m of matches) {
        const value = text.slice(m.start, m.end);
        const isEmail = m.kind === 'email';
        let placeholder = placeholders.get(value);
        if (!placeholder) {
          placeholder = isEmail
            ? `[REDACTED_EMAIL_${++ordinal.email}]`
            : `[REDACTED_SECRET_${++ordinal.secret}]`;
          placeholders.set(value, placeholder);
        }
        if (isEmail) counts.emails += 1;
        else counts.secrets += 1;
        out += text.slice(at, m.start) + placeholder;
        at = m.end;
      }
      return out + text.slice(at);
    };
    return {
      system: system === undefined ? undefined : apply(system),
      messages: messages.map((m) => ({ role: m.role, content: apply(m.content) })),
      counts,
    };
  }
}
