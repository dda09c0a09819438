/**
 * FAKE GitHub REST API (and the two GraphQL operations agentflow uses) on 127.0.0.1, for tests and
 * the demo. It answers with GitHub's wire shapes, status codes and rate-limit headers, enforces the
 * rules clients trip over (a review comment must sit on a diff line, a ref update must fast-forward),
 * and records everything in {@link FakeGitHubState}.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FakeRouter,
  serveFake,
  takeFailure,
  type FailureRule,
  type FakeRequest,
  type FakeResponse,
  type RunningFake,
} from '../http';
import { commentableLines } from './diff-lines';
import { GitHubOpenApi, type OpenApiViolation } from './openapi';
import { RateLimitQueue, type RateLimitRule } from './rate-limits';
import { compareJson, pullFilesListed } from './pr-files';
import {
  addAppRoutes,
  DEFAULT_APP_PERMISSIONS,
  type AppPermissions,
  type FakeGitHubCredentials,
} from './app-routes';
import { blobSha, commitSha, contentBytes, identityFrom, treeSha, type FileContent } from './git-objects';
import { serveGitUpload } from './smart-http';
import {
  FakeGitHubState,
  type FakeAnnotation,
  type FakeCheckRun,
  type FakeIssueComment,
  type FakePrFile,
  type FakePullRequest,
  type FakeGitCommit,
  type FakeReviewComment,
  type FakeUser,
} from './state';

export interface FakeGitHubOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** Reject calls without an `Authorization` header, as GitHub does for private repositories. @default true */
  requireAuth?: boolean;
  /** Primary rate limit per fake (x-ratelimit-limit). @default 5000 */
  rateLimit?: number;
  /**
   * Check every request against GitHub's REST description (`@octokit/openapi`) and record what it
   * does not allow in `violations` (the answer is unchanged). Costs about a second at start.
   * @default false
   */
  checkOpenApi?: boolean;
}

export interface SeedPullRequest {
  owner: string;
  repo: string;
  number: number;
  title?: string;
  author?: string;
  headSha: string;
  headRef?: string;
  baseSha: string;
  baseRef?: string;
  draft?: boolean;
  files: FakePrFile[];
  /** File contents at the head SHA (for contents and RepoReader). */
  contents?: Record<string, string>;
  /** File contents at the base SHA. */
  baseContents?: Record<string, string>;
  /** Binary files at the head SHA (images, keystores), base64: part of the commit's tree, as in git. */
  binaryContents?: Record<string, string>;
  /** Binary files at the base SHA, base64. */
  baseBinaryContents?: Record<string, string>;
  /**
   * A git repository holding `headSha` and `baseSha` (the sample's checkout). The fake then serves
   * the repository over git's smart HTTP (`<url>/<owner>/<repo>.git`, fetch only, as GitHub
   * Enterprise serves it next to `/api/v3`), and answers a seeded commit's author, committer,
   * message and parents as git has them. The REST API serves the contents: they should be the
   * commit's tree (binary files in `binaryContents`), or a commit built on them differs from git's.
   */
  gitDir?: string;
}

export interface FakeGitHub extends RunningFake {
  readonly state: FakeGitHubState;
  /** Base URL for Octokit (`baseUrl`) and for `GITHUB_API_URL`. */
  readonly apiUrl: string;
  /** Adds or replaces a pull request (and its repository) the API will serve. */
  seedPullRequest(seed: SeedPullRequest): FakePullRequest;
  /** Moves a PR's head (a push): new SHA, files and contents. */
  pushToPullRequest(
    owner: string,
    repo: string,
    number: number,
    headSha: string,
    files: FakePrFile[],
    contents?: Record<string, string>,
  ): void;
  setPermission(
    repo: string,
    login: string,
    permission: 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none',
  ): void;
  /** Adds a webhook delivery to the App's delivery log (`GET /app/hook/deliveries`). */
  addHookDelivery(delivery: {
    guid: string;
    event: string;
    action?: string;
    statusCode: number;
    installationId?: number;
    deliveredAt?: string;
  }): number;
  /** Makes the next matching calls fail, e.g. a secondary rate limit: `{ status: 403, retryAfter: 2 }`. */
  failNext(rule: FailureRule): void;
  /** Requests GitHub's REST description does not allow (only with `checkOpenApi`). */
  readonly violations: OpenApiViolation[];
  /** Answers the next matching calls with GitHub's rate-limit response (secondary by default). */
  rateLimitNext(rule: RateLimitRule): void;
  /**
   * GitHub answering slowly: every write (POST, PATCH, PUT, DELETE) waits `ms` before it is
   * handled, as GitHub's content-creating calls can take seconds under load. 0 turns it off.
   */
  setWriteLatency(ms: number): void;
  /** Adds a reaction as a user (a thumbs-down on a review comment dismisses a finding). */
  react(
    subject: `issue_comment:${number}` | `review_comment:${number}`,
    content: string,
    login: string,
  ): void;
  /** The permissions `GET /app` and `GET /app/installations` report (replacing the default grant). */
  setAppPermissions(permissions: AppPermissions): void;
  /** The `x-oauth-scopes` of `GET /user` for a token; `null` for a fine-grained token (no header). */
  setTokenScopes(scopes: string[] | null): void;
}

const DOCS = 'https://docs.github.com/rest';

function iso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function nodeId(kind: string, id: number): string {
  return Buffer.from(`${kind}:${id}`).toString('base64').replace(/=+$/, '');
}

function userJson(u: FakeUser) {
  return { login: u.login, id: u.id, node_id: nodeId('User', u.id), type: u.type, site_admin: false };
}

function notFound(): FakeResponse {
  return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
}

function unprocessable(errors: unknown[], message = 'Unprocessable Entity'): FakeResponse {
  return { status: 422, body: { message, errors, documentation_url: DOCS, status: '422' } };
}

function paginate<T>(req: FakeRequest, apiUrl: string, items: T[]): FakeResponse {
  const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 30)));
  const page = Math.max(1, Number(req.query.get('page') ?? 1));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const headers: Record<string, string> = {};
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number) => {
    const q = new URLSearchParams(req.query);
    q.set('page', String(p));
    q.set('per_page', String(perPage));
    return `<${apiUrl}${req.path}?${q.toString()}>`;
  };
  // As GitHub writes it: prev, next, last, first, each only where that page exists apart from this one.
  const rels: string[] = [];
  if (page > 1) rels.push(`${link(Math.min(page - 1, last))}; rel="prev"`);
  if (page < last) rels.push(`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`);
  if (page > 1) rels.push(`${link(1)}; rel="first"`);
  if (rels.length) headers.link = rels.join(', ');
  return { status: 200, body: slice, headers };
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const state = new FakeGitHubState();
  const failures: FailureRule[] = [];
  const router = new FakeRouter();
  const requireAuth = options.requireAuth ?? true;
  const limit = options.rateLimit ?? 5000;
  let used = 0;
  let apiUrl = '';
  const openApi = options.checkOpenApi ? GitHubOpenApi.shared() : undefined;
  const violations: OpenApiViolation[] = [];
  const rateLimits = new RateLimitQueue();
  const credentials: FakeGitHubCredentials = {
    appPermissions: { ...DEFAULT_APP_PERMISSIONS },
    tokenScopes: ['repo', 'read:org'],
  };

  const actor = (req: FakeRequest): FakeUser => {
    const auth = String(req.headers.authorization ?? '');
    const token = auth.replace(/^(token|bearer)\s+/i, '');
    const login = /^user:([\w-]+)$/.exec(token)?.[1];
    return login ? { login, id: 5000 + login.length, type: 'User' } : state.bot;
  };

  const ensureRepo = (owner: string, name: string) => {
    const key = `${owner}/${name}`.toLowerCase();
    let repo = state.repos.get(key);
    if (!repo) {
      repo = { owner, name, id: state.id(), defaultBranch: 'main', private: true, files: {}, refs: {} };
      state.repos.set(key, repo);
    }
    return repo;
  };

  const repoJson = (owner: string, name: string) => {
    const repo = ensureRepo(owner, name);
    return {
      id: repo.id,
      node_id: nodeId('Repository', repo.id),
      name,
      full_name: `${owner}/${name}`,
      private: repo.private,
      owner: { login: owner, id: repo.id + 1, type: 'Organization' },
      default_branch: repo.defaultBranch,
      html_url: `https://github.com/${owner}/${name}`,
    };
  };

  const pullJson = (p: FakePullRequest) => ({
    url: `${apiUrl}/repos/${p.owner}/${p.repo}/pulls/${p.number}`,
    id: p.id,
    node_id: nodeId('PullRequest', p.id),
    html_url: `https://github.com/${p.owner}/${p.repo}/pull/${p.number}`,
    number: p.number,
    state: p.state,
    title: p.title,
    body: p.body,
    draft: p.draft,
    user: userJson(p.user),
    labels: p.labels.map((name, i) => ({ id: i + 1, name })),
    created_at: p.created_at,
    updated_at: p.updated_at,
    head: {
      label: `${p.owner}:${p.head.ref}`,
      ref: p.head.ref,
      sha: p.head.sha,
      repo: repoJson(p.owner, p.repo),
    },
    base: {
      label: `${p.owner}:${p.base.ref}`,
      ref: p.base.ref,
      sha: p.base.sha,
      repo: repoJson(p.owner, p.repo),
    },
    additions: p.files.reduce((n, f) => n + f.additions, 0),
    deletions: p.files.reduce((n, f) => n + f.deletions, 0),
    changed_files: p.files.length,
  });

  const commentJson = (c: FakeIssueComment) => ({
    id: c.id,
    node_id: c.node_id,
    url: `${apiUrl}/repos/${c.repo}/issues/comments/${c.id}`,
    html_url: `https://github.com/${c.repo}/pull/${c.issue_number}#issuecomment-${c.id}`,
    issue_url: `${apiUrl}/repos/${c.repo}/issues/${c.issue_number}`,
    body: c.body,
    user: userJson(c.user),
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER',
  });

  const reviewCommentJson = (c: FakeReviewComment) => ({
    id: c.id,
    node_id: c.node_id,
    pull_request_review_id: c.review_id,
    path: c.path,
    line: c.line,
    original_line: c.line,
    start_line: c.start_line,
    side: c.side,
    body: c.body,
    commit_id: c.commit_id,
    original_commit_id: c.commit_id,
    user: userJson(c.user),
    html_url: `https://github.com/${c.repo}/pull/${c.pull_number}#discussion_r${c.id}`,
  });

  const checkRunJson = (r: FakeCheckRun) => ({
    id: r.id,
    node_id: nodeId('CheckRun', r.id),
    head_sha: r.head_sha,
    external_id: r.external_id ?? '',
    url: `${apiUrl}/repos/${r.repo}/check-runs/${r.id}`,
    html_url: `https://github.com/${r.repo}/runs/${r.id}`,
    details_url: r.details_url ?? null,
    status: r.status,
    conclusion: r.conclusion,
    started_at: r.started_at,
    completed_at: r.completed_at,
    name: r.name,
    output: {
      title: r.output.title,
      summary: r.output.summary,
      text: r.output.text,
      annotations_count: r.output.annotations.length,
    },
    app: { id: 1, slug: 'agentflow', name: 'agentflow' },
  });

  const repoPath = (req: FakeRequest) => `${req.params.owner}/${req.params.repo}`;

  // --- pull requests ---------------------------------------------------------------------------
  router.on('GET', '/repos/:owner/:repo/pulls', (req) => {
    const state_ = req.query.get('state') ?? 'open';
    const head = req.query.get('head');
    const base = req.query.get('base');
    const list = state.pulls.filter(
      (p) =>
        `${p.owner}/${p.repo}`.toLowerCase() === repoPath(req).toLowerCase() &&
        (state_ === 'all' || p.state === state_) &&
        (!head || `${p.owner}:${p.head.ref}` === head) &&
        (!base || p.base.ref === base),
    );
    return paginate(req, apiUrl, list.map(pullJson));
  });
  router.on('GET', '/repos/:owner/:repo/pulls/:number', (req) => {
    const p = state.pull(req.params.owner, req.params.repo, Number(req.params.number));
    return p ? { status: 200, body: pullJson(p) } : notFound();
  });
  router.on('GET', '/repos/:owner/:repo/pulls/:number/files', (req) => {
    const p = state.pull(req.params.owner, req.params.repo, Number(req.params.number));
    if (!p) return notFound();
    return paginate(req, apiUrl, pullFilesListed(state, apiUrl, p));
  });
  router.on('POST', '/repos/:owner/:repo/pulls', (req) => {
    const { title, head, base, body } = req.body as {
      title?: string;
      head?: string;
      base?: string;
      body?: string;
    };
    if (!title || !head || !base)
      return unprocessable(
        [
          {
            resource: 'PullRequest',
            code: 'missing_field',
            field: !title ? 'title' : !head ? 'head' : 'base',
          },
        ],
        'Validation Failed',
      );
    const repo = ensureRepo(req.params.owner, req.params.repo);
    const headSha = repo.refs[`refs/heads/${head}`];
    if (!headSha)
      return unprocessable(
        [{ resource: 'PullRequest', code: 'invalid', field: 'head' }],
        'Validation Failed',
      );
    if (
      state.pulls.some(
        (p) =>
          p.owner === req.params.owner &&
          p.repo === req.params.repo &&
          p.head.ref === head &&
          p.state === 'open',
      )
    ) {
      return unprocessable(
        [
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `A pull request already exists for ${req.params.owner}:${head}.`,
          },
        ],
        'Validation Failed',
      );
    }
    const number =
      Math.max(0, ...state.pulls.filter((p) => p.repo === req.params.repo).map((p) => p.number)) + 1;
    const pull: FakePullRequest = {
      owner: req.params.owner,
      repo: req.params.repo,
      number,
      id: state.id(),
      title,
      body: body ?? '',
      state: 'open',
      draft: false,
      user: actor(req),
      head: { sha: headSha, ref: head },
      base: { sha: repo.refs[`refs/heads/${base}`] ?? '', ref: base },
      files: [],
      labels: [],
      created_at: iso(),
      updated_at: iso(),
    };
    state.pulls.push(pull);
    return { status: 201, body: pullJson(pull) };
  });

  // --- issue comments ----------------------------------------------------------------------------
  router.on('GET', '/repos/:owner/:repo/issues/:number/comments', (req) =>
    paginate(req, apiUrl, state.commentsOn(repoPath(req), Number(req.params.number)).map(commentJson)),
  );
  router.on('POST', '/repos/:owner/:repo/issues/:number/comments', (req) => {
    const body = req.body.body;
    if (typeof body !== 'string' || body.length === 0)
      return unprocessable(
        [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }],
        'Validation Failed',
      );
    if (body.length > 65536)
      return unprocessable(
        [
          {
            resource: 'IssueComment',
            code: 'custom',
            field: 'body',
            message: 'body is too long (maximum is 65536 characters)',
          },
        ],
        'Validation Failed',
      );
    const id = state.id();
    const comment: FakeIssueComment = {
      id,
      node_id: nodeId('IssueComment', id),
      repo: repoPath(req),
      issue_number: Number(req.params.number),
      body,
      user: actor(req),
      created_at: iso(),
      updated_at: iso(),
    };
    state.issueComments.push(comment);
    return { status: 201, body: commentJson(comment) };
  });
  router.on('GET', '/repos/:owner/:repo/issues/comments/:id', (req) => {
    const c = state.issueComments.find((x) => x.id === Number(req.params.id));
    return c ? { status: 200, body: commentJson(c) } : notFound();
  });
  router.on('PATCH', '/repos/:owner/:repo/issues/comments/:id', (req) => {
    const c = state.issueComments.find((x) => x.id === Number(req.params.id));
    if (!c) return notFound();
    if (typeof req.body.body !== 'string')
      return unprocessable(
        [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }],
        'Validation Failed',
      );
    c.body = req.body.body;
    c.updated_at = iso();
    return { status: 200, body: commentJson(c) };
  });
  // A person deleting a comment: its reactions go with it (later reads of them answer 404).
  router.on('DELETE', '/repos/:owner/:repo/issues/comments/:id', (req) => {
    const at = state.issueComments.findIndex(
      (x) => x.repo === repoPath(req) && x.id === Number(req.params.id),
    );
    if (at < 0) return notFound();
    state.issueComments.splice(at, 1);
    return { status: 204 };
  });

  // --- reviews -------------------------------------------------------------------------------------
  router.on('POST', '/repos/:owner/:repo/pulls/:number/reviews', (req) => {
    const p = state.pull(req.params.owner, req.params.repo, Number(req.params.number));
    if (!p) return notFound();
    const body = req.body as {
      commit_id?: string;
      body?: string;
      event?: string;
      comments?: Array<Record<string, unknown>>;
    };
    const event = body.event ?? 'PENDING';
    if (!['COMMENT', 'APPROVE', 'REQUEST_CHANGES', 'PENDING'].includes(event))
      return unprocessable([`event ${event} is not valid`]);
    const commitId = body.commit_id ?? p.head.sha;
    const problems: string[] = [];
    for (const c of body.comments ?? []) {
      const file = p.files.find((f) => f.filename === c.path);
      const lines = commentableLines(file?.patch);
      const line = Number(c.line);
      const start = c.start_line === undefined ? line : Number(c.start_line);
      if (!file) problems.push('Path could not be resolved');
      else if (!lines.has(line) || !lines.has(start))
        problems.push('Pull request review thread line must be part of the diff');
      else if (start > line) problems.push('Pull request review thread start line must precede the end line');
    }
    if (problems.length) return unprocessable(problems);
    const id = state.id();
    const user = actor(req);
    const comments = (body.comments ?? []).map((c) => {
      const cid = state.id();
      const comment: FakeReviewComment = {
        id: cid,
        node_id: nodeId('PullRequestReviewComment', cid),
        repo: repoPath(req),
        pull_number: p.number,
        review_id: id,
        path: String(c.path),
        line: Number(c.line),
        start_line: c.start_line === undefined ? null : Number(c.start_line),
        side: (c.side as 'RIGHT') ?? 'RIGHT',
        body: String(c.body),
        commit_id: commitId,
        user,
        thread_id: nodeId('PullRequestReviewThread', cid),
        resolved: false,
      };
      state.reviewComments.push(comment);
      return comment;
    });
    state.reviews.push({
      id,
      node_id: nodeId('PullRequestReview', id),
      repo: repoPath(req),
      pull_number: p.number,
      commit_id: commitId,
      state:
        event === 'APPROVE' ? 'APPROVED' : event === 'REQUEST_CHANGES' ? 'CHANGES_REQUESTED' : 'COMMENTED',
      event,
      body: body.body ?? '',
      user,
      comment_ids: comments.map((c) => c.id),
      submitted_at: iso(),
    });
    const review = state.reviews[state.reviews.length - 1];
    return {
      status: 200,
      body: {
        id,
        node_id: review.node_id,
        user: userJson(user),
        body: review.body,
        state: review.state,
        commit_id: commitId,
        submitted_at: review.submitted_at,
        html_url: `https://github.com/${review.repo}/pull/${p.number}#pullrequestreview-${id}`,
      },
    };
  });
  router.on('GET', '/repos/:owner/:repo/pulls/:number/reviews', (req) =>
    paginate(
      req,
      apiUrl,
      state.reviews
        .filter((r) => r.repo === repoPath(req) && r.pull_number === Number(req.params.number))
        .map((r) => ({
          id: r.id,
          node_id: r.node_id,
          user: userJson(r.user),
          body: r.body,
          state: r.state,
          commit_id: r.commit_id,
          submitted_at: r.submitted_at,
        })),
    ),
  );
  router.on('GET', '/repos/:owner/:repo/pulls/:number/comments', (req) =>
    paginate(
      req,
      apiUrl,
      state.reviewComments
        .filter((c) => c.repo === repoPath(req) && c.pull_number === Number(req.params.number))
        .map(reviewCommentJson),
    ),
  );
  router.on('DELETE', '/repos/:owner/:repo/pulls/comments/:id', (req) => {
    const at = state.reviewComments.findIndex(
      (x) => x.repo === repoPath(req) && x.id === Number(req.params.id),
    );
    if (at < 0) return notFound();
    state.reviewComments.splice(at, 1);
    return { status: 204 };
  });

  // --- reactions -------------------------------------------------------------------------------------
  const reactionRoutes: Array<[string, 'issue_comment' | 'review_comment']> = [
    ['issues/comments', 'issue_comment'],
    ['pulls/comments', 'review_comment'],
  ];
  for (const [segment, kind] of reactionRoutes) {
    // GitHub answers 404 for a comment that is not in that repository, for reads and writes alike.
    const commentExists = (req: FakeRequest) =>
      (kind === 'issue_comment' ? state.issueComments : state.reviewComments).some(
        (c) => c.repo === repoPath(req) && c.id === Number(req.params.id),
      );
    router.on('GET', `/repos/:owner/:repo/${segment}/:id/reactions`, (req) =>
      !commentExists(req)
        ? notFound()
        : // `?content=-1` lists only that reaction, as GitHub does.
          paginate(
            req,
            apiUrl,
            state.reactions
              .filter(
                (r) =>
                  r.subject === `${kind}:${req.params.id}` &&
                  (!req.query.get('content') || r.content === req.query.get('content')),
              )
              .map((r) => ({
                id: r.id,
                node_id: nodeId('Reaction', r.id),
                content: r.content,
                user: userJson(r.user),
                created_at: iso(),
              })),
          ),
    );
    router.on('POST', `/repos/:owner/:repo/${segment}/:id/reactions`, (req) => {
      if (!commentExists(req)) return notFound();
      const content = String(req.body.content ?? '');
      if (!['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'].includes(content))
        return unprocessable(
          [{ resource: 'Reaction', code: 'invalid', field: 'content' }],
          'Validation Failed',
        );
      const user = actor(req);
      const subject = `${kind}:${req.params.id}`;
      const existing = state.reactions.find(
        (r) => r.subject === subject && r.content === content && r.user.login === user.login,
      );
      if (existing) return { status: 200, body: { id: existing.id, content, user: userJson(user) } };
      const reaction = { id: state.id(), content, user, subject };
      state.reactions.push(reaction);
      return {
        status: 201,
        body: { id: reaction.id, node_id: nodeId('Reaction', reaction.id), content, user: userJson(user) },
      };
    });
  }

  // --- checks and statuses ---------------------------------------------------------------------------
  const applyCheckBody = (run: FakeCheckRun, body: Record<string, unknown>) => {
    run.history.push(body);
    if (typeof body.name === 'string') run.name = body.name;
    if (typeof body.details_url === 'string') run.details_url = body.details_url;
    if (typeof body.external_id === 'string') run.external_id = body.external_id;
    if (typeof body.status === 'string') run.status = body.status as FakeCheckRun['status'];
    if (typeof body.started_at === 'string') run.started_at = body.started_at;
    if (typeof body.conclusion === 'string') {
      run.conclusion = body.conclusion;
      run.status = 'completed';
      run.completed_at = typeof body.completed_at === 'string' ? body.completed_at : iso();
    }
    const output = body.output as
      { title?: string; summary?: string; text?: string; annotations?: FakeAnnotation[] } | undefined;
    if (output) {
      run.output.title = output.title ?? run.output.title;
      run.output.summary = output.summary ?? run.output.summary;
      run.output.text = output.text ?? run.output.text;
      // GitHub appends annotations across updates of the same check run.
      run.output.annotations.push(...(output.annotations ?? []));
    }
  };
  const validateCheck = (body: Record<string, unknown>): FakeResponse | null => {
    const output = body.output as { summary?: string; annotations?: unknown[] } | undefined;
    if (output && (output.annotations?.length ?? 0) > 50)
      return unprocessable(['Only 50 annotations are allowed per request'], 'Invalid request.');
    if (output && (output.summary?.length ?? 0) > 65535)
      return unprocessable(['output.summary is too long (maximum is 65535 characters)'], 'Invalid request.');
    if (
      body.conclusion !== undefined &&
      ![
        'action_required',
        'cancelled',
        'failure',
        'neutral',
        'success',
        'skipped',
        'stale',
        'timed_out',
      ].includes(String(body.conclusion))
    ) {
      return unprocessable(
        [`conclusion ${String(body.conclusion)} is not a member of the enum`],
        'Invalid request.',
      );
    }
    return null;
  };
  router.on('POST', '/repos/:owner/:repo/check-runs', (req) => {
    const body = req.body;
    if (typeof body.name !== 'string' || typeof body.head_sha !== 'string')
      return unprocessable(['name and head_sha are required'], 'Invalid request.');
    const invalid = validateCheck(body);
    if (invalid) return invalid;
    const run: FakeCheckRun = {
      id: state.id(),
      repo: repoPath(req),
      name: body.name,
      head_sha: body.head_sha,
      status: 'queued',
      conclusion: null,
      started_at: iso(),
      completed_at: null,
      output: { title: null, summary: null, text: null, annotations: [] },
      history: [],
    };
    applyCheckBody(run, body);
    state.checkRuns.push(run);
    return { status: 201, body: checkRunJson(run) };
  });
  router.on('PATCH', '/repos/:owner/:repo/check-runs/:id', (req) => {
    const run = state.checkRuns.find((r) => r.id === Number(req.params.id));
    if (!run) return notFound();
    const invalid = validateCheck(req.body);
    if (invalid) return invalid;
    applyCheckBody(run, req.body);
    return { status: 200, body: checkRunJson(run) };
  });
  router.on('GET', '/repos/:owner/:repo/check-runs/:id/annotations', (req) => {
    const run = state.checkRuns.find((r) => r.id === Number(req.params.id));
    return run ? paginate(req, apiUrl, run.output.annotations) : notFound();
  });
  // "List check runs for a Git reference": check_name, status, filter (latest: the most recent run
  // of each name; all), app_id, per_page (max 100) and page, with a Link header like GitHub's.
  router.on('GET', '/repos/:owner/:repo/commits/:ref/check-runs', (req) => {
    const q = req.query;
    const status = q.get('status');
    const filter = q.get('filter') ?? 'latest';
    if (status !== null && !['queued', 'in_progress', 'completed'].includes(status))
      return unprocessable([`status ${status} is not a member of the enum`], 'Invalid request.');
    if (!['latest', 'all'].includes(filter))
      return unprocessable([`filter ${filter} is not a member of the enum`], 'Invalid request.');
    let runs = state.checkRuns.filter(
      (r) =>
        r.repo === repoPath(req) &&
        r.head_sha === req.params.ref &&
        (q.get('check_name') === null || r.name === q.get('check_name')) &&
        (status === null || r.status === status),
    );
    if (q.get('app_id') !== null && q.get('app_id') !== '1') runs = [];
    if (filter === 'latest')
      runs = runs.filter((r) => !runs.some((other) => other.name === r.name && other.id > r.id));
    runs = [...runs].sort((a, b) => b.id - a.id);
    const page = paginate(req, apiUrl, runs.map(checkRunJson));
    return { ...page, body: { total_count: runs.length, check_runs: page.body } };
  });
  router.on('POST', '/repos/:owner/:repo/statuses/:sha', (req) => {
    const s = {
      id: state.id(),
      repo: repoPath(req),
      sha: req.params.sha,
      state: String(req.body.state),
      context: String(req.body.context ?? 'default'),
      description: req.body.description as string | undefined,
      target_url: req.body.target_url as string | undefined,
    };
    if (!['error', 'failure', 'pending', 'success'].includes(s.state))
      return unprocessable([{ resource: 'Status', code: 'custom', field: 'state' }], 'Validation Failed');
    state.statuses.push(s);
    return {
      status: 201,
      body: { ...s, url: `${apiUrl}/repos/${s.repo}/statuses/${s.sha}`, creator: userJson(actor(req)) },
    };
  });

  // --- permissions -----------------------------------------------------------------------------------
  router.on('GET', '/repos/:owner/:repo/collaborators/:login/permission', (req) => {
    const permission = state.permissions.get(`${repoPath(req)}:${req.params.login}`.toLowerCase()) ?? 'none';
    if (permission === 'none')
      return {
        status: 404,
        body: { message: `${req.params.login} is not a user`, documentation_url: DOCS, status: '404' },
      };
    const roleName = permission;
    return {
      status: 200,
      body: {
        permission: ['maintain'].includes(permission)
          ? 'write'
          : permission === 'triage'
            ? 'read'
            : permission,
        role_name: roleName,
        user: {
          login: req.params.login,
          permissions: {
            admin: permission === 'admin',
            maintain: ['admin', 'maintain'].includes(permission),
            push: ['admin', 'maintain', 'write'].includes(permission),
            triage: permission !== 'read',
            pull: true,
          },
        },
      },
    };
  });

  // --- contents and git data ---------------------------------------------------------------------------
  const filesAt = (
    owner: string,
    name: string,
    ref: string | null,
  ): Record<string, FileContent> | undefined => {
    const repo = ensureRepo(owner, name);
    const sha = ref ? (repo.refs[`refs/heads/${ref}`] ?? ref) : repo.refs[`refs/heads/${repo.defaultBranch}`];
    if (!sha) return undefined;
    return (
      repo.files[sha] ??
      (state.commits.get(sha) ? state.trees.get(state.commits.get(sha)!.tree)?.files : undefined)
    );
  };
  router.on('GET', '/repos/:owner/:repo/contents/*path', (req) => {
    const files = filesAt(req.params.owner, req.params.repo, req.query.get('ref'));
    const path = req.params.path;
    const content = files?.[path];
    if (content === undefined) {
      const children = Object.keys(files ?? {}).filter((f) => f.startsWith(path.replace(/\/$/, '') + '/'));
      if (children.length === 0) return notFound();
      const names = [...new Set(children.map((f) => f.slice(path.length + 1).split('/')[0]))];
      return {
        status: 200,
        body: names.map((n) => ({
          name: n,
          path: `${path}/${n}`,
          type: files![`${path}/${n}`] !== undefined ? 'file' : 'dir',
          sha: state.sha(n),
        })),
      };
    }
    const bytes = contentBytes(content);
    return {
      status: 200,
      body: {
        type: 'file',
        encoding: 'base64',
        size: bytes.length,
        name: path.split('/').pop(),
        path,
        content: bytes.toString('base64').replace(/(.{60})/g, '$1\n'),
        sha: state.sha(path),
      },
    };
  });
  router.on('GET', '/repos/:owner/:repo/git/trees/:sha', (req) => {
    const files =
      state.trees.get(req.params.sha)?.files ?? filesAt(req.params.owner, req.params.repo, req.params.sha);
    if (!files) return notFound();
    return {
      status: 200,
      body: {
        sha: treeSha(files),
        truncated: false,
        tree: Object.entries(files).map(([path, content]) => ({
          path,
          mode: '100644',
          type: 'blob',
          size: Buffer.byteLength(content),
          sha: blobSha(content),
        })),
      },
    };
  });
  router.on('GET', '/repos/:owner/:repo/compare/*basehead', (req) => {
    const [base, head] = req.params.basehead.split('...');
    const p =
      state.pulls.find((x) => x.repo === req.params.repo && x.base.sha === base && x.head.sha === head) ??
      state.pulls.find((x) => x.repo === req.params.repo && x.head.sha === head);
    if (!p || !base || !head) return notFound();
    return { status: 200, body: compareJson(state, apiUrl, p, base, head) };
  });
  router.on('GET', '/repos/:owner/:repo/git/ref/*ref', (req) => {
    const repo = ensureRepo(req.params.owner, req.params.repo);
    const sha = repo.refs[`refs/${req.params.ref}`];
    return sha
      ? {
          status: 200,
          body: {
            ref: `refs/${req.params.ref}`,
            node_id: nodeId('Ref', sha.length),
            object: { sha, type: 'commit', url: `${apiUrl}/repos/${repoPath(req)}/git/commits/${sha}` },
          },
        }
      : notFound();
  });
  router.on('POST', '/repos/:owner/:repo/git/refs', (req) => {
    const repo = ensureRepo(req.params.owner, req.params.repo);
    const ref = String(req.body.ref ?? '');
    const sha = String(req.body.sha ?? '');
    if (!ref.startsWith('refs/') || ref.split('/').length < 3)
      return unprocessable([], 'Reference name must start with refs/ and have at least two slashes.');
    if (repo.refs[ref]) return unprocessable([], 'Reference already exists');
    if (!state.commits.has(sha) && !repo.files[sha]) return unprocessable([], 'Object does not exist');
    repo.refs[ref] = sha;
    return { status: 201, body: { ref, object: { sha, type: 'commit' } } };
  });
  router.on('PATCH', '/repos/:owner/:repo/git/refs/*ref', (req) => {
    const repo = ensureRepo(req.params.owner, req.params.repo);
    const ref = `refs/${req.params.ref}`;
    const current = repo.refs[ref];
    const sha = String(req.body.sha ?? '');
    if (!current) return unprocessable([], 'Reference does not exist');
    const commit = state.commits.get(sha);
    if (!commit && !repo.files[sha]) return unprocessable([], 'Object does not exist');
    if (!req.body.force && commit && !commit.parents.includes(current) && current !== sha)
      return unprocessable([], 'Update is not a fast forward');
    repo.refs[ref] = sha;
    return { status: 200, body: { ref, object: { sha, type: 'commit' } } };
  });
  router.on('POST', '/repos/:owner/:repo/git/trees', (req) => {
    const base = req.body.base_tree as string | undefined;
    const baseFiles = base
      ? (state.trees.get(base)?.files ??
        ensureRepo(req.params.owner, req.params.repo).files[base] ??
        filesAt(req.params.owner, req.params.repo, base))
      : {};
    if (base && !baseFiles) return unprocessable([], 'base_tree is not a valid tree oid');
    const files: Record<string, FileContent> = { ...(baseFiles ?? {}) };
    for (const entry of (req.body.tree as Array<{ path: string; content?: string; sha?: string | null }>) ??
      []) {
      if (entry.sha === null) delete files[entry.path];
      else files[entry.path] = entry.content ?? '';
    }
    const sha = treeSha(files);
    state.trees.set(sha, { sha, files });
    return {
      status: 201,
      body: {
        sha,
        truncated: false,
        tree: Object.entries(files).map(([path, content]) => ({
          path,
          mode: '100644',
          type: 'blob',
          sha: blobSha(content),
        })),
      },
    };
  });
  router.on('POST', '/repos/:owner/:repo/git/commits', (req) => {
    const tree = String(req.body.tree ?? '');
    if (!state.trees.has(tree)) return unprocessable([], 'Tree SHA does not exist');
    const parents = (req.body.parents as string[]) ?? [];
    const message = String(req.body.message ?? '');
    // As GitHub does: the author defaults to the authenticated user, the committer to the author.
    const author = identityFrom(req.body.author, {
      name: state.bot.login,
      email: `${state.bot.id}+${state.bot.login}@users.noreply.github.com`,
    });
    const committer = identityFrom(req.body.committer ?? req.body.author, author);
    const sha = commitSha(tree, parents, author, committer, message);
    const person = (w: typeof author) => ({
      name: w.name,
      email: w.email,
      date: new Date(w.time * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    state.commits.set(sha, {
      sha,
      tree,
      parents,
      message,
      author: person(author),
      committer: person(committer),
    });
    return {
      status: 201,
      body: {
        sha,
        node_id: nodeId('Commit', sha.length),
        message,
        tree: { sha: tree },
        parents: parents.map((p) => ({ sha: p })),
        author: person(author),
        committer: person(committer),
      },
    };
  });
  // "Get a commit object" (git-commit): the commit's own tree and parents, seeded or created.
  router.on('GET', '/repos/:owner/:repo/git/commits/:sha', (req) => {
    const commit = state.commits.get(req.params.sha);
    if (!commit) return notFound();
    const repo = repoPath(req);
    const bot = {
      name: state.bot.login,
      email: `${state.bot.id}+${state.bot.login}@users.noreply.github.com`,
      date: iso(),
    };
    return {
      status: 200,
      body: {
        sha: commit.sha,
        node_id: nodeId('Commit', commit.sha.length),
        url: `${apiUrl}/repos/${repo}/git/commits/${commit.sha}`,
        html_url: `https://github.com/${repo}/commit/${commit.sha}`,
        author: commit.author ?? bot,
        committer: commit.committer ?? commit.author ?? bot,
        message: commit.message,
        tree: { sha: commit.tree, url: `${apiUrl}/repos/${repo}/git/trees/${commit.tree}` },
        parents: commit.parents.map((sha) => ({
          sha,
          url: `${apiUrl}/repos/${repo}/git/commits/${sha}`,
          html_url: `https://github.com/${repo}/commit/${sha}`,
        })),
        verification: {
          verified: false,
          reason: 'unsigned',
          signature: null,
          payload: null,
          verified_at: null,
        },
      },
    };
  });
  router.on('GET', '/repos/:owner/:repo', (req) => ({
    status: 200,
    body: repoJson(req.params.owner, req.params.repo),
  }));
  router.on('GET', '/repos/:owner/:repo/installation', (req) => ({
    status: 200,
    body: { id: 1, account: { login: req.params.owner }, app_id: 1 },
  }));

  // --- GitHub App --------------------------------------------------------------------------------------
  addAppRoutes(router, () => apiUrl, credentials);
  router.on('POST', '/app/installations/:id/access_tokens', (req) => {
    const jwt = String(req.headers.authorization ?? '').replace(/^bearer\s+/i, '');
    if (jwt.split('.').length !== 3)
      return {
        status: 401,
        body: { message: 'A JSON web token could not be decoded', documentation_url: DOCS },
      };
    const token = `ghs_fake${state.id()}`;
    state.installationTokens.push({ installationId: Number(req.params.id), token });
    return {
      status: 201,
      body: {
        token,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: { pull_requests: 'write', checks: 'write', contents: 'write', issues: 'write' },
        repository_selection: 'all',
      },
    };
  });
  router.on('GET', '/installation/repositories', (req) => {
    const repos = [...state.repos.values()].map((r) => repoJson(r.owner, r.name));
    const page = paginate(req, apiUrl, repos);
    return { ...page, body: { total_count: repos.length, repositories: page.body } };
  });
  router.on('GET', '/app/hook/deliveries', (req) => {
    const list = [...state.hookDeliveries].reverse();
    const perPage = Math.min(100, Number(req.query.get('per_page') ?? 30));
    const cursor = Number(req.query.get('cursor') ?? 0);
    const slice = list.slice(cursor, cursor + perPage);
    const headers: Record<string, string> = {};
    if (cursor + perPage < list.length)
      headers.link = `<${apiUrl}/app/hook/deliveries?per_page=${perPage}&cursor=${cursor + perPage}>; rel="next"`;
    return { status: 200, body: slice, headers };
  });
  router.on('POST', '/app/hook/deliveries/:id/attempts', (req) => {
    const d = state.hookDeliveries.find((x) => x.id === Number(req.params.id));
    if (!d) return notFound();
    state.redeliveryRequests.push(d.id);
    state.hookDeliveries.push({
      ...d,
      id: state.id(),
      redelivery: true,
      delivered_at: iso(),
      status: 'OK',
      status_code: 202,
    });
    return { status: 202, body: {} };
  });

  // --- GraphQL: review threads ---------------------------------------------------------------------------
  router.on('POST', '/graphql', (req) => {
    const query = String(req.body.query ?? '');
    const variables = (req.body.variables ?? {}) as Record<string, unknown>;
    if (/resolveReviewThread/.test(query)) {
      const threadId = String(variables.threadId ?? /threadId:\s*"([^"]+)"/.exec(query)?.[1] ?? '');
      const comment = state.reviewComments.find((c) => c.thread_id === threadId);
      if (!comment)
        return {
          status: 200,
          body: {
            data: null,
            errors: [
              {
                type: 'NOT_FOUND',
                path: ['resolveReviewThread'],
                message: `Could not resolve to a node with the global id of '${threadId}'`,
              },
            ],
          },
        };
      for (const c of state.reviewComments) if (c.thread_id === threadId) c.resolved = true;
      return {
        status: 200,
        body: { data: { resolveReviewThread: { thread: { id: threadId, isResolved: true } } } },
      };
    }
    if (/reviewThreads/.test(query)) {
      const owner = String(variables.owner ?? '');
      const name = String(variables.name ?? variables.repo ?? '');
      const number = Number(variables.number ?? variables.pr ?? 0);
      const threads = state.reviewComments
        .filter((c) => c.repo.toLowerCase() === `${owner}/${name}`.toLowerCase() && c.pull_number === number)
        .map((c) => ({
          id: c.thread_id,
          isResolved: c.resolved,
          path: c.path,
          line: c.line,
          comments: { nodes: [{ databaseId: c.id, body: c.body }] },
        }));
      return {
        status: 200,
        body: {
          data: {
            repository: {
              pullRequest: {
                reviewThreads: { nodes: threads, pageInfo: { hasNextPage: false, endCursor: null } },
              },
            },
          },
        },
      };
    }
    return {
      status: 200,
      body: {
        errors: [{ message: 'This fake GraphQL endpoint serves only reviewThreads and resolveReviewThread' }],
      },
    };
  });

  const gitRepos = new GitRepositories();
  let writeLatencyMs = 0;
  const running = await serveFake(router, {
    // git's smart HTTP at `/<owner>/<repo>.git/…`, for the seeded repositories that have one.
    raw: (req, res) =>
      serveGitUpload(req, res, {
        root: gitRepos.root,
        has: (owner, name) => gitRepos.has(owner, name),
        requireAuth,
      }),
    port: options.port,
    prefixes: ['/api/v3'],
    delayMs: (req) => (req.method === 'GET' || req.method === 'HEAD' ? 0 : writeLatencyMs),
    intercept: (req) => {
      const violation = openApi?.check(req);
      if (violation) violations.push(violation);
      const limited = rateLimits.take(req);
      if (limited) return limited;
      if (requireAuth && !req.headers.authorization && req.path !== '/') {
        return {
          status: 401,
          body: { message: 'Requires authentication', documentation_url: DOCS, status: '401' },
        };
      }
      const failure = takeFailure(failures, req);
      if (!failure) return null;
      const headers: Record<string, string> = {};
      if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
      const secondary = failure.status === 403 || failure.status === 429;
      return {
        status: failure.status,
        headers,
        body:
          failure.body ??
          (secondary
            ? {
                message:
                  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
                documentation_url:
                  'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
                status: String(failure.status),
              }
            : { message: 'Server Error', status: String(failure.status) }),
      };
    },
    decorate: (req, res) => {
      // The fake's own answers where the platform's caps and cuts are the point: as GitHub describes them.
      const answered = openApi?.checkResponse(req, res);
      if (answered) violations.push(answered);
      used += 1;
      // A rate-limit answer keeps its own remaining and reset.
      res.headers = {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-remaining': String(Math.max(0, limit - used)),
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        'x-ratelimit-used': String(used),
        'x-ratelimit-resource': 'core',
        'x-github-request-id': `FAKE:${used}`,
        'x-github-media-type': 'github.v3; format=json',
        ...res.headers,
      };
    },
  });
  apiUrl = running.url;

  const fake: FakeGitHub = {
    ...running,
    close: async () => {
      await running.close();
      gitRepos.remove();
    },
    url: running.url,
    apiUrl: running.url,
    state,
    seedPullRequest(seed) {
      const repo = ensureRepo(seed.owner, seed.repo);
      const headRef = seed.headRef ?? `feature/pr-${seed.number}`;
      const baseRef = seed.baseRef ?? 'main';
      const binary = (files: Record<string, string> | undefined) =>
        Object.fromEntries(
          Object.entries(files ?? {}).map(([path, b64]) => [path, Buffer.from(b64, 'base64')]),
        );
      repo.files[seed.headSha] = { ...(seed.contents ?? {}), ...binary(seed.binaryContents) };
      repo.files[seed.baseSha] = { ...(seed.baseContents ?? {}), ...binary(seed.baseBinaryContents) };
      const git = seed.gitDir
        ? gitRepos.seed(seed.owner, seed.repo, seed.gitDir, {
            [headRef]: seed.headSha,
            [baseRef]: seed.baseSha,
          })
        : undefined;
      // Each seeded commit as the git data API shows it: its tree (the contents), its parents (the
      // head's is the base unless the repository says otherwise), its message and identities.
      const author = seed.author ?? 'octocat';
      for (const [sha, message, parents] of [
        [seed.headSha, seed.title ?? `PR ${seed.number}`, [seed.baseSha]],
        [seed.baseSha, `${baseRef} before #${seed.number}`, []],
      ] as const) {
        const tree = treeSha(repo.files[sha]);
        state.trees.set(tree, { sha: tree, files: repo.files[sha] });
        // A test that serves other files at a seeded SHA (contents that are not git's tree) gets
        // the tree of what it seeded; git's parents, message and identities stay.
        const real = git?.commit(sha);
        const person = { name: author, email: `${author}@users.noreply.github.com`, date: iso() };
        state.commits.set(
          sha,
          real
            ? { ...real, tree }
            : { sha, tree, parents: [...parents], message, author: person, committer: person },
        );
      }
      repo.refs[`refs/heads/${headRef}`] = seed.headSha;
      repo.refs[`refs/heads/${baseRef}`] ??= seed.baseSha;
      const existing = state.pull(seed.owner, seed.repo, seed.number);
      if (existing) state.pulls.splice(state.pulls.indexOf(existing), 1);
      const pull: FakePullRequest = {
        owner: seed.owner,
        repo: seed.repo,
        number: seed.number,
        id: state.id(),
        title: seed.title ?? `PR ${seed.number}`,
        body: '',
        state: 'open',
        draft: seed.draft ?? false,
        user: { login: seed.author ?? 'octocat', id: 583231, type: 'User' },
        head: { sha: seed.headSha, ref: headRef },
        base: { sha: seed.baseSha, ref: baseRef },
        files: seed.files,
        labels: [],
        created_at: iso(),
        updated_at: iso(),
      };
      state.pulls.push(pull);
      return pull;
    },
    pushToPullRequest(owner, repoName, number, headSha, files, contents) {
      const pull = state.pull(owner, repoName, number);
      if (!pull) throw new Error(`fake GitHub: no pull request ${owner}/${repoName}#${number}`);
      const repo = ensureRepo(owner, repoName);
      repo.files[headSha] = { ...(contents ?? repo.files[pull.head.sha] ?? {}) };
      repo.refs[`refs/heads/${pull.head.ref}`] = headSha;
      pull.head.sha = headSha;
      pull.files = files;
      pull.updated_at = iso();
    },
    setPermission(repo, login, permission) {
      state.permissions.set(`${repo}:${login}`.toLowerCase(), permission);
    },
    addHookDelivery(d) {
      const id = state.id();
      state.hookDeliveries.push({
        id,
        guid: d.guid,
        delivered_at: d.deliveredAt ?? iso(),
        redelivery: false,
        duration: 0.1,
        status: d.statusCode < 400 ? 'OK' : 'Invalid HTTP Response: ' + d.statusCode,
        status_code: d.statusCode,
        event: d.event,
        action: d.action ?? null,
        installation_id: d.installationId ?? null,
        repository_id: null,
      });
      return id;
    },
    failNext(rule) {
      failures.push({ ...rule });
    },
    violations,
    rateLimitNext(rule) {
      rateLimits.add(rule);
    },
    setWriteLatency(ms) {
      writeLatencyMs = Math.max(0, ms);
    },
    setAppPermissions(permissions) {
      credentials.appPermissions = { ...permissions };
    },
    setTokenScopes(scopes) {
      credentials.tokenScopes = scopes ? [...scopes] : null;
    },
    react(subject, content, login) {
      state.reactions.push({
        id: state.id(),
        content,
        user: { login, id: 5000 + login.length, type: 'User' },
        subject,
      });
    },
  };
  return fake;
}

/**
 * The bare repositories behind the seeds that name a `gitDir`: one per repository under a
 * temporary directory, holding the seeded branches, served by {@link serveGitUpload}.
 */
class GitRepositories {
  private dir: string | undefined;
  private readonly seeded = new Set<string>();

  get root(): string | undefined {
    return this.dir;
  }

  has(owner: string, name: string): boolean {
    return this.seeded.has(`${owner}/${name}`.toLowerCase());
  }

  /**
   * Copies the branches' commits from `gitDir` into the repository's bare clone; answers a reader
   * of its commits. A commit `gitDir` lacks (a test seeding a made-up SHA) is served by the REST
   * API alone.
   */
  seed(
    owner: string,
    name: string,
    gitDir: string,
    branches: Record<string, string>,
  ): { commit(sha: string): Required<FakeGitCommit> | undefined } {
    this.dir ??= mkdtempSync(join(tmpdir(), 'fake-github-git-'));
    const bare = join(this.dir, owner, `${name}.git`);
    const git = (args: string[], cwd = bare) =>
      execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    if (!this.has(owner, name)) {
      execFileSync('git', ['init', '-q', '--bare', bare], { stdio: 'ignore' });
      git(['config', 'http.uploadpack', 'true']);
    }
    const exists = (sha: string, cwd: string) => {
      try {
        git(['cat-file', '-e', `${sha}^{commit}`], cwd);
        return true;
      } catch {
        return false;
      }
    };
    const present = Object.entries(branches).filter(([, sha]) => exists(sha, gitDir));
    if (present.length)
      git([
        '-c',
        'uploadpack.allowAnySHA1InWant=true',
        'fetch',
        '-q',
        '--no-tags',
        gitDir,
        ...new Set(present.map(([, sha]) => sha)),
      ]);
    for (const [branch, sha] of present) git(['update-ref', `refs/heads/${branch}`, sha]);
    if (present.some(([branch]) => branch === 'main')) git(['symbolic-ref', 'HEAD', 'refs/heads/main']);
    this.seeded.add(`${owner}/${name}`.toLowerCase());
    return {
      commit: (sha) => {
        if (!exists(sha, bare)) return undefined;
        const raw = git(['cat-file', 'commit', sha]);
        const [header, ...body] = raw.split('\n\n');
        const field = (key: string) =>
          header
            .split('\n')
            .filter((l) => l.startsWith(`${key} `))
            .map((l) => l.slice(key.length + 1));
        const person = (line: string) => {
          const m = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(line);
          if (!m) throw new Error(`fake GitHub: cannot read the identity "${line}" of ${sha}`);
          return {
            name: m[1],
            email: m[2],
            date: new Date(Number(m[3]) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          };
        };
        return {
          sha,
          tree: field('tree')[0],
          parents: field('parent'),
          message: body.join('\n\n'),
          author: person(field('author')[0]),
          committer: person(field('committer')[0]),
        };
      },
    };
  }

  remove(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
