/**
 * Every few minutes: (1) through the GitHub App's delivery API, redeliver deliveries that failed
 * and were never accepted since; (2) find open PRs whose head commit no workflow looked at (a
 * webhook lost upstream, the service down past GitHub's timeout) and request the run. Run ids are
 * the ones a webhook would have produced, so a late webhook and the reconciler never both run.
 */
import { describeError, type Platform } from '@agentflow/contracts';
import type { SqlDatabase } from '@agentflow/store';
import type { NormalizedEvent } from '@agentflow/workflow';
import type { Clock, IngressLog } from '../log';
import type { PlatformClients, RepoAddress } from '../platform/platform-client';
import type { RunRequester } from '../runs/run-requester';
import type { TriggerMatcher } from '../trigger/trigger-matcher';
import type { DeliveryLog } from '../webhooks/delivery-log';

/** What the reconciler needs of a GitHub App: its JWT-authenticated requests and its repositories. */
export interface GitHubAppAccess {
  request(
    route: string,
    params: Record<string, unknown>,
  ): Promise<{ data: unknown; headers: Record<string, unknown> }>;
  repositories(): AsyncIterable<{ repo: string; installationId: number }>;
}

export interface ReconcilerDeps {
  db: SqlDatabase;
  /** With an App: the delivery API and the installation's repositories. */
  github?: GitHubAppAccess;
  platforms: PlatformClients;
  matcher: TriggerMatcher;
  runs: RunRequester;
  deliveries: DeliveryLog;
  clock: Clock;
  log: IngressLog;
  /** Repositories to check when no App lists them (`platform:repo` or `repo` for GitHub). */
  repos: string[];
  /** Only deliveries this recent are redelivered (GitHub keeps three days). @default 3 days */
  redeliverWindowMs?: number;
  /** Delivery ids older than this are forgotten. @default 30 days */
  retentionMs?: number;
}

interface HookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
  redelivery: boolean;
}

export interface ReconcileReport {
  redelivered: number;
  runsRequested: number;
  pullRequestsChecked: number;
  pruned: number;
  errors: string[];
}

export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileReport> | undefined;

  constructor(private readonly deps: ReconcilerDeps) {}

  reconcile(): Promise<ReconcileReport> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      redelivered: 0,
      runsRequested: 0,
      pullRequestsChecked: 0,
      pruned: 0,
      errors: [],
    };
    const step = async (what: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (error) {
        report.errors.push(`${what}: ${describeError(error)}`);
        this.deps.log.warn(`reconciler: ${what} failed: ${describeError(error)}`);
      }
    };
    await step(
      'redeliver failed deliveries',
      async () => void (report.redelivered = await this.redeliverFailed()),
    );
    await step('find unreviewed pull requests', async () => {
      const { checked, requested } = await this.findUnreviewed();
      report.pullRequestsChecked = checked;
      report.runsRequested = requested;
    });
    await step('forget old delivery ids', async () => {
      report.pruned = await this.deps.deliveries.prune(
        new Date(this.deps.clock().getTime() - (this.deps.retentionMs ?? 30 * 86_400_000)),
      );
    });
    return report;
  }

  /** Redelivers each failed delivery (by GUID) once, unless a later attempt succeeded or we accepted it. */
  async redeliverFailed(): Promise<number> {
    const app = this.deps.github;
    if (!app) return 0;
    const since = this.deps.clock().getTime() - (this.deps.redeliverWindowMs ?? 3 * 86_400_000);
    const byGuid = new Map<string, HookDelivery[]>();
    let cursor: string | undefined;
    for (let page = 0; page < 20; page++) {
      const response = await app.request('GET /app/hook/deliveries', {
        per_page: 100,
        ...(cursor ? { cursor } : {}),
      });
      const list = response.data as HookDelivery[];
      for (const d of list) {
        if (Date.parse(d.delivered_at) < since) continue;
        byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
      }
      const next = /<[^>]*[?&]cursor=([^&>]+)[^>]*>;\s*rel="next"/.exec(
        String(response.headers.link ?? ''),
      )?.[1];
      const oldest = list[list.length - 1];
      if (!next || list.length === 0 || (oldest && Date.parse(oldest.delivered_at) < since)) break;
      cursor = decodeURIComponent(next);
    }
    let redelivered = 0;
    for (const [guid, attempts] of byGuid) {
      if (attempts.some((a) => a.status_code >= 200 && a.status_code < 300)) continue;
      if (await this.deps.deliveries.seen('github', guid)) continue;
      const latest = attempts.sort((a, b) => Date.parse(b.delivered_at) - Date.parse(a.delivered_at))[0];
      await app.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: latest.id });
      redelivered += 1;
    }
    if (redelivered)
      this.deps.log.log(`reconciler: asked GitHub to redeliver ${redelivered} failed deliveries`);
    return redelivered;
  }

  private async repositories(): Promise<Array<{ platform: Platform; address: RepoAddress }>> {
    const out: Array<{ platform: Platform; address: RepoAddress }> = [];
    if (this.deps.github) {
      for await (const { repo, installationId } of this.deps.github.repositories())
        out.push({ platform: 'github', address: { repo, installationId } });
    }
    for (const entry of this.deps.repos) {
      const [platform, repo] = entry.includes(':')
        ? (entry.split(':', 2) as [Platform, string])
        : (['github', entry] as [Platform, string]);
      if (!out.some((o) => o.platform === platform && o.address.repo === repo))
        out.push({ platform, address: { repo } });
    }
    return out;
  }

  /** Open, non-draft PRs whose head has no recorded trigger outcome get the run a webhook would have started. */
  async findUnreviewed(): Promise<{ checked: number; requested: number }> {
    let checked = 0;
    let requested = 0;
    for (const { platform, address } of await this.repositories()) {
      const client = this.deps.platforms[platform];
      if (!client) continue;
      for (const pr of await client.openPullRequests(address)) {
        checked += 1;
        if (pr.draft) continue;
        const { rows } = await this.deps.db.query(
          'SELECT 1 FROM ingress_trigger_outcomes WHERE platform = $1 AND repo = $2 AND pr = $3 AND head_sha = $4 LIMIT 1',
          [platform, address.repo, pr.pr, pr.headSha],
        );
        if (rows.length > 0) continue;
        const files = await client.changedFiles({ ...address, pr: pr.pr });
        const event: NormalizedEvent = {
          platform,
          kind: 'pull_request',
          action: 'synchronize',
          repo: address.repo,
          pr: pr.pr,
          baseBranch: pr.baseRef,
          headBranch: pr.headRef,
          headSha: pr.headSha,
          author: pr.author,
          draft: pr.draft,
          labels: pr.labels,
          files,
        };
        const decision = await this.deps.matcher.match(event, {
          platform,
          repo: address.repo,
          baseSha: pr.baseSha,
          installationId: address.installationId,
          projectId: address.projectId,
        });
        const change = {
          platform,
          repo: address.repo,
          pr: pr.pr,
          headSha: pr.headSha,
          baseSha: pr.baseSha,
          headRef: pr.headRef,
          baseRef: pr.baseRef,
          author: pr.author,
          title: pr.title,
          installationId: address.installationId,
          projectId: address.projectId,
        };
        const runs = await this.deps.runs.request({
          source: { kind: 'reconciler', id: `${platform}:${address.repo}#${pr.pr}@${pr.headSha}` },
          change,
          trigger: 'reconciler',
          triggerKey: 'pr',
          fired: decision.fired,
          skipped: decision.skipped,
          rollout: decision.rollout,
          dataClass: decision.dataClass,
          team: decision.team,
          project: decision.project,
        });
        if (runs.length)
          this.deps.log.log(
            `reconciler: ${address.repo}#${pr.pr} at ${pr.headSha.slice(0, 12)} had no review; requested ${runs.map((r) => r.runId).join(', ')}`,
          );
        requested += runs.length;
      }
    }
    return { checked, requested };
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.reconcile().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
