/**
 * The CI API: start a workflow from CI, upload coverage and SARIF, read runs by id, delivery, PR or
 * repository. Framework-free; the controller maps HTTP to these calls.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  describeError,
  InvalidMessageError,
  validateBody,
  type ChangeRef,
  type CiArtifactRef,
  type Platform,
  type Topology,
} from '@agentflow/contracts';
import type { MessageBus, Messenger } from '@agentflow/bus';
import type { SqlDatabase } from '@agentflow/store';
import type { NormalizedEvent } from '@agentflow/workflow';
import { MAX_PR_NUMBER } from '../events/read';
import { DELIVERY_ID, DELIVERY_ID_RULE, unstorablePath } from '../input/text';
import type { IngressLog } from '../log';
import type { PlatformClients } from '../platform/platform-client';
import { runIdFor, type RunRequester } from '../runs/run-requester';
import type { TriggerMatcher } from '../trigger/trigger-matcher';
import type { DeliveryLog } from '../webhooks/delivery-log';
import { mayAct, type ApiAction, type ApiPrincipal, type ApiTokenStore } from './api-tokens';
import { ArtifactUpload, CreateTokenRequest, StartRunRequest } from './dto';

export interface ApiReply {
  status: number;
  body: unknown;
}

export interface RunsApiDeps {
  db: SqlDatabase;
  bus: MessageBus;
  messenger: Messenger;
  topology: Topology;
  tokens: ApiTokenStore;
  matcher: TriggerMatcher;
  runs: RunRequester;
  deliveries: DeliveryLog;
  platforms: PlatformClients;
  log: IngressLog;
}

const problem = (status: number, message: string, extra: Record<string, unknown> = {}): ApiReply => ({
  status,
  body: { error: message, ...extra },
});

interface RunRow {
  id: string;
  workflow: string;
  platform: string;
  repo: string;
  pr: number | null;
  head_sha: string;
  trigger: string;
  delivery_id: string | null;
  status: string;
  gate_conclusion: string | null;
  cost_usd: string;
  requested_at: Date | string;
  finished_at: Date | string | null;
}

function runJson(r: RunRow) {
  return {
    runId: r.id,
    workflow: r.workflow,
    platform: r.platform,
    repo: r.repo,
    pr: r.pr,
    headSha: r.head_sha,
    trigger: r.trigger,
    deliveryId: r.delivery_id,
    status: r.status,
    gateConclusion: r.gate_conclusion,
    costUsd: Number(r.cost_usd),
    requestedAt: new Date(r.requested_at).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
  };
}

/** Run ids as the ingress makes them (`r` + 31 hex) and as other tools may: short, no spaces or control characters. */
const RUN_ID = /^[\w.:-]{1,128}$/;
const REPO = /^[\w.-]+(\/[\w.-]+)+$/;
/** Standard base64 (line breaks allowed, as `base64` wraps them), padded to whole quads. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why an artifact cannot be stored as sent, or null. */
function artifactProblem(a: ArtifactUpload, where = ''): string | null {
  if (a.encoding === 'base64' && !BASE64.test(a.content.replace(/\r?\n/g, ''))) {
    return `${where}content is not valid base64 (encoding: base64); send the file's bytes base64-encoded, or its text with encoding utf8`;
  }
  return null;
}

/** Whether a principal may see something whose repository is not known: only a token for every repository. */
function seesEveryRepo(who: ApiPrincipal): boolean {
  return who.role === 'admin' || who.repos.includes('*');
}

const RUN_COLUMNS =
  'id, workflow, platform, repo, pr, head_sha, trigger, delivery_id, status, gate_conclusion, cost_usd, requested_at, finished_at';

export class RunsApi {
  constructor(private readonly deps: RunsApiDeps) {}

  /**
   * Who calls, before anything else about the request is looked at: an unauthenticated caller
   * learns nothing (not which fields are wrong, not whether a run exists).
   */
  private async authenticate(authorization: string | undefined): Promise<ApiPrincipal | ApiReply> {
    const principal = await this.deps.tokens.authenticate(authorization);
    if (!principal) return problem(401, 'a valid bearer token is required (Authorization: Bearer <token>)');
    return principal;
  }

  private authorize(principal: ApiPrincipal, action: ApiAction, repo?: string): ApiReply | null {
    return mayAct(principal, action, repo)
      ? null
      : problem(
          403,
          `token ${principal.name} (${principal.role}) may not ${action}${repo ? ` on ${repo}` : ''}`,
        );
  }

  private async principal(
    authorization: string | undefined,
    action: ApiAction,
    repo?: string,
  ): Promise<ApiPrincipal | ApiReply> {
    const who = await this.authenticate(authorization);
    if ('status' in who) return who;
    return this.authorize(who, action, repo) ?? who;
  }

  private validate<T extends object>(cls: new () => T, body: unknown): T | ApiReply {
    // PostgreSQL stores no NUL and the drivers change unpaired surrogates: refuse them by field.
    // An artifact's content goes to the object store as bytes, so it may hold anything.
    const unstorable = unstorablePath(body, new Set(['content']));
    if (unstorable)
      return problem(400, 'invalid request body', {
        problems: [`${unstorable} contains a NUL character or an unpaired UTF-16 surrogate`],
      });
    try {
      return validateBody(cls, body, cls.name);
    } catch (error) {
      if (error instanceof InvalidMessageError)
        return problem(400, 'invalid request body', { problems: error.problems });
      throw error;
    }
  }

  private async guard(fn: () => Promise<ApiReply>): Promise<ApiReply> {
    try {
      return await fn();
    } catch (error) {
      this.deps.log.error(`CI API call failed: ${describeError(error)}`);
      return problem(503, 'the request could not be served now; retry later');
    }
  }

  createToken(authorization: string | undefined, body: unknown): Promise<ApiReply> {
    return this.guard(async () => {
      const who = await this.principal(authorization, 'admin');
      if ('status' in who) return who;
      const input = this.validate(CreateTokenRequest, body);
      if ('status' in input) return input;
      const created = await this.deps.tokens.create(input);
      return { status: 201, body: { ...created, name: input.name, role: input.role, repos: input.repos } };
    });
  }

  revokeToken(authorization: string | undefined, id: string): Promise<ApiReply> {
    return this.guard(async () => {
      const who = await this.principal(authorization, 'admin');
      if ('status' in who) return who;
      return (await this.deps.tokens.revoke(id))
        ? { status: 204, body: undefined }
        : problem(404, `no active token ${id}`);
    });
  }

  startRun(authorization: string | undefined, body: unknown): Promise<ApiReply> {
    return this.guard(async () => {
      const who = await this.authenticate(authorization);
      if ('status' in who) return who;
      const role = this.authorize(who, 'start');
      if (role) return role;
      const input = this.validate(StartRunRequest, body);
      if ('status' in input) return input;
      const scope = this.authorize(who, 'start', input.repo);
      if (scope) return scope;
      for (const [i, a] of (input.artifacts ?? []).entries()) {
        const bad = artifactProblem(a, `artifacts[${i}].`);
        if (bad) return problem(400, 'invalid request body', { problems: [bad] });
      }
      const platform: Platform = input.platform ?? 'github';
      const at = {
        platform,
        repo: input.repo,
        baseSha: input.baseSha,
        installationId: input.installationId,
        projectId: input.projectId,
      };
      if (!(await this.deps.matcher.workflow(input.workflow, at)))
        return problem(
          404,
          `no workflow ${input.workflow}; see workflows/ and the repository's .agentflow/workflows/ for the ids`,
        );
      const change: ChangeRef = {
        platform,
        repo: input.repo,
        pr: input.pr,
        headSha: input.headSha,
        baseSha: input.baseSha,
        headRef: input.headRef,
        baseRef: input.baseRef,
        installationId: input.installationId,
        projectId: input.projectId,
      };
      const requestId = input.requestId ?? randomUUID();
      const client = this.deps.platforms[platform];
      const files =
        input.pr && client
          ? await client
              .changedFiles({
                repo: input.repo,
                pr: input.pr,
                installationId: input.installationId,
                projectId: input.projectId,
              })
              .catch(() => undefined)
          : undefined;
      const event: NormalizedEvent = {
        platform,
        kind: 'manual',
        repo: input.repo,
        pr: input.pr,
        headSha: input.headSha,
        baseBranch: input.baseRef,
        headBranch: input.headRef,
        workflow: input.workflow,
        files,
        coverage: input.coverage,
      };
      const decision = await this.deps.matcher.match(event, at);
      const plan = decision.fired.find((p) => p.id === input.workflow);
      const source = { kind: 'api' as const, id: requestId };
      if (!plan) {
        const reason = decision.skipped.find((s) => s.workflow === input.workflow)?.reason ?? 'not fired';
        await this.deps.runs.recordSkip({ source, change, trigger: 'manual' }, reason, input.workflow);
        return problem(409, `workflow ${input.workflow} did not start: ${reason}`, { requestId });
      }
      const runId = runIdFor(change, plan.id, `api:${requestId}`);
      // The reports go to the object store before the run is requested, and only their references
      // travel: a SARIF of many megabytes fits no NATS message.
      const ciArtifacts: CiArtifactRef[] = [];
      for (const a of input.artifacts ?? []) ciArtifacts.push(await this.storeArtifact(runId, a));
      const [run] = await this.deps.runs.request({
        source,
        change,
        trigger: 'manual',
        triggerKey: `api:${requestId}`,
        fired: [plan],
        skipped: [],
        rollout: decision.rollout,
        dataClass: decision.dataClass,
        team: decision.team,
        project: decision.project,
        ...(ciArtifacts.length ? { ciArtifacts } : {}),
      });
      return {
        status: 202,
        body: { runId: run.runId, workflow: plan.id, requestId, artifacts: ciArtifacts.map((a) => a.ref) },
      };
    });
  }

  uploadArtifact(authorization: string | undefined, runId: string, body: unknown): Promise<ApiReply> {
    return this.guard(async () => {
      const who = await this.authenticate(authorization);
      if ('status' in who) return who;
      const role = this.authorize(who, 'upload');
      if (role) return role;
      const input = this.validate(ArtifactUpload, body);
      if ('status' in input) return input;
      const bad = artifactProblem(input);
      if (bad) return problem(400, 'invalid request body', { problems: [bad] });
      if (!RUN_ID.test(runId)) return problem(404, 'no such run');
      const { rows } = await this.deps.db.query<{ repo: string; platform: Platform; head_sha: string }>(
        'SELECT repo, platform, head_sha FROM runs WHERE id = $1',
        [runId],
      );
      const run = rows[0];
      if (!run) return problem(404, `no run ${runId}`);
      const scope = this.authorize(who, 'upload', run.repo);
      if (scope) return scope;
      const stored = await this.storeArtifact(runId, input);
      // A step waiting for CI output wakes on af.ci.<platform>.
      await this.deps.messenger.emit(
        this.deps.topology.subjects.ci(run.platform),
        'ci.event',
        {
          platform: run.platform,
          repo: run.repo,
          headSha: run.head_sha,
          conclusion: 'success',
          name: `artifact:${input.kind}`,
          details: { runId, artifact: input.name, ref: stored.ref, sha256: stored.sha256, size: stored.size },
        },
        { msgId: `artifact:${runId}:${input.name}:${stored.sha256}` },
      );
      return { status: 201, body: stored };
    });
  }

  private async storeArtifact(runId: string, a: ArtifactUpload): Promise<CiArtifactRef> {
    const data = a.encoding === 'base64' ? Buffer.from(a.content, 'base64') : Buffer.from(a.content, 'utf8');
    const objects = await this.deps.bus.objects(this.deps.topology.buckets.objects);
    const ref = await objects.put(`artifacts/${runId}/${a.name}`, data);
    const sha256 = ref.sha256 || createHash('sha256').update(data).digest('hex');
    await this.deps.db.query(
      `INSERT INTO ingress_artifacts (run_id, name, kind, ref, sha256, size) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (run_id, name) DO UPDATE SET kind = EXCLUDED.kind, ref = EXCLUDED.ref, sha256 = EXCLUDED.sha256, size = EXCLUDED.size, uploaded_at = now()`,
      [runId, a.name, a.kind, ref.ref, sha256, data.length],
    );
    return { name: a.name, kind: a.kind, ref: ref.ref, sha256, size: data.length };
  }

  getRun(authorization: string | undefined, runId: string): Promise<ApiReply> {
    return this.guard(async () => {
      const who = await this.authenticate(authorization);
      if ('status' in who) return who;
      const role = this.authorize(who, 'read');
      if (role) return role;
      if (!RUN_ID.test(runId)) return problem(404, 'no such run');
      const { rows } = await this.deps.db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = $1`, [
        runId,
      ]);
      const run = rows[0];
      if (!run) return problem(404, `no run ${runId}`);
      const scope = this.authorize(who, 'read', run.repo);
      if (scope) return scope;
      const artifacts = await this.deps.db.query(
        'SELECT name, kind, ref, sha256, size FROM ingress_artifacts WHERE run_id = $1 ORDER BY name',
        [runId],
      );
      return {
        status: 200,
        body: { ...runJson(run), artifacts: artifacts.rows.map((a) => ({ ...a, size: Number(a.size) })) },
      };
    });
  }

  listRuns(
    authorization: string | undefined,
    query: { delivery?: unknown; pr?: unknown; repo?: unknown; platform?: unknown },
  ): Promise<ApiReply> {
    return this.guard(async () => {
      const who = await this.authenticate(authorization);
      if ('status' in who) return who;
      const role = this.authorize(who, 'read');
      if (role) return role;
      // A repeated parameter arrives as an array; each one is a single value.
      for (const [name, value] of Object.entries(query)) {
        if (value !== undefined && typeof value !== 'string')
          return problem(400, `${name} must be given once`);
      }
      const q = query as { delivery?: string; pr?: string; repo?: string; platform?: string };
      if (q.platform !== undefined && q.platform !== 'github' && q.platform !== 'gitlab')
        return problem(400, 'platform must be github or gitlab');
      const platform: Platform = q.platform ?? 'github';
      if (q.delivery !== undefined) {
        if (!DELIVERY_ID.test(q.delivery))
          return problem(400, `delivery must be a delivery id: ${DELIVERY_ID_RULE}`);
        return this.delivery(who, platform, q.delivery);
      }
      if (!q.repo) return problem(400, 'give delivery=ID, or repo=R (with pr=N to narrow it)');
      if (q.repo.length > 255 || !REPO.test(q.repo))
        return problem(400, 'repo must be owner/name (GitLab: group/subgroup/name)');
      const scope = this.authorize(who, 'read', q.repo);
      if (scope) return scope;
      const pr = q.pr === undefined ? null : /^\d{1,10}$/.test(q.pr) ? Number(q.pr) : NaN;
      if (pr !== null && (!Number.isInteger(pr) || pr < 1 || pr > MAX_PR_NUMBER))
        return problem(
          400,
          `pr=${String(q.pr).slice(0, 20)} is not a pull request number (1 to ${MAX_PR_NUMBER})`,
        );
      const runs = await this.deps.db.query<RunRow>(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE platform = $1 AND repo = $2 AND ($3::integer IS NULL OR pr = $3) ORDER BY requested_at DESC LIMIT 100`,
        [platform, q.repo, pr],
      );
      return { status: 200, body: { runs: runs.rows.map(runJson) } };
    });
  }

  /**
   * One delivery, only within the token's repositories: another repository's delivery is answered
   * like one that does not exist, and every part of the answer (runs, skipped workflows) is
   * filtered by the token's scope, not only the list of runs.
   */
  private async delivery(who: ApiPrincipal, platform: Platform, deliveryId: string): Promise<ApiReply> {
    const delivery = await this.deps.deliveries.get(platform, deliveryId);
    const visible =
      delivery && (delivery.repo === null ? seesEveryRepo(who) : mayAct(who, 'read', delivery.repo));
    if (!delivery || !visible) return problem(404, `no delivery ${deliveryId} on ${platform}`);
    const runs = await this.deps.db.query<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE id = ANY($1) ORDER BY requested_at`,
      [delivery.runIds],
    );
    const readable = runs.rows.filter((r) => mayAct(who, 'read', r.repo));
    const skipped = await this.deps.db.query<{ workflow: string; reason: string; repo: string | null }>(
      `SELECT workflow, reason, repo FROM ingress_trigger_outcomes WHERE source = 'webhook' AND source_id = $1 AND outcome = 'skipped' ORDER BY workflow`,
      [`${platform}:${deliveryId}`],
    );
    const skips = skipped.rows
      .filter((s) => (s.repo === null ? seesEveryRepo(who) : mayAct(who, 'read', s.repo)))
      .map((s) => ({ workflow: s.workflow, reason: s.reason }));
    const { repo, runIds, ...rest } = delivery;
    const shownRuns = new Set(readable.map((r) => r.id));
    return {
      status: 200,
      body: {
        delivery: {
          id: deliveryId,
          platform,
          repo,
          ...rest,
          runIds: runIds.filter((id) => shownRuns.has(id)),
        },
        runs: readable.map(runJson),
        skipped: skips,
      },
    };
  }
}
