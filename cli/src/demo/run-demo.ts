/**
 * The demo's script: start the stack, replay one signed `pull_request.opened` per sample app to
 * `/webhooks/github`, follow every run's steps on the bus as they change, wait until the notifier
 * has delivered everywhere, then read back what landed: from the fake GitHub's and Slack's stored
 * state and from the database.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { RunProgress, RunReport, Topology } from '@agentflow/contracts';
import type { FakeCheckRun, FakeSlackMessage } from '@agentflow/fake-platforms';
import { costReport, type CostReport } from '../cost/ledger';
import type { ProgressDisplay } from '../progress/progress';
import type { PreparedSample } from './sample-repos';
import { startDemoStack, type DemoStack, type DemoStackOptions, type VendorMode } from './stack';

/** What landed for one sample pull request. */
export interface DemoPullRequest {
  repo: string;
  pr: number;
  headSha: string;
  deliveryId: string;
  runs: Array<{
    runId: string;
    workflow: string;
    status: string;
    gateConclusion: string | null;
    costUsd: number;
    findings: number;
  }>;
  /** Summary comments as the fake GitHub stored them (one per workflow). */
  summaryComments: Array<{ id: number; body: string }>;
  inlineComments: Array<{ path: string; line: number; body: string }>;
  checkRuns: Array<
    Pick<FakeCheckRun, 'name' | 'status' | 'conclusion' | 'head_sha'> & { title: string | null }
  >;
}

export interface DemoResult {
  vendor: VendorMode;
  pullRequests: DemoPullRequest[];
  slackMessages: Array<Pick<FakeSlackMessage, 'channel' | 'text'>>;
  /** Rows per table after the demo. */
  rowCounts: Record<string, number>;
  cost: CostReport;
  durationMs: number;
}

/** Thrown when the runs do not finish in time: names what was still pending. */
export class DemoTimeoutError extends Error {
  readonly retryable = true;
  constructor(message: string) {
    super(message);
    this.name = 'DemoTimeoutError';
  }
}

/** The tables the demo reports row counts for. */
export const DEMO_TABLES = [
  'webhook_deliveries',
  'ingress_trigger_outcomes',
  'runs',
  'steps',
  'findings',
  'run_findings',
  'cost_ledger',
  'notifier_deliveries',
  'notifier_summaries',
  'notifier_inline_comments',
  'notifier_check_runs',
] as const;

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'superseded']);

function pullRequestOpened(sample: PreparedSample, repositoryId: number): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const examples = require('@octokit/webhooks-examples') as Array<{
    name: string;
    examples: Array<Record<string, unknown>>;
  }>;
  // A real GitHub payload (from @octokit/webhooks-examples) re-pointed at the sample pull request.
  const example = structuredClone(
    examples.find((d) => d.name === 'pull_request')!.examples.find((e) => e.action === 'opened')!,
  ) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const { seed } = sample;
  delete example.installation;
  Object.assign(example.repository, {
    id: repositoryId,
    name: seed.repo,
    full_name: `${seed.owner}/${seed.repo}`,
    private: true,
    default_branch: 'main',
  });
  example.repository.owner.login = seed.owner;
  example.number = seed.number;
  Object.assign(example.pull_request, {
    number: seed.number,
    state: 'open',
    draft: false,
    title: seed.title,
    labels: [],
  });
  example.pull_request.user.login = seed.author;
  example.pull_request.user.type = 'User';
  Object.assign(example.pull_request.head, { sha: seed.headSha, ref: seed.headRef });
  Object.assign(example.pull_request.base, { sha: seed.baseSha, ref: seed.baseRef });
  if (example.pull_request.head.repo)
    Object.assign(example.pull_request.head.repo, {
      name: seed.repo,
      full_name: `${seed.owner}/${seed.repo}`,
    });
  if (example.pull_request.base.repo)
    Object.assign(example.pull_request.base.repo, {
      name: seed.repo,
      full_name: `${seed.owner}/${seed.repo}`,
    });
  return JSON.stringify(example);
}

async function postSigned(
  url: string,
  secret: string,
  event: string,
  deliveryId: string,
  body: string,
): Promise<Response> {
  return fetch(`${url}/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/agentflow-demo',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Follows `runs.*.progress`, `.completed` and `.failed` on the bus and prints each change. */
async function followRuns(
  stack: DemoStack,
  progress: ProgressDisplay,
  labels: Map<string, string>,
): Promise<() => Promise<void>> {
  const { bus } = stack.running;
  const topology: Topology = stack.running.context.topology;
  // The event's own change names the PR, so a run is labelled before the ingress records its delivery.
  const name = (runId: string, workflow: string, change?: { repo: string; pr?: number }) => {
    const label =
      labels.get(runId) ||
      (change ? `${change.repo}${change.pr !== undefined ? `#${change.pr}` : ''}` : runId.slice(0, 8));
    return `${label} ${workflow}`;
  };
  const body = <T>(data: Uint8Array) => (JSON.parse(Buffer.from(data).toString('utf8')) as { body: T }).body;
  const subs = await Promise.all([
    bus.subscribe(topology.subjects.runProgress('*'), (msg) => {
      const p = body<RunProgress>(msg.data);
      progress.step(
        `${name(p.runId, p.workflow, p.change)} / ${p.stepId}`,
        p.state,
        p.attempt > 1 ? `attempt ${p.attempt}` : p.detail,
      );
    }),
    bus.subscribe(topology.subjects.runCompleted('*'), (msg) => {
      const { report } = body<{ report: RunReport }>(msg.data);
      progress.step(
        name(report.runId, report.workflow, report.change),
        'done',
        `gate ${report.gateConclusion}, ${report.findings.length} findings, $${report.usage.costUsd.toFixed(4)}`,
      );
    }),
    bus.subscribe(topology.subjects.runFailed('*'), (msg) => {
      const failed = body<{ runId: string; code: string; reason: string; partial: RunReport }>(msg.data);
      progress.step(
        name(failed.runId, failed.partial.workflow, failed.partial.change),
        'failed',
        `${failed.code}: ${failed.reason}`,
      );
    }),
  ]);
  return async () => {
    for (const s of subs) await s.stop();
  };
}

/** Waits until every run of the deliveries ended and the notifier settled every sink for it. */
async function waitForRuns(
  stack: DemoStack,
  deliveries: string[],
  timeoutMs: number,
  progress: ProgressDisplay,
  labels: Map<string, string>,
  repoOf: Map<string, string>,
): Promise<string[]> {
  const { db } = stack.running;
  const deadline = Date.now() + timeoutMs;
  let settledSince: number | undefined;
  for (;;) {
    const found = await db.query<{
      delivery_id: string;
      outcome: string;
      run_ids: string[];
      repo: string | null;
    }>('SELECT delivery_id, outcome, run_ids, repo FROM webhook_deliveries WHERE delivery_id = ANY($1)', [
      deliveries,
    ]);
    const runIds = found.rows.flatMap((r) => r.run_ids);
    for (const r of found.rows)
      for (const id of r.run_ids)
        if (!labels.has(id)) labels.set(id, repoOf.get(r.delivery_id) ?? r.repo ?? '');
    const allMatched =
      found.rows.length === deliveries.length && found.rows.every((r) => r.outcome !== 'received');
    if (allMatched && runIds.length > 0) {
      const runs = await db.query<{ id: string; status: string }>(
        'SELECT id, status FROM runs WHERE id = ANY($1)',
        [runIds],
      );
      const ledger = await db.query<{ run_id: string; state: string }>(
        'SELECT run_id, state FROM notifier_deliveries WHERE run_id = ANY($1)',
        [runIds],
      );
      const ended = runs.rows.length === runIds.length && runs.rows.every((r) => TERMINAL.has(r.status));
      const delivered =
        runIds.every((id) => ledger.rows.some((l) => l.run_id === id)) &&
        ledger.rows.every((l) => l.state !== 'claimed');
      if (ended && delivered) {
        // A sink may still claim its row just after another settles: settled twice in a row, 300 ms apart.
        settledSince ??= Date.now();
        if (Date.now() - settledSince >= 300) {
          progress.step('notifications', 'done', `${ledger.rows.length} deliveries settled`);
          return runIds;
        }
      } else settledSince = undefined;
    }
    if (Date.now() > deadline) {
      const states = found.rows
        .map((r) => `${r.delivery_id}: ${r.outcome} (${r.run_ids.length} runs)`)
        .join('; ');
      throw new DemoTimeoutError(
        `the runs did not finish within ${Math.round(timeoutMs / 1000)} s (${states || 'no delivery recorded'}); rerun with AGENTFLOW_DEMO_LOG_LEVEL=info to see the services' logs`,
      );
    }
    await sleep(150);
  }
}

async function rowCounts(stack: DemoStack): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of DEMO_TABLES) {
    const r = await stack.running.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    counts[table] = Number(r.rows[0].n);
  }
  return counts;
}

/** The newest check run per name: what GitHub shows on the pull request. */
function latestCheckRuns(runs: FakeCheckRun[]): FakeCheckRun[] {
  const byName = new Map<string, FakeCheckRun>();
  for (const run of runs) if ((byName.get(run.name)?.id ?? -1) < run.id) byName.set(run.name, run);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

async function collect(
  stack: DemoStack,
  deliveries: Map<string, PreparedSample>,
  runIds: string[],
): Promise<DemoPullRequest[]> {
  const { github, running } = stack;
  const out: DemoPullRequest[] = [];
  for (const [deliveryId, sample] of deliveries) {
    const repo = `${sample.seed.owner}/${sample.seed.repo}`;
    const runs = await running.db.query<{
      id: string;
      workflow: string;
      status: string;
      gate_conclusion: string | null;
      cost_usd: string;
      findings: string;
    }>(
      `SELECT r.id, r.workflow, r.status, r.gate_conclusion, r.cost_usd, (SELECT count(*) FROM run_findings f WHERE f.run_id = r.id) AS findings
         FROM runs r WHERE r.id = ANY($1) AND r.repo = $2 ORDER BY r.workflow`,
      [runIds, repo],
    );
    const reviews = github.state.reviews
      .filter((r) => r.repo === repo && r.pull_number === sample.seed.number)
      .map((r) => r.id);
    out.push({
      repo,
      pr: sample.seed.number,
      headSha: sample.seed.headSha,
      deliveryId,
      runs: runs.rows.map((r) => ({
        runId: r.id,
        workflow: r.workflow,
        status: r.status,
        gateConclusion: r.gate_conclusion,
        costUsd: Number(r.cost_usd),
        findings: Number(r.findings),
      })),
      summaryComments: github.state
        .commentsOn(repo, sample.seed.number)
        .map((c) => ({ id: c.id, body: c.body })),
      inlineComments: github.state.reviewComments
        .filter((c) => reviews.includes(c.review_id))
        .map((c) => ({ path: c.path, line: c.line, body: c.body })),
      checkRuns: latestCheckRuns(
        github.state.checkRuns.filter((c) => c.repo === repo && c.head_sha === sample.seed.headSha),
      ).map((c) => ({
        name: c.name,
        status: c.status,
        conclusion: c.conclusion,
        head_sha: c.head_sha,
        title: c.output.title,
      })),
    });
  }
  return out;
}

export interface RunDemoOptions {
  env: Readonly<Record<string, string | undefined>>;
  progress: ProgressDisplay;
  /** How long the runs may take once the webhooks are in. @default 60 s (the fake vendor answers in ms) */
  timeoutMs?: number;
  /** NATS and PostgreSQL instead of the embedded bus and PGlite (see DemoStackOptions). */
  infra?: DemoStackOptions['infra'];
  /** Called with the running stack after the results are read and before it stops (tests look at the fakes' own state here). */
  beforeShutdown?: (stack: DemoStack) => Promise<void>;
}

/** Runs the whole demo and tears the stack down, whatever happens. */
export async function runDemo(options: RunDemoOptions): Promise<DemoResult> {
  const { progress } = options;
  const started = Date.now();
  const stack = await startDemoStack({
    env: options.env,
    infra: options.infra,
    onStep: (step, state, detail) => progress.step(step, state, detail),
  });
  try {
    const labels = new Map<string, string>();
    const stopFollowing = await followRuns(stack, progress, labels);
    const deliveries = new Map<string, PreparedSample>();
    const repoOf = new Map<string, string>();
    for (const [i, sample] of stack.samples.entries()) {
      const deliveryId = randomUUID();
      const repo = `${sample.seed.owner}/${sample.seed.repo}#${sample.seed.number}`;
      const response = await postSigned(
        stack.running.url,
        stack.webhookSecret,
        'pull_request',
        deliveryId,
        pullRequestOpened(sample, 9000 + i),
      );
      const answer = await response.text();
      if (response.status !== 202)
        throw new Error(
          `the ingress refused the signed webhook for ${repo}: HTTP ${response.status} ${answer}`,
        );
      progress.step(`webhook ${repo}`, 'done', `pull_request.opened, signed, HTTP ${response.status}`);
      deliveries.set(deliveryId, sample);
      repoOf.set(deliveryId, repo);
    }
    const runIds = await waitForRuns(
      stack,
      [...deliveries.keys()],
      options.timeoutMs ?? 60_000,
      progress,
      labels,
      repoOf,
    );
    await stopFollowing();
    const pullRequests = await collect(stack, deliveries, runIds);
    const result: DemoResult = {
      vendor: stack.vendor,
      pullRequests,
      slackMessages: stack.slack.messages.map((m) => ({ channel: m.channel, text: m.text })),
      rowCounts: await rowCounts(stack),
      cost: await costReport(stack.running.db, { by: 'model' }),
      durationMs: 0,
    };
    await options.beforeShutdown?.(stack);
    result.durationMs = Date.now() - started;
    return result;
  } finally {
    progress.step('shutdown', 'running');
    await stack.close();
    progress.step('shutdown', 'done');
  }
}
