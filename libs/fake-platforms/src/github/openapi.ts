/**
 * Checks requests to the fake GitHub against GitHub's published REST description
 * (`@octokit/openapi`, `generated/api.github.com.json`): the method and path must name an
 * operation, path and query parameters must match their schemas (no unknown query parameter, every
 * required one present), and a JSON body must match the operation's request-body schema. The fake
 * answers as it always did; a mismatch is recorded as an {@link OpenApiViolation} for the test to
 * fail on, so the fake cannot quietly accept what GitHub would refuse.
 *
 * The 13 MB description is read once per process; an operation's validators are compiled the first
 * time a request names it (a run touches a few dozen of GitHub's ~1,100 operations).
 */
import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** A request that GitHub's description does not allow, or an answer of the fake that it does not describe. */
export interface OpenApiViolation {
  method: string;
  /** The path as received (after the `/api/v3` prefix is removed). */
  path: string;
  /** `operationId` of the matched operation; absent when no operation matches. */
  operation?: string;
  /** What is wrong, one line each (`body/comments/0 must have required property 'path'`). */
  problems: string[];
}

/**
 * Operations whose answers are checked too ({@link GitHubOpenApi.checkResponse}): those where the
 * platform's own caps, cuts and paging decide what a reader sees (absent and truncated `patch`,
 * the 3,000- and 300-file caps, `Link`). The fake answers other operations with the fields
 * agentflow reads, not every field GitHub's schema requires.
 */
export const RESPONSE_CHECKED_OPERATIONS: ReadonlySet<string> = new Set([
  'pulls/list-files',
  'repos/compare-commits-with-basehead',
  'repos/compare-commits',
]);

/** A `Link` header as GitHub writes it: `<url>; rel="next", <url>; rel="last"`, rels from these four. */
const LINK_PART = /^<(https?:\/\/[^>]+)>; rel="(next|prev|first|last)"$/;

/** The response parts {@link GitHubOpenApi.checkResponse} reads. */
export interface CheckedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** The request parts the check reads. */
export interface CheckedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  rawBody: string;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Record<string, unknown>;
}

interface DescribedResponse {
  content?: Record<string, { schema?: Record<string, unknown> }>;
  headers?: Record<string, unknown>;
}

interface Operation {
  operationId?: string;
  responses?: Record<string, DescribedResponse>;
  parameters?: Array<Parameter | { $ref: string }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Record<string, unknown> }> };
}

interface Description {
  paths: Record<string, Record<string, Operation | unknown>>;
  components: { parameters: Record<string, Parameter>; schemas: Record<string, unknown> };
}

interface Template {
  path: string;
  pattern: RegExp;
  names: string[];
  /** Literal characters: among several matches the most specific template wins. */
  literals: number;
  /** Segments, for a quick filter before the regular expression. */
  segments: number;
  /** Its last parameter spans the rest of the path (`contents/{path}`, `git/refs/{ref}`). */
  tail: boolean;
}

interface CompiledOperation {
  id: string;
  params: Parameter[];
  path: ValidateFunction;
  query: ValidateFunction;
  body?: ValidateFunction;
  bodyRequired: boolean;
  /** A request body of another media type (`text/plain`, `application/octet-stream`): not checked. */
  otherBody: boolean;
}

/** Paths outside the REST description that the fake serves on purpose. */
const OUTSIDE_REST = new Set(['/graphql']);
/**
 * Last parameters that name something with slashes in it (a file path, a ref, a branch): a client
 * that leaves those slashes unencoded still names the operation.
 */
const SLASHED_LAST = /\{(path|ref|branch|basehead)\}$/;
const COMPONENTS_ID = 'https://api.github.com/openapi/components';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function templateOf(path: string, tail: boolean): Template {
  const names: string[] = [];
  const segments = path.split('/');
  const source = segments
    .map((segment, i) =>
      segment
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const m = /^\{([^}]+)\}$/.exec(part);
          if (!m) return escape(part);
          names.push(m[1]);
          // A parameter that ends the path may hold slashes when a client does not encode them.
          return tail && i === segments.length - 1 ? '(.+)' : '([^/]+?)';
        })
        .join(''),
    )
    .join('/');
  return {
    path,
    pattern: new RegExp(`^${source}$`),
    names,
    literals: path.replace(/\{[^}]+\}/g, '').length,
    segments: segments.length,
    tail,
  };
}

function formatErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const at = `${where}${e.instancePath}`;
    if (e.keyword === 'additionalProperties')
      return `${at} has unknown property '${String((e.params as { additionalProperty: string }).additionalProperty)}'`;
    if (e.keyword === 'enum')
      return `${at} ${e.message}: ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
    return `${at} ${e.message ?? e.keyword}`;
  });
}

/**
 * OpenAPI 3.0's `nullable: true` as JSON Schema: Ajv reads it only beside a `type`, and GitHub's
 * description also puts it beside `allOf`/`anyOf` (a nullable reference), so those become
 * `anyOf: [the schema, null]`.
 */
function nullableAsAnyOf<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((s: unknown) => nullableAsAnyOf(s)) as T;
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema as Record<string, unknown>))
    out[key] = key === 'example' || key === 'examples' ? value : nullableAsAnyOf(value);
  if (out.nullable === true && out.type === undefined) {
    delete out.nullable;
    return { anyOf: [out, { type: 'null' }] } as T;
  }
  return out as T;
}

/** GitHub's description loaded and indexed; {@link GitHubOpenApi.shared} reads it once per process. */
export class GitHubOpenApi {
  private static instance: GitHubOpenApi | undefined;
  private readonly templates: Template[] = [];
  private readonly compiled = new Map<string, CompiledOperation>();
  private readonly ajv: Ajv;
  private readonly bodyAjv: Ajv;
  /** For answers: the components rewritten so `nullable` without a `type` (GitHub writes it beside `allOf`) compiles. */
  private responseAjv: Ajv | undefined;

  private constructor(private readonly description: Description) {
    for (const path of Object.keys(description.paths)) {
      this.templates.push(templateOf(path, false));
      if (SLASHED_LAST.test(path)) this.templates.push(templateOf(path, true));
    }
    // Parameters arrive as strings: coerce them to the schema's type before checking.
    this.ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: 'array', logger: false });
    this.bodyAjv = new Ajv({ strict: false, allErrors: true, logger: false });
    for (const ajv of [this.ajv, this.bodyAjv]) {
      addFormats(ajv);
      // Formats GitHub's description uses that JSON Schema does not define: accepted as strings.
      for (const name of [
        'uri-template',
        'binary',
        'repo.nwo',
        'ssh-key',
        'ssh-key fingerprint',
        'hostname',
        'int32',
        'int64',
        'float',
        'double',
        'byte',
        'password',
      ]) {
        ajv.addFormat(name, true);
      }
      // Bodies refer to `#/components/schemas/…`; the components are one schema every body can reach.
      ajv.addSchema({ $id: COMPONENTS_ID, components: description.components });
    }
  }

  /** The description from `@octokit/openapi`, read and indexed once per process. */
  static shared(): GitHubOpenApi {
    if (!GitHubOpenApi.instance) {
      const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
      GitHubOpenApi.instance = new GitHubOpenApi(JSON.parse(readFileSync(file, 'utf8')) as Description);
    }
    return GitHubOpenApi.instance;
  }

  /** The operation a method and path name, with its path parameters; null when none does. */
  match(
    method: string,
    path: string,
  ): { template: string; operation: Operation; params: Record<string, string> } | null {
    const lower = method.toLowerCase();
    const segments = path.split('/').length;
    let best: { template: Template; m: RegExpExecArray } | undefined;
    for (const template of this.templates) {
      if (template.tail ? segments < template.segments : segments !== template.segments) continue;
      const m = template.pattern.exec(path);
      if (!m || !this.description.paths[template.path][lower]) continue;
      // The most literal template wins (`issues/comments/{id}` over `issues/{number}/comments`);
      // an exact segment count wins over a tail that swallows slashes.
      if (
        !best ||
        (best.template.tail && !template.tail) ||
        (best.template.tail === template.tail && template.literals > best.template.literals)
      ) {
        best = { template, m };
      }
    }
    if (!best) return null;
    const params: Record<string, string> = {};
    best.template.names.forEach((name, i) => (params[name] = decodeURIComponent(best!.m[i + 1])));
    return {
      template: best.template.path,
      operation: this.description.paths[best.template.path][lower] as Operation,
      params,
    };
  }

  /** Whether any operation serves the path, whatever the method (to tell 'unknown path' from 'wrong method'). */
  private knownPath(path: string): boolean {
    const segments = path.split('/').length;
    return this.templates.some(
      (t) => (t.tail ? segments >= t.segments : segments === t.segments) && t.pattern.test(path),
    );
  }

  /** The violation this request commits, or null when GitHub's description allows it. */
  check(req: CheckedRequest): OpenApiViolation | null {
    if (OUTSIDE_REST.has(req.path)) return null;
    const found = this.match(req.method, req.path);
    if (!found) {
      const problem = this.knownPath(req.path)
        ? `${req.method} is not an operation of ${req.path} in GitHub's REST description`
        : `no operation in GitHub's REST description serves ${req.method} ${req.path}`;
      return { method: req.method, path: req.path, problems: [problem] };
    }
    const op = this.compile(found.template, req.method.toLowerCase(), found.operation);
    const problems: string[] = [];

    const pathValues: Record<string, unknown> = { ...found.params };
    if (!op.path(pathValues)) problems.push(...formatErrors('path', op.path.errors));

    const query: Record<string, unknown> = {};
    for (const [key, value] of req.query) {
      const name = key.replace(/\[\]$/, '');
      const param = op.params.find((p) => p.in === 'query' && p.name === name);
      if (!param) {
        problems.push(`query parameter '${key}' is not a parameter of ${op.id}`);
        continue;
      }
      query[name] =
        param.schema?.type === 'array' ? [...((query[name] as string[] | undefined) ?? []), value] : value;
    }
    if (!op.query(query)) problems.push(...formatErrors('query', op.query.errors));

    const raw = req.rawBody.trim();
    if (op.body) {
      if (!raw) {
        if (op.bodyRequired) problems.push(`${op.id} requires a JSON body`);
      } else {
        let body: unknown;
        try {
          body = JSON.parse(raw);
        } catch {
          problems.push('the body is not valid JSON');
        }
        if (body !== undefined && !op.body(body)) problems.push(...formatErrors('body', op.body.errors));
      }
    } else if (!op.otherBody && raw && raw !== '{}' && req.method !== 'GET') {
      problems.push(`${op.id} takes no request body`);
    }
    return problems.length ? { method: req.method, path: req.path, operation: op.id, problems } : null;
  }

  /**
   * The violation a 2xx answer of a {@link RESPONSE_CHECKED_OPERATIONS} operation commits: its JSON
   * body must match the documented response schema for its status, and a `Link` header must be one
   * the operation documents, written as GitHub writes it. Null for other operations and statuses.
   */
  checkResponse(req: Pick<CheckedRequest, 'method' | 'path'>, res: CheckedResponse): OpenApiViolation | null {
    if (res.status < 200 || res.status >= 300) return null;
    const found = this.match(req.method, req.path);
    const id = found?.operation.operationId;
    if (!found || !id || !RESPONSE_CHECKED_OPERATIONS.has(id)) return null;
    const problems: string[] = [];
    const described = found.operation.responses?.[String(res.status)];
    if (!described) {
      problems.push(`response status ${res.status} is not a documented response of ${id}`);
    } else {
      const validate = this.responseValidator(
        `${req.method.toLowerCase()} ${found.template} ${res.status}`,
        described,
      );
      if (validate && !validate(res.body)) problems.push(...formatErrors('response', validate.errors));
      const link = Object.entries(res.headers ?? {}).find(([name]) => name.toLowerCase() === 'link')?.[1];
      if (link !== undefined) {
        if (!Object.keys(described.headers ?? {}).some((h) => h.toLowerCase() === 'link'))
          problems.push(`response has a Link header, which ${id} does not document`);
        const bad = link.split(', ').filter((part) => !LINK_PART.test(part));
        if (bad.length)
          problems.push(`response Link header parts not as GitHub writes them: ${bad.join(' | ')}`);
      }
    }
    return problems.length ? { method: req.method, path: req.path, operation: id, problems } : null;
  }

  private readonly responseValidators = new Map<string, ValidateFunction | undefined>();

  private responseValidator(key: string, described: DescribedResponse): ValidateFunction | undefined {
    if (!this.responseValidators.has(key)) {
      const schema = described.content?.['application/json']?.schema;
      this.responseValidators.set(
        key,
        schema ? this.answersAjv().compile(nullableAsAnyOf(this.rebase(schema))) : undefined,
      );
    }
    return this.responseValidators.get(key);
  }

  private answersAjv(): Ajv {
    if (!this.responseAjv) {
      const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
      addFormats(ajv);
      for (const name of [
        'uri-template',
        'binary',
        'repo.nwo',
        'ssh-key',
        'ssh-key fingerprint',
        'hostname',
        'int32',
        'int64',
        'float',
        'double',
        'byte',
        'password',
      ])
        ajv.addFormat(name, true);
      ajv.addSchema({ $id: COMPONENTS_ID, components: nullableAsAnyOf(this.description.components) });
      this.responseAjv = ajv;
    }
    return this.responseAjv;
  }

  private compile(template: string, method: string, operation: Operation): CompiledOperation {
    const key = `${method} ${template}`;
    const cached = this.compiled.get(key);
    if (cached) return cached;
    const params = (operation.parameters ?? []).map((p) =>
      '$ref' in p
        ? this.description.components.parameters[p.$ref.replace('#/components/parameters/', '')]
        : p,
    );
    const objectOf = (where: Parameter['in']) => {
      const of = params.filter((p) => p.in === where);
      return {
        type: 'object',
        properties: Object.fromEntries(of.map((p) => [p.name, this.rebase(p.schema ?? {})])),
        required: of.filter((p) => p.required || where === 'path').map((p) => p.name),
      };
    };
    const json = operation.requestBody?.content?.['application/json']?.schema;
    const compiled: CompiledOperation = {
      id: operation.operationId ?? key,
      params,
      path: this.ajv.compile(objectOf('path')),
      query: this.ajv.compile(objectOf('query')),
      body: json ? this.bodyAjv.compile(this.rebase(json) as object) : undefined,
      bodyRequired: operation.requestBody?.required === true,
      otherBody: operation.requestBody !== undefined && !json,
    };
    this.compiled.set(key, compiled);
    return compiled;
  }

  /** A schema taken out of the description, its `#/components/…` references pointed at the components schema. */
  private rebase(schema: Record<string, unknown>): Record<string, unknown> {
    return JSON.parse(
      JSON.stringify(schema).replace(/"\$ref":"#\/components\//g, `"$ref":"${COMPONENTS_ID}#/components/`),
    ) as Record<string, unknown>;
  }
}
