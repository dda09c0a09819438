/**
 * Answer first, work after: verify, publish the raw delivery (or spool it when the bus cannot take
 * it), answer 202. Nothing here parses more of the payload than it needs to route it, and nothing
 * a request sends can make it throw: every path ends in a status code.
 */
import { describeError, type Platform, type WebhookReceived } from '@agentflow/contracts';
import type { SqlDatabase } from '@agentflow/store';
import { createHash } from 'node:crypto';
import { DELIVERY_ID, DELIVERY_ID_RULE, EVENT_NAME, storable } from '../input/text';
import type { Clock, IngressLog } from '../log';
import type { DeliveryLog } from './delivery-log';
import type { DeliveryPublisher } from './delivery-publisher';
import type { WebhookSpool } from './spool';
import type { WebhookKeyRing } from './verify';

export interface InboundWebhook {
  headers: Record<string, string | string[] | undefined>;
  /** The exact bytes received; signatures are over them. */
  rawBody: Buffer | undefined;
}

export interface IntakeReply {
  status: number;
  body: {
    deliveryId?: string;
    /** `queued` (on the bus), `spooled` (bus down, kept in PostgreSQL), `duplicate`, `ignored`, or the error. */
    result: 'queued' | 'spooled' | 'duplicate' | 'ignored' | 'pong' | 'error';
    message?: string;
  };
}

/** GitHub events the ingress routes; anything else is answered 202 and ignored. */
export const GITHUB_EVENTS: ReadonlySet<string> = new Set([
  'ping',
  'pull_request',
  'pull_request_review_thread',
  'issue_comment',
  'check_suite',
  'check_run',
  'workflow_run',
  'status',
  'push',
]);
/** GitLab `X-Gitlab-Event` values the ingress routes (`Emoji Hook`: a 👎 on agentflow's discussion dismisses the finding). */
export const GITLAB_EVENTS: ReadonlySet<string> = new Set([
  'Merge Request Hook',
  'Note Hook',
  'Pipeline Hook',
  'Push Hook',
  'Emoji Hook',
]);

export interface WebhookIntakeDeps {
  /** The webhook secrets accepted now; a platform without one is refused with 503. */
  keys: WebhookKeyRing;
  publisher: DeliveryPublisher;
  deliveries: DeliveryLog;
  spool: WebhookSpool;
  db: SqlDatabase;
  maxBodyBytes: number;
  clock: Clock;
  log: IngressLog;
}

/** Sent more than once: Node joins most repeated headers with ", ", a test may hand an array. */
const REPEATED = Symbol('repeated');

/**
 * One header's value. A header that decides who sent the delivery or which it is (signature, token,
 * event, delivery id) must come once: with two, which one counts would be a guess.
 */
function header(headers: InboundWebhook['headers'], name: string): string | undefined | typeof REPEATED {
  const value = headers[name.toLowerCase()];
  if (Array.isArray(value)) return value.length === 1 ? value[0] : value.length === 0 ? undefined : REPEATED;
  return value;
}

function single(headers: InboundWebhook['headers'], name: string): string | undefined {
  const value = header(headers, name);
  return value === REPEATED ? undefined : value;
}

/** Why a routing header is unusable, or null when it is fine (or absent and optional). */
function badHeader(
  headers: InboundWebhook['headers'],
  name: string,
  pattern: RegExp,
  rule: string,
): string | null {
  const value = header(headers, name);
  if (value === REPEATED) return `${name} was sent more than once; send it once`;
  if (value === undefined) return null;
  if (!pattern.test(value))
    return `${name} is not a valid value (${value.length} characters); it must be ${rule}`;
  return null;
}

const EVENT_RULE = 'a short event name of letters, digits, spaces, "_", "." and "-"';

function reply(
  status: number,
  result: IntakeReply['body']['result'],
  extra: Omit<IntakeReply['body'], 'result'> = {},
): IntakeReply {
  return { status, body: { result, ...extra } };
}

interface Routed {
  platform: Platform;
  deliveryId: string;
  event: string;
  action?: string;
  repo?: string;
  text: string;
}

export class WebhookIntake {
  constructor(private readonly deps: WebhookIntakeDeps) {}

  async github(req: InboundWebhook): Promise<IntakeReply> {
    try {
      const keys = this.deps.keys;
      if (!keys.githubConfigured())
        return reply(503, 'error', {
          message: 'GitHub webhooks are not configured here: set GITHUB_WEBHOOK_SECRET',
        });
      const size = this.checkSize(req);
      if (size) return size;
      const raw = req.rawBody!;
      const signature = header(req.headers, 'x-hub-signature-256');
      if (signature === REPEATED || !(await keys.verifyGitHub(raw, signature))) {
        return reply(401, 'error', {
          message:
            'X-Hub-Signature-256 is missing, repeated or does not match the body; check the webhook secret',
        });
      }
      const bad =
        badHeader(req.headers, 'x-github-event', EVENT_NAME, EVENT_RULE) ??
        badHeader(req.headers, 'x-github-delivery', DELIVERY_ID, DELIVERY_ID_RULE);
      if (bad) return reply(400, 'error', { message: bad });
      const event = single(req.headers, 'x-github-event');
      const deliveryId = single(req.headers, 'x-github-delivery');
      if (!event || !deliveryId)
        return reply(400, 'error', { message: 'X-GitHub-Event and X-GitHub-Delivery are required' });
      const parsed = this.parse(raw);
      if (!parsed)
        return reply(400, 'error', {
          deliveryId,
          message: 'body is not a JSON object; send webhooks with content type application/json',
        });
      const repo =
        typeof parsed.repository?.full_name === 'string' ? storable(parsed.repository.full_name) : undefined;
      const action = typeof parsed.action === 'string' ? storable(parsed.action) : undefined;
      const routed: Routed = {
        platform: 'github',
        deliveryId,
        event,
        action,
        repo,
        text: raw.toString('utf8'),
      };
      if (event === 'ping') {
        await this.remember(routed, 'ignored', 'ping');
        return reply(200, 'pong', { deliveryId });
      }
      if (!GITHUB_EVENTS.has(event)) return this.ignore(routed, `event ${event} is not handled by agentflow`);
      return await this.accept(routed);
    } catch (error) {
      this.deps.log.error(`github webhook failed unexpectedly: ${describeError(error)}`);
      return reply(503, 'error', { message: 'could not accept the delivery now; it will be redelivered' });
    }
  }

  async gitlab(req: InboundWebhook): Promise<IntakeReply> {
    try {
      const keys = this.deps.keys;
      if (!keys.gitlabConfigured())
        return reply(503, 'error', {
          message: 'GitLab webhooks are not configured here: set GITLAB_WEBHOOK_TOKEN',
        });
      const size = this.checkSize(req);
      if (size) return size;
      const token = header(req.headers, 'x-gitlab-token');
      if (token === REPEATED || !keys.verifyGitLab(token)) {
        return reply(401, 'error', {
          message: 'X-Gitlab-Token is missing, repeated or wrong; set the secret token of the hook',
        });
      }
      const raw = req.rawBody!;
      const bad =
        badHeader(req.headers, 'x-gitlab-event', EVENT_NAME, EVENT_RULE) ??
        badHeader(req.headers, 'idempotency-key', DELIVERY_ID, DELIVERY_ID_RULE) ??
        badHeader(req.headers, 'x-gitlab-event-uuid', DELIVERY_ID, DELIVERY_ID_RULE) ??
        badHeader(req.headers, 'x-gitlab-webhook-uuid', DELIVERY_ID, DELIVERY_ID_RULE);
      if (bad) return reply(400, 'error', { message: bad });
      const event = single(req.headers, 'x-gitlab-event');
      if (!event) return reply(400, 'error', { message: 'X-Gitlab-Event is required' });
      const parsed = this.parse(raw);
      if (!parsed) return reply(400, 'error', { message: 'body is not a JSON object' });
      // GitLab 16+ sends Idempotency-Key and X-Gitlab-Event-UUID (stable across retries); older
      // versions only X-Gitlab-Event-UUID. Without either, the body's hash identifies the delivery.
      const deliveryId =
        single(req.headers, 'idempotency-key') ||
        single(req.headers, 'x-gitlab-event-uuid') ||
        single(req.headers, 'x-gitlab-webhook-uuid') ||
        `sha256:${createHash('sha256').update(raw).digest('hex').slice(0, 40)}`;
      const project = parsed.project as { path_with_namespace?: unknown } | undefined;
      const attrs = parsed.object_attributes as { action?: unknown } | undefined;
      const routed: Routed = {
        platform: 'gitlab',
        deliveryId,
        event,
        action: typeof attrs?.action === 'string' ? storable(attrs.action) : undefined,
        repo:
          typeof project?.path_with_namespace === 'string'
            ? storable(project.path_with_namespace)
            : undefined,
        text: raw.toString('utf8'),
      };
      if (!GITLAB_EVENTS.has(event)) return this.ignore(routed, `event ${event} is not handled by agentflow`);
      return await this.accept(routed);
    } catch (error) {
      this.deps.log.error(`gitlab webhook failed unexpectedly: ${describeError(error)}`);
      return reply(503, 'error', { message: 'could not accept the delivery now; it will be retried' });
    }
  }

  private checkSize(req: InboundWebhook): IntakeReply | null {
    if (!req.rawBody) return reply(400, 'error', { message: 'empty body' });
    if (req.rawBody.length > this.deps.maxBodyBytes)
      return reply(413, 'error', {
        message: `body is ${req.rawBody.length} bytes; the limit is ${this.deps.maxBodyBytes}`,
      });
    return null;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- payloads are routed by a few optional fields only
  private parse(raw: Buffer): Record<string, any> | null {
    try {
      const value: unknown = JSON.parse(raw.toString('utf8'));
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  }

  private async ignore(routed: Routed, reason: string): Promise<IntakeReply> {
    await this.remember(routed, 'ignored', reason);
    return reply(202, 'ignored', { deliveryId: routed.deliveryId, message: reason });
  }

  /** Best effort: a visible record of a delivery that needs no work. */
  private async remember(routed: Routed, outcome: 'ignored', detail: string): Promise<void> {
    try {
      await this.deps.deliveries.settle({ ...routed, receivedAt: this.deps.clock() }, outcome, [], detail);
    } catch (error) {
      this.deps.log.warn(`could not record ignored delivery ${routed.deliveryId}: ${describeError(error)}`);
    }
  }

  private async accept(routed: Routed): Promise<IntakeReply> {
    const { deliveries, publisher, spool, db, clock, log } = this.deps;
    const receivedAt = clock();
    const record = {
      platform: routed.platform,
      deliveryId: routed.deliveryId,
      event: routed.event,
      action: routed.action,
      repo: routed.repo,
      receivedAt,
    };
    let databaseUp = true;
    try {
      if (await deliveries.seen(routed.platform, routed.deliveryId))
        return reply(202, 'duplicate', { deliveryId: routed.deliveryId });
    } catch (error) {
      // Without the database the bus's two-hour dedupe window is the only guard; accept anyway.
      databaseUp = false;
      log.warn(
        `delivery log unavailable, relying on the bus dedupe for ${routed.deliveryId}: ${describeError(error)}`,
      );
    }
    const body: WebhookReceived = {
      platform: routed.platform,
      deliveryId: routed.deliveryId,
      event: routed.event,
      payload: routed.text,
      receivedAt: receivedAt.toISOString(),
    };
    if (publisher.ready()) {
      try {
        await publisher.publish(body);
        if (databaseUp)
          await deliveries
            .record(record)
            .catch((error: unknown) =>
              log.warn(`could not record delivery ${routed.deliveryId}: ${describeError(error)}`),
            );
        return reply(202, 'queued', { deliveryId: routed.deliveryId });
      } catch (error) {
        log.warn(`bus refused delivery ${routed.deliveryId}, spooling it: ${describeError(error)}`);
      }
    }
    try {
      await db.transaction(async (tx) => {
        await deliveries.record(record, tx);
        await spool.add(
          {
            platform: routed.platform,
            deliveryId: routed.deliveryId,
            event: routed.event,
            payload: routed.text,
            receivedAt,
          },
          tx,
        );
      });
      return reply(202, 'spooled', { deliveryId: routed.deliveryId });
    } catch (error) {
      // Neither the bus nor the database can keep it: say so, and the platform (or the reconciler) redelivers.
      log.error(`could not spool delivery ${routed.deliveryId}: ${describeError(error)}`);
      return reply(503, 'error', {
        deliveryId: routed.deliveryId,
        message: 'neither the bus nor the spool is available; redeliver later',
      });
    }
  }
}
