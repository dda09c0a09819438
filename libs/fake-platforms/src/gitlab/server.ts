/**
 * FAKE GitLab REST API v4 on 127.0.0.1: merge requests, their diffs, notes, discussions on diff
 * lines, commit statuses, raw files and project members, in GitLab's wire shapes (`401
 * Unauthorized` messages, `RateLimit-*` headers, 429 with `Retry-After`). Point `@gitbeaker/rest`
 * at it with `host: fake.url`.
 */
import { commentableLines } from '../github/diff-lines';
import {
  FakeRouter,
  serveFake,
  takeFailure,
  type FailureRule,
  type FakeRequest,
  type FakeResponse,
  type RunningFake,
} from '../http';

export interface FakeGitLabDiff {
  old_path: string;
  new_path: string;
  diff: string;
  new_file: boolean;
  renamed_file: boolean;
  deleted_file: boolean;
  /** GitLab leaves `diff` empty and sets this for a file's diff over its size limit. */
  too_large?: boolean;
  /** GitLab leaves `diff` empty and sets this past its limits on the number or lines of diffs shown. */
  collapsed?: boolean;
}

export interface FakeMergeRequest {
  projectId: number;
  projectPath: string;
  iid: number;
  title: string;
  state: 'opened' | 'closed' | 'merged';
  author: string;
  sourceBranch: string;
  targetBranch: string;
  headSha: string;
  baseSha: string;
  diffs: FakeGitLabDiff[];
}

export interface FakeGitLabNote {
  id: number;
  projectId: number;
  mrIid: number;
  body: string;
  author: string;
  system: boolean;
  /** Set for notes that belong to a discussion on a diff line. */
  discussionId?: string;
  position?: Record<string, unknown>;
  resolved: boolean;
  /** Who resolved the discussion (the token's user when the API resolved it). */
  resolvedBy?: string;
  updated: number;
}

/** An award emoji on a note (`thumbsup`, `thumbsdown`, `heart`, ...), as a person gave it. */
export interface FakeGitLabAward {
  id: number;
  noteId: number;
  name: string;
  username: string;
  created: number;
}

export interface FakeGitLabStatus {
  id: number;
  projectId: number;
  sha: string;
  state: string;
  name: string;
  description?: string;
  target_url?: string;
}

export interface FakeGitLab extends RunningFake {
  /** `host` for `@gitbeaker/rest`; the API lives under `/api/v4`. */
  readonly apiUrl: string;
  readonly mergeRequests: FakeMergeRequest[];
  readonly notes: FakeGitLabNote[];
  readonly statuses: FakeGitLabStatus[];
  /** Project files by SHA. */
  readonly files: Map<string, Record<string, string>>;
  /** `projectId:userId` -> access level (10 guest, 20 reporter, 30 developer, 40 maintainer, 50 owner). */
  readonly members: Map<string, number>;
  readonly awards: FakeGitLabAward[];
  /** A person awards an emoji on a note (GitLab's `POST .../notes/:note_id/award_emoji`). */
  award(noteId: number, name: string, username: string): FakeGitLabAward;
  /** A person resolves (or unresolves) a discussion in GitLab's UI. */
  resolveDiscussion(discussionId: string, username: string, resolved?: boolean): void;
  seedMergeRequest(mr: FakeMergeRequest, contents?: Record<string, string>): void;
  failNext(rule: FailureRule): void;
}

const STATES = ['pending', 'running', 'success', 'failed', 'canceled', 'skipped'];

export async function startFakeGitLab(options: { port?: number; token?: string } = {}): Promise<FakeGitLab> {
  const mergeRequests: FakeMergeRequest[] = [];
  const notes: FakeGitLabNote[] = [];
  const statuses: FakeGitLabStatus[] = [];
  const files = new Map<string, Record<string, string>>();
  const members = new Map<string, number>();
  const awards: FakeGitLabAward[] = [];
  const failures: FailureRule[] = [];
  const router = new FakeRouter();
  let nextId = 100;
  let base = '';

  const project = (req: FakeRequest) => {
    const id = req.params.id;
    return mergeRequests.find((m) => String(m.projectId) === id || m.projectPath === id);
  };
  const mr = (req: FakeRequest) => {
    const p = project(req);
    return p
      ? mergeRequests.find((m) => m.projectId === p.projectId && m.iid === Number(req.params.iid))
      : undefined;
  };
  const notFound = (what = '404 Not found'): FakeResponse => ({ status: 404, body: { message: what } });
  const page = <T>(req: FakeRequest, items: T[]): FakeResponse => {
    const perPage = Math.min(100, Number(req.query.get('per_page') ?? 20));
    const p = Math.max(1, Number(req.query.get('page') ?? 1));
    const headers: Record<string, string> = {
      'x-page': String(p),
      'x-per-page': String(perPage),
      'x-total': String(items.length),
      'x-total-pages': String(Math.max(1, Math.ceil(items.length / perPage))),
      'x-next-page': p * perPage < items.length ? String(p + 1) : '',
    };
    if (p * perPage < items.length) {
      const q = new URLSearchParams(req.query);
      q.set('page', String(p + 1));
      headers.link = `<${base}/api/v4${req.path}?${q.toString()}>; rel="next"`;
    }
    return { status: 200, body: items.slice((p - 1) * perPage, p * perPage), headers };
  };
  const mrJson = (m: FakeMergeRequest) => ({
    id: m.projectId * 1000 + m.iid,
    iid: m.iid,
    project_id: m.projectId,
    title: m.title,
    state: m.state,
    sha: m.headSha,
    source_branch: m.sourceBranch,
    target_branch: m.targetBranch,
    author: { id: 1, username: m.author },
    web_url: `https://gitlab.example.com/${m.projectPath}/-/merge_requests/${m.iid}`,
    diff_refs: { base_sha: m.baseSha, head_sha: m.headSha, start_sha: m.baseSha },
  });
  const userJson = (username: string) => ({
    id: 1000 + username.length,
    username,
    name: username,
    state: 'active',
    avatar_url: null,
    web_url: `https://gitlab.example.com/${username}`,
  });
  const noteJson = (n: FakeGitLabNote) => ({
    id: n.id,
    type: n.position ? 'DiffNote' : null,
    body: n.body,
    author: { id: 1, username: n.author },
    system: n.system,
    noteable_type: 'MergeRequest',
    noteable_iid: n.mrIid,
    resolvable: Boolean(n.position),
    resolved: n.resolved,
    resolved_by: n.position && n.resolved && n.resolvedBy ? userJson(n.resolvedBy) : null,
    position: n.position,
    created_at: new Date(n.updated).toISOString(),
    updated_at: new Date(n.updated).toISOString(),
  });
  const awardJson = (a: FakeGitLabAward) => ({
    id: a.id,
    name: a.name,
    user: userJson(a.username),
    created_at: new Date(a.created).toISOString(),
    updated_at: new Date(a.created).toISOString(),
    awardable_id: a.noteId,
    awardable_type: 'Note',
  });

  router.on('GET', '/api/v4/projects/:id/merge_requests', (req) => {
    const p = project(req);
    const state = req.query.get('state') ?? 'all';
    return page(
      req,
      mergeRequests
        .filter((m) => m.projectId === p?.projectId && (state === 'all' || m.state === state))
        .map(mrJson),
    );
  });
  router.on('GET', '/api/v4/projects/:id/merge_requests/:iid', (req) => {
    const m = mr(req);
    return m ? { status: 200, body: mrJson(m) } : notFound();
  });
  router.on('GET', '/api/v4/projects/:id/merge_requests/:iid/diffs', (req) => {
    const m = mr(req);
    return m ? page(req, m.diffs) : notFound();
  });
  router.on('GET', '/api/v4/projects/:id/merge_requests/:iid/changes', (req) => {
    const m = mr(req);
    return m ? { status: 200, body: { ...mrJson(m), changes: m.diffs } } : notFound();
  });
  router.on('GET', '/api/v4/projects/:id/merge_requests/:iid/notes', (req) => {
    const m = mr(req);
    return m
      ? page(req, notes.filter((n) => n.projectId === m.projectId && n.mrIid === m.iid).map(noteJson))
      : notFound();
  });
  router.on('POST', '/api/v4/projects/:id/merge_requests/:iid/notes', (req) => {
    const m = mr(req);
    if (!m) return notFound();
    const body = String(req.body.body ?? '');
    if (!body) return { status: 400, body: { message: { note: ["can't be blank"] } } };
    const note: FakeGitLabNote = {
      id: ++nextId,
      projectId: m.projectId,
      mrIid: m.iid,
      body,
      author: 'agentflow-bot',
      system: false,
      resolved: false,
      updated: Date.now(),
    };
    notes.push(note);
    return { status: 201, body: noteJson(note) };
  });
  router.on('PUT', '/api/v4/projects/:id/merge_requests/:iid/notes/:noteId', (req) => {
    const note = notes.find((n) => n.id === Number(req.params.noteId));
    if (!note) return notFound('404 Note Not Found');
    note.body = String(req.body.body ?? note.body);
    note.updated = Date.now();
    return { status: 200, body: noteJson(note) };
  });
  router.on('GET', '/api/v4/projects/:id/merge_requests/:iid/discussions', (req) => {
    const m = mr(req);
    if (!m) return notFound();
    const list = notes.filter((n) => n.projectId === m.projectId && n.mrIid === m.iid && n.discussionId);
    return page(
      req,
      list.map((n) => ({ id: n.discussionId, individual_note: false, notes: [noteJson(n)] })),
    );
  });
  router.on('POST', '/api/v4/projects/:id/merge_requests/:iid/discussions', (req) => {
    const m = mr(req);
    if (!m) return notFound();
    const body = String(req.body.body ?? '');
    const position = req.body.position as Record<string, unknown> | undefined;
    if (position) {
      const diff = m.diffs.find((d) => d.new_path === position.new_path);
      const line = Number(position.new_line);
      if (
        position.position_type !== 'text' ||
        position.head_sha !== m.headSha ||
        position.base_sha !== m.baseSha ||
        !diff ||
        !commentableLines(diff.diff).has(line)
      ) {
        return {
          status: 400,
          body: {
            message: '400 Bad request - Note {:line_code=>["can\'t be blank", "must be a valid line code"]}',
          },
        };
      }
    }
    const discussionId = `d${(++nextId).toString(16).padStart(40, '0')}`;
    const note: FakeGitLabNote = {
      id: ++nextId,
      projectId: m.projectId,
      mrIid: m.iid,
      body,
      author: 'agentflow-bot',
      system: false,
      discussionId,
      position,
      resolved: false,
      updated: Date.now(),
    };
    notes.push(note);
    return { status: 201, body: { id: discussionId, individual_note: false, notes: [noteJson(note)] } };
  });
  router.on('PUT', '/api/v4/projects/:id/merge_requests/:iid/discussions/:discussionId', (req) => {
    const list = notes.filter((n) => n.discussionId === req.params.discussionId);
    if (list.length === 0) return notFound();
    const resolved = String(req.body.resolved ?? req.query.get('resolved')) === 'true';
    for (const n of list) Object.assign(n, { resolved, resolvedBy: resolved ? 'agentflow-bot' : undefined });
    return { status: 200, body: { id: req.params.discussionId, notes: list.map(noteJson) } };
  });
  // A person deleting a note: its award emoji go with it (later reads answer 404 Note Not Found).
  router.on('DELETE', '/api/v4/projects/:id/merge_requests/:iid/notes/:noteId', (req) => {
    const m = mr(req);
    if (!m) return notFound();
    const at = notes.findIndex(
      (n) => n.id === Number(req.params.noteId) && n.projectId === m.projectId && n.mrIid === m.iid,
    );
    if (at < 0) return notFound('404 Note Not Found');
    notes.splice(at, 1);
    return { status: 204 };
  });
  router.on('GET', '/api/v4/projects/:id/merge_requests/:iid/notes/:noteId/award_emoji', (req) => {
    const note = notes.find((n) => n.id === Number(req.params.noteId));
    return note
      ? page(req, awards.filter((a) => a.noteId === note.id).map(awardJson))
      : notFound('404 Note Not Found');
  });
  router.on('POST', '/api/v4/projects/:id/statuses/:sha', (req) => {
    const p = project(req);
    if (!p) return notFound('404 Project Not Found');
    const state = String(req.body.state ?? req.query.get('state') ?? '');
    if (!STATES.includes(state)) return { status: 400, body: { error: 'state does not have a valid value' } };
    const s: FakeGitLabStatus = {
      id: ++nextId,
      projectId: p.projectId,
      sha: req.params.sha,
      state,
      name: String(req.body.name ?? 'default'),
      description: req.body.description as string | undefined,
      target_url: req.body.target_url as string | undefined,
    };
    statuses.push(s);
    return {
      status: 201,
      body: {
        id: s.id,
        sha: s.sha,
        status: s.state,
        name: s.name,
        description: s.description ?? null,
        target_url: s.target_url ?? null,
      },
    };
  });
  router.on('GET', '/api/v4/projects/:id/repository/files/:path/raw', (req) => {
    const content = files.get(String(req.query.get('ref')))?.[req.params.path];
    return content === undefined
      ? notFound('404 File Not Found')
      : { status: 200, body: content, headers: { 'content-type': 'text/plain; charset=utf-8' } };
  });
  router.on('GET', '/api/v4/projects/:id/repository/compare', (req) => {
    const p = project(req);
    const m = mergeRequests.find(
      (x) =>
        x.projectId === p?.projectId &&
        x.headSha === req.query.get('to') &&
        x.baseSha === req.query.get('from'),
    );
    if (!m) return notFound('404 Ref Not Found');
    return {
      status: 200,
      body: {
        commit: { id: m.headSha },
        commits: [{ id: m.headSha }],
        diffs: m.diffs,
        compare_timeout: false,
        compare_same_ref: false,
      },
    };
  });
  router.on('GET', '/api/v4/projects/:id/repository/tree', (req) => {
    const map = files.get(String(req.query.get('ref'))) ?? {};
    return page(
      req,
      Object.keys(map).map((path) => ({
        id: path,
        name: path.split('/').pop(),
        type: 'blob',
        path,
        mode: '100644',
      })),
    );
  });
  router.on('GET', '/api/v4/projects/:id/members/all/:userId', (req) => {
    const p = project(req);
    const level = p ? members.get(`${p.projectId}:${req.params.userId}`) : undefined;
    return level === undefined
      ? notFound()
      : { status: 200, body: { id: Number(req.params.userId), access_level: level, state: 'active' } };
  });

  // The token's own record, as GitLab answers it (scopes say what the token may do).
  router.on('GET', '/api/v4/personal_access_tokens/self', () => ({
    status: 200,
    body: {
      id: 42,
      name: 'agentflow',
      revoked: false,
      created_at: '2026-01-05T10:00:00.000Z',
      scopes: ['api'],
      user_id: 7,
      last_used_at: null,
      active: true,
      expires_at: '2027-01-05',
    },
  }));

  const running = await serveFake(router, {
    port: options.port,
    intercept: (req) => {
      const token =
        String(req.headers['private-token'] ?? '') ||
        String(req.headers.authorization ?? '').replace(/^bearer\s+/i, '');
      if (!token || (options.token && token !== options.token))
        return { status: 401, body: { message: '401 Unauthorized' } };
      const failure = takeFailure(failures, req);
      if (!failure) return null;
      const headers: Record<string, string> = {};
      if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
      return {
        status: failure.status,
        headers,
        body: failure.body ?? {
          message: failure.status === 429 ? 'Retry later' : '500 Internal Server Error',
        },
      };
    },
    decorate: (_req, res) => {
      res.headers = {
        ...res.headers,
        'ratelimit-limit': '2000',
        'ratelimit-remaining': '1999',
        'ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60),
      };
    },
  });
  base = running.url;
  return {
    ...running,
    apiUrl: running.url,
    mergeRequests,
    notes,
    statuses,
    files,
    members,
    awards,
    award(noteId, name, username) {
      const award: FakeGitLabAward = { id: ++nextId, noteId, name, username, created: Date.now() };
      awards.push(award);
      return award;
    },
    resolveDiscussion(discussionId, username, resolved = true) {
      for (const n of notes.filter((x) => x.discussionId === discussionId))
        Object.assign(n, { resolved, resolvedBy: resolved ? username : undefined });
    },
    seedMergeRequest(m, contents) {
      const existing = mergeRequests.findIndex((x) => x.projectId === m.projectId && x.iid === m.iid);
      if (existing >= 0) mergeRequests.splice(existing, 1);
      mergeRequests.push(m);
      if (contents) files.set(m.headSha, contents);
    },
    failNext: (rule) => void failures.push({ ...rule }),
  };
}
