/**
 * Removes secrets from anything the gateway writes (log lines, error messages, error bodies): every
 * configured vendor key by value, and whatever the analysers' secret rules recognise. Vendors echo
 * keys back in 401 messages; an SDK at debug level prints request details: neither may leak a key.
 */
import { findSecrets } from '@agentflow/mobile';

export class SecretScrubber {
  private readonly known = new Map<string, string>();

  /** Remember a key's value so it is replaced wherever it appears. Short values are ignored (they would mask ordinary text). */
  addKnown(value: string, label: string): void {
    const v = value.trim();
    if (v.length >= 8) this.known.set(v, label);
  }

  scrub = (text: string): string => {
    let out = text;
    for (const [value, label] of this.known) {
      if (out.includes(value)) out = out.split(value).join(`[${label}]`);
    }
    const found = findSecrets(out, { purpose: 'redact' });
    for (let i = found.length - 1; i >= 0; i--)
      out = `${out.slice(0, found[i].start)}[secret:${found[i].kind}]${out.slice(found[i].end)}`;
    return out.replace(/\b(sk-(?:ant-|proj-)?[A-Za-z0-9_-]{8})[A-Za-z0-9_-]{8,}/g, '$1…[redacted]');
  };
}
