/**
 * Who sent a delivery: GitHub's HMAC signature and GitLab's shared token, both compared in constant
 * time, against every secret the {@link WebhookKeyRing} accepts now (two during a rotation).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Webhooks } from '@octokit/webhooks';
import type { Clock } from '../log';

/** A secret that stops being accepted at `until` (the previous one during a rotation). */
export interface RotatingSecret {
  value: string;
  /** Absent: accepted for as long as it is configured (the current secret). */
  until?: Date;
}

/** Where the ring reads the secrets each time: config values, or a mounted file re-read when it changes. */
export interface WebhookSecretSource {
  github(): RotatingSecret[];
  gitlab(): RotatingSecret[];
}

/**
 * The secrets a delivery may be signed with now: the current one and, until the end of the overlap,
 * the previous one. Read per delivery, so a secret rotated in its mounted file takes effect without
 * a restart, and the previous one stops working at its `until` without one.
 */
export class WebhookKeyRing {
  private readonly verifiers = new Map<string, Webhooks>();

  constructor(
    private readonly source: WebhookSecretSource,
    private readonly clock: Clock,
  ) {}

  githubConfigured(): boolean {
    return this.source.github().length > 0;
  }

  gitlabConfigured(): boolean {
    return this.source.gitlab().length > 0;
  }

  /** Whether `X-Hub-Signature-256` is a valid signature of the exact bytes with a secret accepted now. */
  async verifyGitHub(rawBody: Buffer, signature: string | undefined): Promise<boolean> {
    if (!signature || !/^sha256=[0-9a-f]{64}$/i.test(signature)) return false;
    const text = rawBody.toString('utf8');
    // A body that is not valid UTF-8 would not survive the string round trip unchanged; such a body
    // was not sent by GitHub (payloads are JSON), so it cannot carry a valid signature.
    if (!Buffer.from(text, 'utf8').equals(rawBody)) return false;
    // Every accepted secret is tried (no early return), so the time taken does not say which one matched.
    let valid = false;
    for (const secret of this.accepted(this.source.github())) {
      try {
        if (await this.verifier(secret).verify(text, signature)) valid = true;
      } catch {
        // A malformed signature is simply not valid.
      }
    }
    return valid;
  }

  /** Whether `X-Gitlab-Token` is a token accepted now. */
  verifyGitLab(received: string | undefined): boolean {
    if (received === undefined) return false;
    let valid = false;
    for (const token of this.accepted(this.source.gitlab())) if (tokenMatches(token, received)) valid = true;
    return valid;
  }

  private accepted(secrets: RotatingSecret[]): string[] {
    const now = this.clock().getTime();
    return secrets.filter((s) => s.until === undefined || now < s.until.getTime()).map((s) => s.value);
  }

  private verifier(secret: string): Webhooks {
    let webhooks = this.verifiers.get(secret);
    if (!webhooks) {
      // Keyed by the secret itself: a rotated value gets its own verifier; at most a handful live.
      if (this.verifiers.size > 8) this.verifiers.clear();
      webhooks = new Webhooks({ secret });
      this.verifiers.set(secret, webhooks);
    }
    return webhooks;
  }
}

/** Compares two tokens without leaking the expected one's length or prefix through timing. */
export function tokenMatches(expected: string, received: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(received).digest();
  return timingSafeEqual(a, b);
}
