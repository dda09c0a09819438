import 'reflect-metadata';
import { getMetadataStorage, validateSync, ValidationTypes, type ValidationError } from 'class-validator';
import type { Envelope } from './envelope';
import { InvalidMessageError } from './errors';
import { instantiateBody } from './validation-instantiate';
import { installValidationMetadataCache } from './validation-metadata-cache';
import {
  PushFilesCommand,
  AgentResult,
  BudgetThresholdAlert,
  AgentTask,
  CiEvent,
  FindingDismissed,
  RunAlert,
  RunCancel,
  RunCompleted,
  RunFailed,
  RunProgress,
  RunRequested,
  TaskStarted,
  TimerMessage,
  WebhookReceived,
} from './messages/run';
import { GatewayRequest, GatewayResponse } from './messages/gateway';

installValidationMetadataCache();

type BodyClass = new () => object;

/**
 * A body's schema version, and how to read the neighbouring versions. During a rolling upgrade a
 * service meets messages one version older and one newer than its own; `upgrade` and `downgrade`
 * turn them into the current shape (newer fields a service does not know are kept, not rejected).
 */
export interface MessageTypeSpec {
  type: string;
  bodyClass: BodyClass;
  version: number;
  /** From `version - 1` to `version`. Identity when the shapes are compatible. */
  upgrade?: (body: Record<string, unknown>) => Record<string, unknown>;
  /** From `version + 1` to `version`. */
  downgrade?: (body: Record<string, unknown>) => Record<string, unknown>;
}

export const MESSAGE_TYPES = {
  'webhook.received': { type: 'webhook.received', bodyClass: WebhookReceived, version: 1 },
  'run.requested': { type: 'run.requested', bodyClass: RunRequested, version: 1 },
  'task.requested': { type: 'task.requested', bodyClass: AgentTask, version: 1 },
  'task.result': { type: 'task.result', bodyClass: AgentResult, version: 1 },
  'task.started': { type: 'task.started', bodyClass: TaskStarted, version: 1 },
  'run.progress': { type: 'run.progress', bodyClass: RunProgress, version: 1 },
  'run.completed': { type: 'run.completed', bodyClass: RunCompleted, version: 1 },
  'run.failed': { type: 'run.failed', bodyClass: RunFailed, version: 1 },
  'run.cancel': { type: 'run.cancel', bodyClass: RunCancel, version: 1 },
  'timer.due': { type: 'timer.due', bodyClass: TimerMessage, version: 1 },
  'ci.event': { type: 'ci.event', bodyClass: CiEvent, version: 1 },
  'gateway.request': { type: 'gateway.request', bodyClass: GatewayRequest, version: 1 },
  'gateway.response': { type: 'gateway.response', bodyClass: GatewayResponse, version: 1 },
  'notify.push-files': { type: 'notify.push-files', bodyClass: PushFilesCommand, version: 1 },
  'notify.alert': { type: 'notify.alert', bodyClass: RunAlert, version: 1 },
  'finding.dismissed': { type: 'finding.dismissed', bodyClass: FindingDismissed, version: 1 },
  'notify.budget-alert': { type: 'notify.budget-alert', bodyClass: BudgetThresholdAlert, version: 1 },
} satisfies Record<string, MessageTypeSpec>;

export type MessageType = keyof typeof MESSAGE_TYPES;
export type BodyOf<T extends MessageType> = InstanceType<(typeof MESSAGE_TYPES)[T]['bodyClass']>;

function flatten(errors: ValidationError[], path = ''): string[] {
  const out: string[] = [];
  for (const error of errors) {
    const here = path ? `${path}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) out.push(`${here}: ${message}`);
    if (error.children?.length) out.push(...flatten(error.children, here));
  }
  return out;
}

const requiredNested = new Map<
  abstract new (...args: never[]) => unknown,
  Array<{ property: string; single: boolean }>
>();

/**
 * The nested objects a class requires: `@ValidateNested()` without `@IsOptional()`. class-validator
 * checks a nested object only when it is there, and reads an array in its place as a list of them,
 * so a body without its `report` (or with `report: []`) passed validation and broke the handler
 * that read it with a TypeError, retried until max deliveries.
 */
function requiredNestedOf(
  target: abstract new (...args: never[]) => unknown,
): Array<{ property: string; single: boolean }> {
  let found = requiredNested.get(target);
  if (!found) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
    const optional = new Set(
      metadata.filter((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION).map((m) => m.propertyName),
    );
    const nested = metadata.filter(
      (m) => m.type === ValidationTypes.NESTED_VALIDATION && !optional.has(m.propertyName),
    );
    found = [
      ...new Map(nested.map((m) => [m.propertyName, { property: m.propertyName, single: !m.each }])).values(),
    ];
    requiredNested.set(target, found);
  }
  return found;
}

function missingNested(instance: object, path: string): string[] {
  const out: string[] = [];
  const record = instance as Record<string, unknown>;
  for (const { property, single } of requiredNestedOf(
    instance.constructor as abstract new (...args: never[]) => unknown,
  )) {
    const value = record[property];
    const here = path ? `${path}.${property}` : property;
    if (value === undefined || value === null) out.push(`${here}: required`);
    else if (single && (typeof value !== 'object' || Array.isArray(value)))
      out.push(`${here}: must be an object`);
    else if (single) out.push(...missingNested(value as object, here));
  }
  return out;
}

/** Validates a plain body against its class; returns the instance or throws {@link InvalidMessageError}. */
export function validateBody<T extends object>(
  bodyClass: new () => T,
  plain: unknown,
  label = bodyClass.name,
): T {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    throw new InvalidMessageError(`${label}: body must be a JSON object`, ['body: not an object']);
  }
  const instance = instantiateBody(bodyClass, plain as Record<string, unknown>);
  const errors = validateSync(instance, { whitelist: false, forbidUnknownValues: false });
  const absent = missingNested(instance, '');
  if (errors.length > 0 || absent.length > 0) {
    const reported = flatten(errors);
    // A property class-validator already faulted is not reported twice.
    const problems = [
      ...absent.filter((a) => !reported.some((r) => r.startsWith(`${a.split(':')[0]}:`))),
      ...reported,
    ];
    throw new InvalidMessageError(`${label} is invalid: ${problems.slice(0, 5).join('; ')}`, problems);
  }
  return instance;
}

/** The envelope's own fields, typed as {@link Envelope} says: handlers use them in subjects, keys and message ids. */
function envelopeFieldProblems(env: Partial<Envelope<unknown>>): string[] {
  const out: string[] = [];
  if (typeof env.id !== 'string' || env.id.length === 0)
    out.push(`id: must be a non-empty string, is ${JSON.stringify(env.id)}`);
  if (typeof env.runId !== 'string' || env.runId.length === 0)
    out.push(`runId: must be a non-empty string, is ${JSON.stringify(env.runId)}`);
  if (typeof env.type !== 'string') out.push(`type: must be a string, is ${JSON.stringify(env.type)}`);
  if (!Number.isSafeInteger(env.schemaVersion) || (env.schemaVersion as number) < 1)
    out.push(`schemaVersion: must be an integer from 1, is ${JSON.stringify(env.schemaVersion)}`);
  if (!Number.isSafeInteger(env.attempt) || (env.attempt as number) < 1)
    out.push(`attempt: must be an integer from 1, is ${JSON.stringify(env.attempt)}`);
  if (typeof env.createdAt !== 'string')
    out.push(`createdAt: must be an ISO-8601 string, is ${JSON.stringify(env.createdAt)}`);
  return out.map((p) => (p.length > 200 ? `${p.slice(0, 200)}...` : p));
}

/**
 * Reads an envelope received from the bus: checks its shape, brings a neighbouring schema version
 * to the current one, and validates the body. Anything else is an {@link InvalidMessageError}
 * (the consumer dead-letters it; it is never retried).
 */
export function decodeEnvelope<T extends MessageType>(
  expected: T | readonly T[],
  raw: unknown,
): Envelope<BodyOf<T>> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new InvalidMessageError('envelope must be a JSON object');
  const env = raw as Partial<Envelope<Record<string, unknown>>>;
  const missing = (['id', 'runId', 'type', 'schemaVersion', 'attempt', 'createdAt', 'body'] as const).filter(
    (k) => env[k] === undefined,
  );
  if (missing.length)
    throw new InvalidMessageError(
      `envelope is missing ${missing.join(', ')}`,
      missing.map((m) => `${m}: required`),
    );
  const wrong = envelopeFieldProblems(env);
  if (wrong.length) throw new InvalidMessageError(`envelope is malformed: ${wrong.join('; ')}`, wrong);
  const allowed = (Array.isArray(expected) ? expected : [expected]) as T[];
  if (!allowed.includes(env.type as T) || !Object.hasOwn(MESSAGE_TYPES, env.type as string)) {
    throw new InvalidMessageError(
      `unexpected message type "${String(env.type)}" (expected ${allowed.join(' or ')})`,
    );
  }
  const spec: MessageTypeSpec = MESSAGE_TYPES[env.type as T];
  let body = env.body as Record<string, unknown>;
  const version = Number(env.schemaVersion);
  if (version === spec.version - 1) body = spec.upgrade ? spec.upgrade(body) : body;
  else if (version === spec.version + 1) body = spec.downgrade ? spec.downgrade(body) : body;
  else if (version !== spec.version) {
    throw new InvalidMessageError(
      `${spec.type} schema version ${version} is not readable here (this service reads ${spec.version - 1}..${spec.version + 1}); upgrade the older side`,
    );
  }
  const validated = validateBody(spec.bodyClass, body, spec.type) as BodyOf<T>;
  return { ...(env as Envelope<unknown>), schemaVersion: spec.version, body: validated };
}

/** The current schema version of a message type, for publishing. */
export function schemaVersionOf(type: MessageType): number {
  return MESSAGE_TYPES[type].version;
}
