/**
 * Successful writes to GitHub, counted from the fake's request log: what GitHub's secondary rate
 * limits count ("content-creating requests"), by kind. Git data writes (blobs, trees, commits,
 * refs) and the pull requests they open are the test runner's pushes and are left out, as the
 * write budget says (docs/notifier.md).
 */
import type { FakeRequestRecord } from './fake-clients';

export interface GitHubWrites {
  checkRunCreates: number;
  checkRunUpdates: number;
  commentCreates: number;
  commentUpdates: number;
  reviews: number;
  /** Review comments created outside a review (`POST /pulls/{n}/comments`). */
  reviewComments: number;
  /** GraphQL mutations (resolving review threads). */
  mutations: number;
  /** Any other successful write, as `METHOD path`. */
  other: string[];
}

const WRITE = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/** Counts the successful writes among `requests`, optionally for one repository (`owner/repo`). */
export function countGitHubWrites(requests: FakeRequestRecord[], repo?: string): GitHubWrites {
  const out: GitHubWrites = {
    checkRunCreates: 0,
    checkRunUpdates: 0,
    commentCreates: 0,
    commentUpdates: 0,
    reviews: 0,
    reviewComments: 0,
    mutations: 0,
    other: [],
  };
  for (const r of requests) {
    if (!WRITE.has(r.method) || r.status >= 300) continue;
    if (r.path === '/graphql') {
      const query = String(r.body.query ?? '');
      if (/^\s*mutation\b/.test(query) || /resolveReviewThread/.test(query)) out.mutations += 1;
      continue;
    }
    if (repo && !r.path.startsWith(`/repos/${repo}/`)) continue;
    const tail = r.path.replace(/^\/repos\/[^/]+\/[^/]+/, '');
    if (/^\/git\//.test(tail) || (r.method === 'POST' && tail === '/pulls')) continue;
    if (r.method === 'POST' && tail === '/check-runs') out.checkRunCreates += 1;
    else if (r.method === 'PATCH' && /^\/check-runs\/\d+$/.test(tail)) out.checkRunUpdates += 1;
    else if (r.method === 'POST' && /^\/issues\/\d+\/comments$/.test(tail)) out.commentCreates += 1;
    else if (r.method === 'PATCH' && /^\/issues\/comments\/\d+$/.test(tail)) out.commentUpdates += 1;
    else if (r.method === 'POST' && /^\/pulls\/\d+\/reviews$/.test(tail)) out.reviews += 1;
    else if (r.method === 'POST' && /^\/pulls\/\d+\/comments$/.test(tail)) out.reviewComments += 1;
    else out.other.push(`${r.method} ${r.path}`);
  }
  return out;
}

/** The check-run writes one run made: its create and its updates (progress, completion, annotations). */
export interface CheckRunWrites {
  creates: number;
  updates: number;
}

/**
 * Successful check-run writes per run (the check run's `external_id` is the run id): a create
 * names the run in its body, an update names the check run, whose `external_id` the fake stored.
 */
export function checkRunWritesPerRun(
  requests: FakeRequestRecord[],
  checkRuns: Array<{ id: number; external_id?: string }>,
): Map<string, CheckRunWrites> {
  const runOf = new Map(checkRuns.map((c) => [c.id, c.external_id]));
  const out = new Map<string, CheckRunWrites>();
  const of = (runId: string) => {
    let w = out.get(runId);
    if (!w) out.set(runId, (w = { creates: 0, updates: 0 }));
    return w;
  };
  for (const r of requests) {
    if (r.status >= 300) continue;
    if (
      r.method === 'POST' &&
      /^\/repos\/[^/]+\/[^/]+\/check-runs$/.test(r.path) &&
      typeof r.body.external_id === 'string'
    )
      of(r.body.external_id).creates += 1;
    const update = r.method === 'PATCH' ? /^\/repos\/[^/]+\/[^/]+\/check-runs\/(\d+)$/.exec(r.path) : null;
    const runId = update ? runOf.get(Number(update[1])) : undefined;
    if (runId) of(runId).updates += 1;
  }
  return out;
}
