/**
 * `npm run chaos [-- --prs 200 --minutes 8 --seed 1 --kill-every-ms 4000]`: the distributed stack
 * (test/e2e/stack: two replicas of coordinator, agents, gateway and notifier, its own nats-server,
 * a fresh PostgreSQL schema, the fake GitHub, Slack and vendor as processes) driven by signed
 * webhooks for N pull requests while it SIGKILLs random replicas and restarts them, kills and
 * restarts the NATS server once, kills the notifiers right after a GitHub create, redelivers about
 * 10% of the webhooks, pushes to some pull requests under review, and has the vendor fail 30% of
 * calls. Then it waits (bounded) for every accepted run to end and counts, from the fakes' state,
 * what was lost or written twice. Prints a table, then one JSON line; exits 1 on any loss or
 * duplicate, or when a fault it was to inject was not injected. See docs/reliability.md ("Chaos").
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { seededRandom } from '@agentflow/contracts';
import type { FakePrFile, SeedPullRequest } from '@agentflow/fake-platforms';
import type { VendorScript } from '@agentflow/fake-vendor';
import { Stack, type StackService } from '../../test/e2e/stack/stack';
import { pullRequestPayload, sendSignedWebhook } from '../../test/e2e/stack/webhooks';

const { values: args } = parseArgs({
  options: {
    prs: { type: 'string', default: '200' },
    minutes: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    'kill-every-ms': { type: 'string', default: '4000' },
    'vendor-fault-rate': { type: 'string', default: '0.3' },
  },
});
const PRS = Number(args.prs);
const MINUTES = Number(args.minutes);
const KILL_EVERY_MS = Number(args['kill-every-ms']);
const FAULT_RATE = Number(args['vendor-fault-rate']);
const seed = Number(args.seed) >>> 0;
for (const [name, v] of [
  ['--prs', PRS],
  ['--minutes', MINUTES],
  ['--kill-every-ms', KILL_EVERY_MS],
] as const) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number; got ${String(v)}`);
}

/** A seeded sequence, so a chaos run's choices repeat with `--seed`. */
const random = seededRandom(seed);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) =>
  process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** Services run as two replicas and killed at random (the ingress stays one, the webhooks' door). */
const KILLED: readonly StackService[] = ['coordinator', 'agents', 'gateway', 'notifier'];
const MEASURED: readonly StackService[] = ['ingress', 'coordinator', 'agents', 'gateway', 'notifier'];
const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'superseded']);
/** The vendor's faults, in even shares of the 30%: every kind the gateway must ride out. */
const VENDOR_FAULTS: VendorScript[] = [
  { kind: 'rate-limit', retryAfterSeconds: 1 },
  { kind: 'server-error' },
  { kind: 'overloaded' },
  { kind: 'hang' },
  { kind: 'cut', afterEvents: 2 },
];
/** A hanging call ends at the provider's timeout; shorter than the shipped 120 s so a run sees several. */
const VENDOR_TIMEOUT_MS = 15_000;
const NOTIFIER_KILLS_AFTER_WRITE = 3;
/** The stack's `SLACK_ALERT_CHANNEL`. */
const ALERT_CHANNEL = '#agentflow-alerts';

interface Sent {
  deliveryId: string;
  event: string;
  action: string;
  payload: unknown;
  pr: number;
  repo: string;
  sentAt: number;
  accepted: boolean;
  status: number;
  attempts: number;
}

/**
 * The file each pull request adds, so no two pull requests carry the same change: with one diff
 * for all, the gateway's cache would answer all but the first few and the vendor's faults would
 * hardly be met. Beside the sample's first changed source, in its language.
 */
function uniqueChange(
  files: readonly FakePrFile[],
  number: number,
  revision: number,
): { path: string; text: string } {
  const source = files.find((f) => /\.(kt|swift)$/.test(f.filename) && f.status !== 'removed');
  if (!source)
    throw new Error('the sample pull request changes no Kotlin or Swift source to add a file beside');
  const dir = source.filename.slice(0, source.filename.lastIndexOf('/') + 1);
  const limit = number * 10 + revision;
  const text = source.filename.endsWith('.kt')
    ? `internal fun orderSize${number}(total: Int): String =\n    if (total > ${limit}) "large" else "small"\n`
    : `func orderSize${number}(total: Int) -> String {\n    total > ${limit} ? "large" : "small"\n}\n`;
  return { path: `${dir}OrderSize${number}.${source.filename.endsWith('.kt') ? 'kt' : 'swift'}`, text };
}

/**
 * A commit on top of `parent` that adds `change`, written with a private index so the working tree
 * the agents read is not touched; returns the head and the pull request's files and contents.
 */
function commitOn(
  checkout: string,
  base: SeedPullRequest,
  parent: string,
  change: { path: string; text: string },
  message: string,
  ref: string,
): Pick<SeedPullRequest, 'headSha' | 'files' | 'contents'> {
  const env = {
    ...process.env,
    GIT_INDEX_FILE: join(checkout, '.git', `chaos-index-${ref}`),
    GIT_AUTHOR_NAME: 'dev',
    GIT_AUTHOR_EMAIL: 'dev@example.com',
    GIT_COMMITTER_NAME: 'dev',
    GIT_COMMITTER_EMAIL: 'dev@example.com',
  };
  const run = (args: string[], input?: string) =>
    execFileSync('git', ['-C', checkout, ...args], { encoding: 'utf8', env, input }).trim();
  run(['read-tree', base.headSha]);
  const blob = run(['hash-object', '-w', '--stdin'], change.text);
  run(['update-index', '--add', '--cacheinfo', `100644,${blob},${change.path}`]);
  const tree = run(['write-tree']);
  const sha = run(['commit-tree', tree, '-p', parent, '-m', message]);
  run(['update-ref', `refs/heads/${ref}`, sha]);
  const lines = change.text.trimEnd().split('\n');
  const added: FakePrFile = {
    filename: change.path,
    status: 'added',
    additions: lines.length,
    deletions: 0,
    patch: [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join('\n'),
  };
  return {
    headSha: sha,
    files: [...base.files.filter((f) => f.filename !== change.path), added],
    contents: { ...base.contents, [change.path]: change.text },
  };
}

/** The agents' reply bound for a gateway call (ADR 0078: 15 s) and its probe interval (a fifth of it). */
const REPLY_BOUND_MS = 15_000;
const PROBE_MS = REPLY_BOUND_MS / 5;

/**
 * The agents' warnings that no gateway replica answered a call within the reply bound (the one
 * serving it died), with how long each call had heard nothing: a step waits at most about the
 * bound after a gateway crash, never its whole deadline.
 */
function gatewayResends(logsDir: string): { count: number; maxSilentMs: number } {
  let count = 0;
  let maxSilentMs = 0;
  for (const file of readdirSync(logsDir).filter((f) => f.startsWith('agents-') && f.endsWith('.log'))) {
    for (const line of readFileSync(join(logsDir, file), 'utf8').split('\n')) {
      if (!line.includes('within the reply bound')) continue;
      try {
        const entry = JSON.parse(line) as { silentMs?: number };
        count += 1;
        maxSilentMs = Math.max(maxSilentMs, entry.silentMs ?? 0);
      } catch {
        // A line cut by the kill that ended its process.
      }
    }
  }
  return { count, maxSilentMs };
}

/** Resident memory of a process group (a service and every process it started), in MB. */
function groupRssMb(leader: number): number {
  let kb = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== leader) continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return Math.round(kb / 1024);
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function countBy<T>(xs: T[], key: (x: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const x of xs) out.set(key(x), (out.get(key(x)) ?? 0) + 1);
  return out;
}
const duplicatesOf = (counts: Map<string, number>) =>
  [...counts.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);

async function main(): Promise<void> {
  const began = Date.now();
  const deadline = began + MINUTES * 60_000;
  const stack = new Stack({
    replicas: { ingress: 1, coordinator: 2, agents: 2, gateway: 2, notifier: 2 },
    editConfig: (dir) => {
      const file = join(dir, 'providers.yml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(/timeoutMs: \d+/g, `timeoutMs: ${VENDOR_TIMEOUT_MS}`),
      );
    },
  });
  const stopStack = () => void stack.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopStack);
  process.once('SIGTERM', stopStack);
  try {
    await stack.start();
    log(`stack up in ${stack.startMs} ms (nats ${stack.natsUrl}, schema ${stack.schema})`);
    await run(stack, began, deadline);
  } finally {
    await stack.stop();
  }
}

async function run(stack: Stack, began: number, deadline: number): Promise<void> {
  // One head per pull request, alternating the two sample apps.
  const repoIds = new Map<string, number>();
  for (const s of stack.samples)
    repoIds.set(s.seed.repo, (await stack.github.repository(s.seed.owner, s.seed.repo)).id);
  const seeds: SeedPullRequest[] = [];
  for (let i = 0; i < PRS; i++) {
    const sample = stack.samples[i % stack.samples.length];
    const number = 1000 + i;
    const head = commitOn(
      sample.checkout,
      sample.seed,
      sample.seed.headSha,
      uniqueChange(sample.seed.files, number, 0),
      `pull request ${number}`,
      `pr-${number}`,
    );
    const pr = {
      ...sample.seed,
      ...head,
      number,
      headRef: `pr-${number}`,
      title: `${sample.seed.title} (${number})`,
    };
    await stack.github.seedPullRequest(pr);
    seeds.push(pr);
  }
  log(`${PRS} pull requests seeded`);
  await stack.vendor.faults('anthropic', FAULT_RATE, VENDOR_FAULTS, seed + 1);
  await stack.vendor.faults('openai', FAULT_RATE, VENDOR_FAULTS, seed + 2);

  const sendWindowMs = (deadline - Date.now()) * 0.45;
  const chaosUntil = Date.now() + (deadline - Date.now()) * 0.6;
  const sent: Sent[] = [];
  const kills: Record<string, number> = Object.fromEntries(KILLED.map((s) => [s, 0]));
  let notifierKillsAfterWrite = 0;
  let natsRestarts = 0;
  const restarting = new Set<string>();
  const peakRss: Record<string, number> = Object.fromEntries(MEASURED.map((s) => [s, 0]));
  const background: Promise<unknown>[] = [];
  let sending = true;

  const deliver = async (s: Sent) => {
    // GitHub redelivers a failed delivery (its own retry, or an admin's) with the same id.
    for (;;) {
      s.attempts += 1;
      const r = await sendSignedWebhook(
        stack.ingressUrl,
        stack.webhookSecret,
        s.event,
        s.payload,
        s.deliveryId,
      ).catch((e: unknown) => ({ status: 0, body: String(e) }));
      s.status = r.status;
      if (r.status >= 200 && r.status < 300) {
        s.accepted = true;
        return;
      }
      if (s.attempts >= 6) {
        log(
          `delivery ${s.deliveryId} (${s.event}.${s.action} #${s.pr}) answered ${r.status} ${r.body.slice(0, 200)} ${s.attempts} times; counted as not accepted`,
        );
        return;
      }
      await sleep(2000);
    }
  };
  const send = (seedPr: SeedPullRequest, action: string, deliveryId?: string, payload?: unknown): Sent => {
    const s: Sent = {
      deliveryId: deliveryId ?? randomUUID(),
      event: 'pull_request',
      action,
      payload: payload ?? pullRequestPayload(seedPr, action, repoIds.get(seedPr.repo)),
      pr: seedPr.number,
      repo: `${seedPr.owner}/${seedPr.repo}`,
      sentAt: Date.now(),
      accepted: false,
      status: 0,
      attempts: 0,
    };
    sent.push(s);
    background.push(deliver(s));
    return s;
  };

  // Peak RSS per service, each replica's process group sampled every second.
  const sampler = setInterval(() => {
    for (const service of MEASURED) {
      for (const p of stack.replicas(service))
        if (p.pid && p.running) peakRss[service] = Math.max(peakRss[service], groupRssMb(p.pid));
    }
  }, 1000);

  const restartLater = (service: StackService, index: number, afterMs: number) => {
    const name = `${service}-${index}`;
    restarting.add(name);
    background.push(
      (async () => {
        await sleep(afterMs);
        for (let attempt = 1; ; attempt++) {
          try {
            await stack.restart(service, index);
            break;
          } catch (error) {
            if (attempt >= 3) {
              log(`${name} did not come back after ${attempt} restarts: ${String(error).slice(0, 300)}`);
              break;
            }
            log(`${name} did not start (attempt ${attempt}); starting it again`);
          }
        }
        restarting.delete(name);
      })(),
    );
  };

  // Random replica kills: one replica at a time per service, restarted 1-3 s later.
  const killer = (async () => {
    while (Date.now() < chaosUntil) {
      await sleep(KILL_EVERY_MS * (0.5 + random()));
      if (!stack.natsRunning) continue;
      const candidates = KILLED.filter((service) =>
        stack.replicas(service).every((p) => p.running && !restarting.has(p.name)),
      );
      if (candidates.length === 0) continue;
      const service = pick(candidates);
      const index = 1 + Math.floor(random() * stack.replicas(service).length);
      await stack.kill(service, index);
      kills[service] += 1;
      log(`SIGKILL ${service}-${index}`);
      restartLater(service, index, 1000 + random() * 2000);
    }
  })();

  // The NATS server killed once, a third of the way into the sending, and restarted 3 s later.
  const natsChaos = (async () => {
    await sleep(sendWindowMs / 3);
    await stack.killNats();
    log('SIGKILL nats-server');
    await sleep(3000);
    await stack.restartNats();
    natsRestarts += 1;
    log('nats-server restarted');
  })();

  // Kills both notifiers as soon as the fake GitHub logs a create (a comment or a check run): the
  // write is done, the notifier's own record of it may not be. Three times, spread over the sending.
  const firstCommentSeen = new Map<string, number>();
  const watcher = (async () => {
    let since = 0;
    let armedAt = Date.now() + sendWindowMs / 6;
    while (sending || Date.now() < chaosUntil) {
      const requests = await stack.github.requests(since).catch(() => []);
      if (requests.length) since = requests[requests.length - 1].index + 1;
      const created = requests.filter(
        (r) => r.method === 'POST' && r.status < 300 && /\/(issues\/\d+\/comments|check-runs)$/.test(r.path),
      );
      for (const r of created) {
        const m = /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/.exec(r.path);
        if (m && !firstCommentSeen.has(`${m[1]}#${m[2]}`))
          firstCommentSeen.set(`${m[1]}#${m[2]}`, Date.now());
      }
      const notifiers = stack.replicas('notifier');
      if (
        created.length &&
        notifierKillsAfterWrite < NOTIFIER_KILLS_AFTER_WRITE &&
        Date.now() >= armedAt &&
        notifiers.every((p) => p.running && !restarting.has(p.name))
      ) {
        await Promise.all(notifiers.map((_, i) => stack.kill('notifier', i + 1)));
        notifierKillsAfterWrite += 1;
        kills.notifier += notifiers.length;
        log(
          `SIGKILL every notifier right after ${created[created.length - 1].method} ${created[created.length - 1].path}`,
        );
        notifiers.forEach((_, i) => restartLater('notifier', i + 1, 1000));
        armedAt = Date.now() + sendWindowMs / (NOTIFIER_KILLS_AFTER_WRITE + 1);
      }
      await sleep(50);
    }
  })();

  // The workload: the pull requests opened evenly over the sending window; about 10% redelivered
  // (same delivery id and body) a little later, about 10% pushed to while under review.
  const gap = sendWindowMs / PRS;
  for (const [i, seedPr] of seeds.entries()) {
    const opened = send(seedPr, 'opened');
    if (random() < 0.1) {
      background.push(
        sleep(500 + random() * 5000).then(() => send(seedPr, 'opened', opened.deliveryId, opened.payload)),
      );
    }
    if (random() < 0.1) {
      background.push(
        sleep(3000 + random() * 10_000).then(async () => {
          const sample = stack.sample(seedPr.repo);
          const pushed = commitOn(
            sample.checkout,
            sample.seed,
            seedPr.headSha,
            uniqueChange(sample.seed.files, seedPr.number, 1),
            `push to pull request ${seedPr.number}`,
            `pr-${seedPr.number}`,
          );
          await stack.github.push({
            owner: seedPr.owner,
            repo: seedPr.repo,
            number: seedPr.number,
            ...pushed,
          });
          send({ ...seedPr, ...pushed }, 'synchronize');
        }),
      );
    }
    if (i % 25 === 24) log(`${i + 1}/${PRS} pull requests opened`);
    await sleep(gap);
  }
  sending = false;
  await Promise.all([killer, natsChaos, watcher]);
  // Pushes and redeliveries scheduled last, and restarts, finish before the count.
  for (let done = 0; done < background.length; done = background.length)
    await Promise.all(background.slice(done));
  log(`sending done: ${sent.length} webhooks; waiting for every accepted run to end`);

  // Every accepted delivery matched, every run it started ended, no notifier delivery claimed.
  const accepted = sent.filter((s) => s.accepted);
  const ids = [...new Set(accepted.map((s) => s.deliveryId))];
  type Delivery = { delivery_id: string; outcome: string; run_ids: string[] };
  type Run = { id: string; status: string; error_code: string | null; pr: number | null; repo: string };
  let deliveries: Delivery[] = [];
  let runs: Run[] = [];
  let claimed = 0;
  for (;;) {
    deliveries = (
      await stack.db.query<Delivery>(
        'SELECT delivery_id, outcome, run_ids FROM webhook_deliveries WHERE delivery_id = ANY($1)',
        [ids],
      )
    ).rows;
    const runIds = [...new Set(deliveries.flatMap((d) => d.run_ids))];
    runs = (
      await stack.db.query<Run>('SELECT id, status, error_code, pr, repo FROM runs WHERE id = ANY($1)', [
        runIds,
      ])
    ).rows;
    claimed = Number(
      (
        await stack.db.query<{ n: string }>(
          "SELECT count(*) AS n FROM notifier_deliveries WHERE state = 'claimed'",
        )
      ).rows[0].n,
    );
    const matched = deliveries.length === ids.length && deliveries.every((d) => d.outcome !== 'received');
    const ended = runs.length === runIds.length && runs.every((r) => TERMINAL.has(r.status));
    if ((matched && ended && claimed === 0) || Date.now() > deadline + 60_000) break;
    await sleep(2000);
  }
  await sleep(3000); // the last sinks' writes land
  clearInterval(sampler);

  const state = await stack.github.state();
  const messages = await stack.slack.messages();
  const resends = gatewayResends(stack.logsDir);
  // Alerts go to one channel; a run-failure alert for a run that did not fail is a false alarm.
  const alertTexts = messages.filter((m) => m.channel === ALERT_CHANNEL).map((m) => m.text);
  const failureAlerts = alertTexts.filter((t) => / failed on /.test(t));
  const served = [...(await stack.vendor.served('anthropic')), ...(await stack.vendor.served('openai'))];
  const dead = await deadLetters(stack);

  const runIds = [...new Set(deliveries.flatMap((d) => d.run_ids))];
  const byId = new Map(runs.map((r) => [r.id, r]));
  const lostRuns = runIds.filter((id) => !TERMINAL.has(byId.get(id)?.status ?? ''));
  const lostDeliveries = ids.filter(
    (id) => !deliveries.some((d) => d.delivery_id === id && d.outcome !== 'received'),
  );
  const prKeys = [...new Set(accepted.map((s) => `${s.repo}#${s.pr}`))];
  const sticky = state.issueComments.filter((c) => c.body.includes('<!-- agentflow:pr-comment -->'));
  const stickyByPr = countBy(sticky, (c) => `${c.repo}#${c.issue_number}`);
  const prsWithoutComment = prKeys.filter((k) => !stickyByPr.has(k));
  const failedByReason = Object.fromEntries(
    countBy(
      runs.filter((r) => r.status === 'failed'),
      (r) => r.error_code ?? 'unknown',
    ),
  );

  const latencies = accepted
    .filter((s) => s.action === 'opened' && s.attempts > 0)
    .map((s) => {
      const first = sticky
        .filter((c) => `${c.repo}#${c.issue_number}` === `${s.repo}#${s.pr}`)
        .map((c) => Date.parse(c.created_at));
      return first.length ? Math.min(...first) - s.sentAt : undefined;
    })
    .filter((x): x is number => x !== undefined && x >= 0)
    .sort((a, b) => a - b);
  // A redelivery's own send time is later than the first; keep the first send per pull request.
  const vendorFaults = Object.fromEntries(
    countBy(
      served.filter((r) => r.outcome !== 'reply'),
      (r) => r.outcome,
    ),
  );

  const result = {
    prs: PRS,
    minutes: MINUTES,
    seed: Number(args.seed),
    elapsedS: Math.round((Date.now() - began) / 1000),
    webhooks: {
      sent: sent.length,
      accepted: accepted.length,
      notAccepted: sent.length - accepted.length,
      attempts: sent.reduce((n, s) => n + s.attempts, 0),
      redeliveries: sent.filter((s, i) => sent.findIndex((x) => x.deliveryId === s.deliveryId) !== i).length,
      synchronize: sent.filter((s) => s.action === 'synchronize').length,
      outcomes: Object.fromEntries(countBy(deliveries, (d) => d.outcome)),
    },
    runs: {
      started: runIds.length,
      completed: runs.filter((r) => r.status === 'completed').length,
      superseded: runs.filter((r) => r.status === 'superseded').length,
      cancelled: runs.filter((r) => r.status === 'cancelled').length,
      failed: runs.filter((r) => r.status === 'failed').length,
      failedByReason,
    },
    lost: {
      runs: lostRuns.length,
      deliveries: lostDeliveries.length,
      prsWithoutComment: prsWithoutComment.length,
      claimedNotifierDeliveries: claimed,
    },
    duplicates: {
      stickyComments: duplicatesOf(stickyByPr),
      checkRuns: duplicatesOf(
        countBy(
          state.checkRuns.filter((c) => c.external_id),
          (c) => `${c.external_id}|${c.name}`,
        ),
      ),
      inlineComments: duplicatesOf(
        countBy(
          state.reviewComments,
          (c) => `${c.repo}#${c.pull_number}|${c.commit_id}|${c.path}|${c.line}|${c.body}`,
        ),
      ),
      slackMessages: duplicatesOf(
        countBy(
          messages.filter((m) => m.metadata?.event_payload?.key !== undefined),
          (m) => String(m.metadata?.event_payload?.key),
        ),
      ),
    },
    alerts: {
      total: alertTexts.length,
      runFailures: failureAlerts.length,
      falseRunFailures: Math.max(0, failureAlerts.length - runs.filter((r) => r.status === 'failed').length),
      outageStarts: alertTexts.filter((t) => t.startsWith('AI vendor outage started')).length,
      outageEnds: alertTexts.filter((t) => t.startsWith('AI vendor outage ended')).length,
    },
    gatewayResends: resends,
    deadLetters: dead,
    webhookToCommentMs: {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      samples: latencies.length,
    },
    peakRssMb: peakRss,
    faults: {
      kills,
      notifierKillsAfterWrite,
      natsRestarts,
      vendor: vendorFaults,
      vendorCalls: served.length,
    },
    failures: [] as string[],
  };

  const failures = result.failures;
  if (lostRuns.length)
    failures.push(
      `${lostRuns.length} runs never ended: ${lostRuns
        .slice(0, 10)
        .map((id) => `${id} (${byId.get(id)?.status ?? 'no row'})`)
        .join(', ')}`,
    );
  if (lostDeliveries.length)
    failures.push(
      `${lostDeliveries.length} accepted deliveries never matched: ${lostDeliveries.slice(0, 10).join(', ')}`,
    );
  if (prsWithoutComment.length)
    failures.push(
      `${prsWithoutComment.length} pull requests have no sticky comment: ${prsWithoutComment.slice(0, 10).join(', ')}`,
    );
  if (claimed) failures.push(`${claimed} notifier deliveries left claimed`);
  for (const [kind, n] of Object.entries(result.duplicates))
    if (n > 0) failures.push(`${n} duplicate ${kind}`);
  for (const service of KILLED) if (kills[service] < 1) failures.push(`no ${service} replica was killed`);
  if (notifierKillsAfterWrite < 1) failures.push('no notifier was killed right after a platform write');
  if (natsRestarts < 1) failures.push('the NATS server was not killed and restarted');
  for (const f of VENDOR_FAULTS)
    if (!vendorFaults[f.kind]) failures.push(`the vendor never answered with ${f.kind}`);
  if (result.alerts.falseRunFailures > 0)
    failures.push(`${result.alerts.falseRunFailures} run-failure alerts for runs that did not fail`);
  if (result.runs.cancelled > 0)
    failures.push(`${result.runs.cancelled} runs ended cancelled; nobody cancelled any`);
  if (resends.count < 1) failures.push('no gateway replica was killed during a call (no resend was needed)');
  if (resends.maxSilentMs > REPLY_BOUND_MS + 2 * PROBE_MS)
    failures.push(
      `a gateway call heard nothing for ${resends.maxSilentMs} ms before it was resent; the bound is ${REPLY_BOUND_MS} ms`,
    );
  if (sent.length - accepted.length > 0)
    failures.push(`${sent.length - accepted.length} webhooks were never accepted`);

  const rows: Array<[string, string]> = [
    [
      'webhooks sent / accepted',
      `${result.webhooks.sent} / ${result.webhooks.accepted} (${result.webhooks.redeliveries} redeliveries, ${result.webhooks.synchronize} pushes)`,
    ],
    [
      'runs started / completed / superseded / failed',
      `${result.runs.started} / ${result.runs.completed} / ${result.runs.superseded} / ${result.runs.failed} ${JSON.stringify(failedByReason)}`,
    ],
    [
      'lost runs / deliveries / comments',
      `${lostRuns.length} / ${lostDeliveries.length} / ${prsWithoutComment.length}`,
    ],
    ['duplicates (sticky, checks, inline, slack)', Object.values(result.duplicates).join(', ')],
    ['dead letters', `${dead.count} ${JSON.stringify(dead.byReason)}`],
    [
      'alerts (run failures, false, outage start/end)',
      `${result.alerts.runFailures}, ${result.alerts.falseRunFailures}, ${result.alerts.outageStarts}/${result.alerts.outageEnds} of ${result.alerts.total}`,
    ],
    ['gateway resends, longest silence', `${resends.count}, ${resends.maxSilentMs} ms`],
    [
      'webhook to comment p50 / p99',
      `${result.webhookToCommentMs.p50 ?? '-'} / ${result.webhookToCommentMs.p99 ?? '-'} ms`,
    ],
    ['peak RSS MB', MEASURED.map((s) => `${s} ${peakRss[s]}`).join(', ')],
    [
      'kills',
      `${JSON.stringify(kills)}; after a write ${notifierKillsAfterWrite}; NATS restarts ${natsRestarts}`,
    ],
    ['vendor faults', `${JSON.stringify(vendorFaults)} of ${served.length} calls`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
  for (const f of failures) process.stdout.write(`FAIL ${f}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exitCode = failures.length ? 1 : 0;
}

/** The dead-letter stream's messages, by the reason each carries (`af-dlq-reason`). */
async function deadLetters(stack: Stack): Promise<{ count: number; byReason: Record<string, number> }> {
  const nc = await connect({ servers: stack.natsUrl, timeout: 5000 });
  try {
    const jsm = await jetstreamManager(nc);
    const name = `${stack.busPrefix.toUpperCase().replace(/[^A-Z0-9_-]/g, '_')}_DLQ`;
    const info = await jsm.streams.info(name).catch(() => undefined);
    if (!info) return { count: 0, byReason: {} };
    const reasons: string[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(name, { seq }).catch(() => null);
      if (m) reasons.push((m.header?.get('af-dlq-reason') || 'unknown').slice(0, 120));
    }
    return { count: info.state.messages, byReason: Object.fromEntries(countBy(reasons, (r) => r)) };
  } finally {
    await nc.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `chaos failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
