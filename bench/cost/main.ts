/**
 * `npm run bench -- cost [--engineers 100] [--seed N] [--lanes 12] [--full-sample 3]`: a month of a
 * 100-engineer mobile company (bench/cost/company.ts) replayed through the real gateway, agents and
 * coordinator, with the fake vendor's token accounting and the shipped list prices.
 *
 * Three passes, each on a fresh stack:
 * - shipped: every pull request opened and pushed to as the shipped workflows fire on it (a push is
 *   an incremental review);
 * - full re-review: the pushes of every `--full-sample`-th pull request reviewed whole (no
 *   incremental review), for the incremental saving; the month's full re-reviews are estimated
 *   from that sample by the ratio of the same pushes' incremental cost (a ratio estimator);
 * - budget: a tight daily budget and pull requests until it stops them, for the overshoot.
 *
 * The savings are a waterfall from an always-top-model baseline (each call at the provider's
 * `complex` model, no cache, full re-reviews, standard prices), adding one optimisation at a time
 * in this order: complexity routing, incremental review, caching, batch pricing. Each step is priced
 * from the same run's ledger rows with the gateway's own price book.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderKind, ProvidersConfig, RunRequested, WorkflowPlan } from '@agentflow/contracts';
import {
  loadProvidersConfig,
  loadWorkflowsOrThrow,
  matchWorkflows,
  resolveRepositoryPolicy,
  type NormalizedEvent,
  type WorkflowProject,
} from '@agentflow/workflow';
import { PriceBook } from '@agentflow/gateway';
import { DISTRIBUTION, monthOfWork, prng, type Platform, type PullRequestPlan } from './company';
import { appLayout, buildRepo, type BuiltRepo } from './repos';
import { CostStack, type LedgerRow } from './stack';

interface Args {
  engineers: number;
  seed: number;
  lanes: number;
  fullSample: number;
}

function readArgs(argv: string[]): Args {
  const args: Args = { engineers: DISTRIBUTION.engineers, seed: 0xc057, lanes: 12, fullSample: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === '--engineers') args.engineers = value();
    else if (a === '--seed') args.seed = value();
    else if (a === '--lanes') args.lanes = value();
    else if (a === '--full-sample') args.fullSample = value();
    else throw new Error(`unknown argument ${a}; use --engineers N, --seed N, --lanes N, --full-sample N`);
  }
  return args;
}

/** One thing that starts runs: a pull request opening or a push to it. */
interface Trigger {
  key: string;
  kind: 'opened' | 'push';
  pr?: PullRequestPlan;
  /** For a push: which one (1-based) and how many files it changed. */
  push?: number;
  pushFiles?: number;
  runs: Array<{ runId: string; workflow: string }>;
}

const REPO_NAME: Record<Platform, string> = { ios: 'acme/ios-app', android: 'acme/android-app' };
const TEAM: Record<Platform, string> = { ios: 'ios', android: 'android' };

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

class MonthReplay {
  readonly triggers: Trigger[] = [];
  readonly failures = new Map<string, number>();
  private readonly project: WorkflowProject;

  constructor(
    private readonly stack: CostStack,
    private readonly repos: Record<Platform, BuiltRepo>,
    private readonly label: string,
  ) {
    this.project = loadWorkflowsOrThrow(stack.configDir);
  }

  private fired(event: NormalizedEvent): WorkflowPlan[] {
    const policy = resolveRepositoryPolicy(this.project.settings, event.repo);
    return matchWorkflows(event, this.project.plans, { policy }).fired;
  }

  private request(
    runId: string,
    plan: WorkflowPlan,
    pr: PullRequestPlan,
    headSha: string,
    trigger: string,
    previousHeadSha?: string,
  ): RunRequested {
    const repo = this.repos[pr.platform];
    return {
      runId,
      change: {
        platform: 'local',
        repo: repo.root,
        pr: pr.number,
        headSha,
        baseSha: repo.baseSha,
        headRef: `pr-${pr.number}`,
        baseRef: 'main',
      },
      plan,
      trigger,
      attribution: {
        team: TEAM[pr.platform],
        project: REPO_NAME[pr.platform],
        repo: REPO_NAME[pr.platform],
        workflow: plan.id,
        runId,
        service: 'agents',
      },
      rollout: 'gate',
      dataClass: 'internal',
      ...(previousHeadSha ? { previousHeadSha } : {}),
    };
  }

  private async runAll(trigger: Trigger, requests: RunRequested[]): Promise<void> {
    trigger.runs = requests.map((r) => ({ runId: r.runId, workflow: r.plan.id }));
    this.triggers.push(trigger);
    const ends = await Promise.all(requests.map((r) => this.stack.run(r)));
    for (const end of ends)
      if (!end.ok)
        this.failures.set(end.reason ?? 'unknown', (this.failures.get(end.reason ?? 'unknown') ?? 0) + 1);
  }

  /** A pull request's life: opened, then each push after the previous push's runs ended. */
  async pullRequest(
    pr: PullRequestPlan,
    options: { pushesOnly?: boolean; fullReReview?: boolean } = {},
  ): Promise<void> {
    const heads = this.repos[pr.platform].heads.get(pr.number)!;
    const files = new Map(pr.opened.map((f) => [f.path, f.lines]));
    const event = (action: string, headSha: string): NormalizedEvent => ({
      platform: 'github',
      kind: 'pull_request',
      action,
      repo: REPO_NAME[pr.platform],
      pr: pr.number,
      baseBranch: 'main',
      headBranch: `pr-${pr.number}`,
      headSha,
      author: pr.author,
      draft: false,
      labels: [],
      files: [...files].map(([path, lines]) => ({
        path,
        additions: lines,
        deletions: 0,
        status: 'modified' as const,
      })),
    });
    const id = (what: string, workflow: string) =>
      `c${this.label}${pr.number}x${what}x${workflow.replace(/[^a-zA-Z0-9]/g, '')}`;
    if (!options.pushesOnly) {
      const plans = this.fired(event('opened', heads[0]));
      await this.runAll(
        { key: `${pr.number}:opened`, kind: 'opened', pr, runs: [] },
        plans.map((p) => this.request(id('o', p.id), p, pr, heads[0], 'pull_request.opened')),
      );
    }
    for (let i = 0; i < pr.pushes.length; i++) {
      for (const f of pr.pushes[i].files) files.set(f.path, (files.get(f.path) ?? 0) + f.lines);
      const head = heads[i + 1];
      const plans = this.fired(event('synchronize', head));
      // A full re-review is what a workflow without incremental review does: the whole change again.
      const trigger = options.fullReReview ? 'manual' : 'pull_request.synchronize';
      await this.runAll(
        {
          key: `${pr.number}:push${i + 1}`,
          kind: 'push',
          pr,
          push: i + 1,
          pushFiles: pr.pushes[i].files.length,
          runs: [],
        },
        plans.map((p) =>
          this.request(
            id(`s${i + 1}`, p.id),
            p,
            pr,
            head,
            trigger,
            options.fullReReview ? undefined : heads[i],
          ),
        ),
      );
    }
  }
}

async function lanes<T>(items: T[], count: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(count, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

/** The provider's top (`complex`) model, for the always-top-model baseline. */
function topModels(config: ProvidersConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, p] of Object.entries(config.providers)) {
    const top = Object.entries(p.models).find(([, m]) => m.tier === 'complex' && !m.retiresOn)?.[0];
    if (top) out.set(name, top);
  }
  return out;
}

class Pricing {
  private readonly book: PriceBook;
  private readonly top: Map<string, string>;
  private readonly kinds: Map<string, ProviderKind>;
  readonly at = Date.now();

  constructor(config: ProvidersConfig) {
    this.book = new PriceBook(config);
    this.top = topModels(config);
    this.kinds = new Map(Object.entries(config.providers).map(([n, p]) => [n, p.kind]));
  }

  /** A row at standard prices without any cache: every prompt token at the input price. */
  uncached(row: LedgerRow, model = row.model): number {
    const usage = {
      inputTokens: row.input_tokens + row.cache_read_tokens + row.cache_write_tokens,
      outputTokens: row.output_tokens,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    };
    return this.book.cost(row.provider, model, usage, this.at);
  }

  /** With the vendor's prompt cache as it was used, at standard (not batch) prices. */
  standard(row: LedgerRow): number {
    return this.book.cost(
      row.provider,
      row.model,
      {
        inputTokens: row.input_tokens,
        outputTokens: row.output_tokens,
        cacheReadTokens: row.cache_read_tokens,
        cacheWriteTokens: row.cache_write_tokens,
      },
      this.at,
    );
  }

  topModel(row: LedgerRow): string {
    return this.top.get(row.provider) ?? row.model;
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => (xs.length ? sum(xs) / xs.length : 0);
const usd = (v: number) => Math.round(v * 1e6) / 1e6;
const pct = (v: number) => Math.round(v * 1000) / 10;

/**
 * Cache hits are booked with no tokens (the gateway answers them itself); their uncached price is
 * the mean of the same step's uncached calls to the same model in the same pass.
 */
function withCacheHitsPriced(
  rows: LedgerRow[],
  price: (row: LedgerRow) => number,
): (row: LedgerRow) => number {
  const byStep = new Map<string, number[]>();
  for (const r of rows)
    if (!r.cached)
      byStep.set(`${r.workflow}|${r.step_id}|${r.model}`, [
        ...(byStep.get(`${r.workflow}|${r.step_id}|${r.model}`) ?? []),
        price(r),
      ]);
  return (row) =>
    row.cached ? mean(byStep.get(`${row.workflow}|${row.step_id}|${row.model}`) ?? []) : price(row);
}

async function main(): Promise<void> {
  const args = readArgs(process.argv.slice(2));
  const began = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'agentflow-cost-repos-'));
  const layoutRnd = prng(args.seed ^ 0x1a7);
  const apps = { ios: appLayout('ios', layoutRnd), android: appLayout('android', layoutRnd) };
  const prs = monthOfWork(args.seed, apps, args.engineers);
  const repos = {
    ios: buildRepo(
      join(work, 'ios-app'),
      apps.ios,
      prs.filter((p) => p.platform === 'ios'),
      args.seed + 1,
    ),
    android: buildRepo(
      join(work, 'android-app'),
      apps.android,
      prs.filter((p) => p.platform === 'android'),
      args.seed + 2,
    ),
  };
  const pushes = sum(prs.map((p) => p.pushes.length));
  process.stdout.write(
    `cost bench: ${args.engineers} engineers, ${prs.length} pull requests, ${pushes} pushes, seed ${args.seed}; apps of ${repos.ios.lines} and ${repos.android.lines} lines\n`,
  );
  process.stdout.write(`distribution: ${JSON.stringify(DISTRIBUTION)}\n`);

  try {
    // Pass 1: as shipped.
    const shipped = new CostStack({ budgets: [] });
    await shipped.start();
    const pricing = new Pricing(loadProvidersConfig(shipped.providersFile));
    const a = new MonthReplay(shipped, repos, 'a');
    const t1 = Date.now();
    await lanes(prs, args.lanes, (pr) => a.pullRequest(pr));
    const rowsA = await shipped.ledger();
    await shipped.stop();
    process.stdout.write(
      `pass shipped: ${a.triggers.length} triggers, ${rowsA.length} ledger rows in ${Math.round((Date.now() - t1) / 1000)} s\n`,
    );

    // Pass 2: every push reviewed whole.
    const full = new CostStack({ budgets: [] });
    await full.start();
    const b = new MonthReplay(full, repos, 'b');
    const t2 = Date.now();
    await lanes(
      prs.filter((p) => p.pushes.length > 0 && p.number % args.fullSample === 0),
      args.lanes,
      (pr) => b.pullRequest(pr, { pushesOnly: true, fullReReview: true }),
    );
    const rowsB = await full.ledger();
    await full.stop();
    process.stdout.write(
      `pass full re-review: ${b.triggers.length} triggers, ${rowsB.length} ledger rows in ${Math.round((Date.now() - t2) / 1000)} s\n`,
    );

    // Pass 3: a tight daily budget, pull requests until it stops them.
    const limitUsd = 2;
    const tight = new CostStack({ budgets: [{ scope: 'global', period: 'day', limitUsd }] });
    await tight.start();
    const c = new MonthReplay(tight, repos, 'c');
    const t3 = Date.now();
    const budgetRuns = lanes(prs.slice(0, 200), args.lanes, (pr) => c.pullRequest(pr));
    // Deferred steps wait for the next period; the bench waits until no call is booked for 5 s.
    let rowsC: LedgerRow[] = [];
    for (let quiet = 0, last = -1; quiet < 5 && Date.now() - t3 < 180_000;) {
      await sleep(1000);
      rowsC = await tight.ledger();
      quiet = rowsC.length === last ? quiet + 1 : 0;
      last = rowsC.length;
    }
    void budgetRuns.catch(() => undefined);
    await tight.stop();
    const spentC = sum(rowsC.map((r) => r.cost_usd));
    const largestCall = Math.max(0, ...rowsC.map((r) => r.cost_usd));
    process.stdout.write(
      `pass budget: $${spentC.toFixed(4)} booked against a $${limitUsd} day budget, ${rowsC.length} calls, largest $${largestCall.toFixed(4)}\n`,
    );

    report({
      prs,
      triggersA: a.triggers,
      triggersB: b.triggers,
      rowsA,
      rowsB,
      pricing,
      failures: [a.failures, b.failures],
      budget: { limitUsd, spentUsd: spentC, largestCallUsd: largestCall },
      args,
      began,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface ReportInput {
  prs: PullRequestPlan[];
  triggersA: Trigger[];
  triggersB: Trigger[];
  rowsA: LedgerRow[];
  rowsB: LedgerRow[];
  pricing: Pricing;
  failures: Array<Map<string, number>>;
  budget: { limitUsd: number; spentUsd: number; largestCallUsd: number };
  args: Args;
  began: number;
}

function report(r: ReportInput): void {
  const { pricing } = r;
  const byRun = (rows: LedgerRow[]) => {
    const m = new Map<string, LedgerRow[]>();
    for (const row of rows) m.set(row.run_id, [...(m.get(row.run_id) ?? []), row]);
    return m;
  };
  const runsA = byRun(r.rowsA);
  const costOf = (t: Trigger, runs: Map<string, LedgerRow[]>, price: (row: LedgerRow) => number) =>
    sum(t.runs.flatMap((run) => (runs.get(run.runId) ?? []).map(price)));
  const actual = (row: LedgerRow) => row.cost_usd;

  const opened = r.triggersA.filter((t) => t.kind === 'opened');
  const pushesA = r.triggersA.filter((t) => t.kind === 'push');
  const reviewCost = opened.map((t) => costOf(t, runsA, actual));
  const reReviewCost = pushesA.map((t) => costOf(t, runsA, actual));
  const firstByPr = new Map(opened.map((t, i) => [t.pr!.number, reviewCost[i]]));
  // Re-review after a one-file push against the same pull request's first review.
  const onePush = pushesA.filter((t) => t.pushFiles === 1 && (firstByPr.get(t.pr!.number) ?? 0) > 0);
  const reReviewRatio =
    sum(onePush.map((t) => costOf(t, runsA, actual))) /
    Math.max(1e-12, sum(onePush.map((t) => firstByPr.get(t.pr!.number)!)));

  // The waterfall, over the same work: openings from the shipped pass; pushes from the full
  // re-review pass until incremental review is added.
  const rowsOf = (triggers: Trigger[]) =>
    triggers.flatMap((t) => t.runs.flatMap((run) => runsA.get(run.runId) ?? []));
  const pushRowsA = rowsOf(pushesA);
  const otherRowsA = rowsOf(opened);
  const sampled = new Set(r.triggersB.map((t) => t.key));
  const sampledRowsA = rowsOf(pushesA.filter((t) => sampled.has(t.key)));
  const priceAll = (rows: LedgerRow[], price: (row: LedgerRow) => number) =>
    sum(rows.map(withCacheHitsPriced(rows, price)));
  // The month's full re-reviews: the sample's, scaled by all pushes' incremental cost over the sample's.
  const fullReReviews = (price: (row: LedgerRow) => number) =>
    priceAll(r.rowsB, price) * (priceAll(pushRowsA, price) / Math.max(1e-12, priceAll(sampledRowsA, price)));
  const top = (row: LedgerRow) => pricing.uncached(row, pricing.topModel(row));
  const routed = (row: LedgerRow) => pricing.uncached(row);
  const baseline = priceAll(otherRowsA, top) + fullReReviews(top);
  const withRouting = priceAll(otherRowsA, routed) + fullReReviews(routed);
  const withIncremental = priceAll(otherRowsA, routed) + priceAll(pushRowsA, routed);
  const allA = [...otherRowsA, ...pushRowsA];
  const withCaching = sum(allA.map((row) => (row.cached ? 0 : pricing.standard(row))));
  const shippedTotal = sum(allA.map(actual));
  const saved = (from: number, to: number) => pct((from - to) / Math.max(1e-12, baseline));

  // A review's baseline: its own rows at the top model, uncached, standard price.
  const reviewBaseline = opened.map((t) => costOf(t, runsA, top));
  const perMonth = shippedTotal;
  const shares = (key: (row: LedgerRow) => string) => {
    const m = new Map<string, number>();
    for (const row of r.rowsA) m.set(key(row), (m.get(key(row)) ?? 0) + row.cost_usd);
    return Object.fromEntries(
      [...m].sort((x, y) => y[1] - x[1]).map(([k, v]) => [k, pct(v / Math.max(1e-12, shippedTotal))]),
    );
  };
  // Workflows that reviewed the same change twice: two or more review workflows fired on one trigger.
  const overlapping = new Map<string, number>();
  for (const t of [...opened, ...pushesA]) {
    if (t.runs.length < 2) continue;
    const key = t.runs
      .map((x) => x.workflow)
      .sort()
      .join(' + ');
    overlapping.set(key, (overlapping.get(key) ?? 0) + 1);
  }
  const doubleSpend = sum(
    [...opened, ...pushesA]
      .filter((t) => t.runs.length >= 2)
      .map((t) => {
        const costs = t.runs.map((run) => sum((runsA.get(run.runId) ?? []).map(actual)));
        return sum(costs) - Math.max(...costs);
      }),
  );
  const overshoot = Math.max(0, r.budget.spentUsd - r.budget.limitUsd);

  const result = {
    bench: 'cost',
    engineers: r.args.engineers,
    seed: r.args.seed,
    pull_requests: r.prs.length,
    pushes: pushesA.length,
    full_re_review_sample_pushes: r.triggersB.length,
    runs: r.triggersA.reduce((n, t) => n + t.runs.length, 0),
    failed_runs: Object.fromEntries([...r.failures[0]]),
    cost_per_review_usd: usd(mean(reviewCost)),
    cost_per_re_review_usd: usd(mean(reReviewCost)),
    cost_per_month_usd: usd(perMonth),
    re_review_cost_ratio: Math.round(reReviewRatio * 1000) / 1000,
    review_cost_vs_baseline:
      Math.round((sum(reviewCost) / Math.max(1e-12, sum(reviewBaseline))) * 1000) / 1000,
    month_cost_vs_baseline: Math.round((shippedTotal / Math.max(1e-12, baseline)) * 1000) / 1000,
    baseline_per_month_usd: usd(baseline),
    saved_pct_of_baseline: {
      complexity_routing: saved(baseline, withRouting),
      incremental_review: saved(withRouting, withIncremental),
      caching: saved(withIncremental, withCaching),
      batch_pricing: saved(withCaching, shippedTotal),
    },
    max_budget_overshoot_usd: usd(overshoot),
    largest_call_usd: usd(r.budget.largestCallUsd),
    share_by_workflow_pct: shares((row) => row.workflow),
    share_by_agent_pct: shares((row) => row.step_id ?? 'none'),
    share_by_model_pct: shares((row) => `${row.provider}/${row.model}`),
    same_change_reviewed_twice: Object.fromEntries(overlapping),
    double_review_spend_usd: usd(doubleSpend),
    goals: {
      re_review_cost_ratio_max: 0.15,
      re_review_met: reReviewRatio <= 0.15,
      review_cost_vs_baseline_max: 0.4,
      review_vs_baseline_met: sum(reviewCost) / Math.max(1e-12, sum(reviewBaseline)) <= 0.4,
      overshoot_max: 'one request',
      overshoot_met: overshoot <= r.budget.largestCallUsd,
    },
    wall_s: Math.round((Date.now() - r.began) / 1000),
  };
  const lines = [
    `cost per review $${result.cost_per_review_usd.toFixed(4)}, per re-review $${result.cost_per_re_review_usd.toFixed(4)}, per month $${result.cost_per_month_usd.toFixed(2)} (baseline $${result.baseline_per_month_usd.toFixed(2)})`,
    `re-review after a one-file push: ${pct(reReviewRatio)}% of the first review (goal <= 15%)`,
    `review cost vs always-top-model: ${pct(result.review_cost_vs_baseline)}% (goal <= 40%)`,
    `saved of the baseline: routing ${result.saved_pct_of_baseline.complexity_routing}%, incremental ${result.saved_pct_of_baseline.incremental_review}%, caching ${result.saved_pct_of_baseline.caching}%, batch ${result.saved_pct_of_baseline.batch_pricing}%`,
    `budget overshoot $${result.max_budget_overshoot_usd.toFixed(4)} (largest single call $${result.largest_call_usd.toFixed(4)})`,
    `same change reviewed twice: ${JSON.stringify(result.same_change_reviewed_twice)} ($${result.double_review_spend_usd.toFixed(2)} of the month)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `cost bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
