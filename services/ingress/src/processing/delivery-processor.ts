/**
 * The consumer side of `af.webhooks.*`: reads what a delivery means, fetches what the payload lacks
 * (changed files, the PR head for a command), matches triggers and requests runs; CI results go to
 * `af.ci.<platform>`, dismissals to `af.runs.dismissed`, a review thread resolved by a person is
 * recorded against its finding, and a closed PR has its outcome (merged or closed) recorded, the
 * findings still open at a merge marked, and its runs cancelled. Every delivery ends recorded as matched (with its runs) or
 * ignored (with a reason). Transient failures are thrown for the bus to retry; on the last attempt the failure
 * itself becomes the recorded reason, so no event is lost silently.
 */
import {
  describeError,
  dismissalMessageId,
  isRetryable,
  type ChangeRef,
  type FindingDismissed,
  type RunCancel,
  type Topology,
  type WebhookReceived,
} from '@agentflow/contracts';
import type { Messenger } from '@agentflow/bus';
import { isSqlDataError } from '@agentflow/store';
import { formatDiagnostic, type NormalizedEvent } from '@agentflow/workflow';
import { HELP_TEXT } from '../events/commands';
import { readGitHubEvent } from '../events/github-events';
import { readGitLabEvent } from '../events/gitlab-events';
import type {
  ChangedFile,
  ChangeEvent,
  ClosedEvent,
  CommandEvent,
  IngressEvent,
  PushEvent,
  ReactionEvent,
  ThreadResolutionEvent,
} from '../events/types';
import { storable, storableJson } from '../input/text';
import type { IngressLog } from '../log';
import type { ConfigProblemReporter, PlatformClient, PlatformClients } from '../platform/platform-client';
import type { ConfigProblemReports } from './config-problems';
import type { CoverageGate } from '../coverage/coverage-gate';
import type { RunRequester, TriggerSource } from '../runs/run-requester';
import type { TriggerMatcher } from '../trigger/trigger-matcher';
import type { DeliveryLog, DeliveryRecord } from '../webhooks/delivery-log';
import { MIN_FINGERPRINT_PREFIX, type DismissalStore } from './dismissals';
import type { FindingSignalStore } from './finding-signals';
import type { PullRequestOutcomeStore } from './pull-request-outcomes';
import { countWebhook } from '../webhooks/webhook-metrics';

export interface ProcessorDeps {
  platforms: PlatformClients;
  matcher: TriggerMatcher;
  runs: RunRequester;
  deliveries: DeliveryLog;
  dismissals: DismissalStore;
  outcomes: PullRequestOutcomeStore;
  /** What people did with findings (threads resolved, findings open at merge), for `agentflow usefulness`. */
  signals: FindingSignalStore;
  /** Shows problems of a repository's `.agentflow/` files on the pull request. */
  configReports: ConfigProblemReports;
  /** Who shows them, by platform (the platform clients). */
  reporters: Partial<Record<ChangeRef['platform'], ConfigProblemReporter>>;
  /** Coverage CI reported per head, and the workflows that wait for it. */
  coverage: CoverageGate;
  messenger: Messenger;
  topology: Topology;
  log: IngressLog;
}

export interface ProcessOutcome {
  /** `rejected`: the input itself makes the delivery impossible (not JSON, a value the database refuses); the detail says why. */
  outcome: 'matched' | 'ignored' | 'rejected';
  runIds: string[];
  detail: string;
}

export class DeliveryProcessor {
  constructor(private readonly deps: ProcessorDeps) {}

  /** `finalAttempt`: no redelivery follows, so a failure is recorded instead of thrown. */
  async process(delivery: WebhookReceived, finalAttempt = false): Promise<ProcessOutcome> {
    const record: DeliveryRecord = {
      platform: delivery.platform,
      deliveryId: delivery.deliveryId,
      event: delivery.event,
      receivedAt: new Date(delivery.receivedAt),
    };
    let outcome: ProcessOutcome;
    try {
      outcome = await this.route(delivery);
    } catch (error) {
      // A data exception (SQLSTATE class 22) fails the same way on every redelivery: record it now.
      const permanent = isSqlDataError(error);
      if (isRetryable(error) && !permanent && !finalAttempt) throw error;
      outcome = permanent
        ? {
            outcome: 'rejected',
            runIds: [],
            detail: `rejected: the database refused a value of the payload (${describeError(error)})`,
          }
        : { outcome: 'ignored', runIds: [], detail: `could not be processed: ${describeError(error)}` };
      this.deps.log.error(
        `delivery ${delivery.deliveryId} (${delivery.event}) failed for good: ${describeError(error)}`,
      );
      countWebhook(delivery.platform, 'failed');
    }
    await this.settle(record, outcome);
    return outcome;
  }

  /**
   * The delivery record is what recognises a redelivery, so it must be written whatever the payload
   * held: when the database refuses the outcome's text, the record is written again with a plain
   * rejection (the run ids kept), never left out.
   */
  private async settle(record: DeliveryRecord, outcome: ProcessOutcome): Promise<void> {
    try {
      await this.deps.deliveries.settle(record, outcome.outcome, outcome.runIds, outcome.detail);
    } catch (error) {
      if (!isSqlDataError(error)) throw error;
      this.deps.log.error(
        `delivery ${record.deliveryId}: its outcome could not be recorded as is: ${describeError(error)}`,
      );
      const detail = `rejected: the outcome (${outcome.outcome}) could not be recorded: ${describeError(error)}`;
      await this.deps.deliveries.settle(
        { ...record, event: storable(record.event) },
        outcome.runIds.length ? outcome.outcome : 'rejected',
        outcome.runIds,
        detail,
      );
    }
  }

  private async route(delivery: WebhookReceived): Promise<ProcessOutcome> {
    let payload: Record<string, unknown>;
    try {
      // Strings are made storable once, here, so no field read from the payload can carry a NUL or
      // an unpaired surrogate into a table (see input/text.ts).
      payload = storableJson(JSON.parse(delivery.payload) as unknown) as Record<string, unknown>;
    } catch {
      return { outcome: 'rejected', runIds: [], detail: 'rejected: the payload is not JSON' };
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
      return { outcome: 'rejected', runIds: [], detail: 'rejected: the payload is not a JSON object' };
    const event: IngressEvent =
      delivery.platform === 'github'
        ? readGitHubEvent(delivery.event, payload)
        : readGitLabEvent(delivery.event, payload);
    const source: TriggerSource = { kind: 'webhook', id: `${delivery.platform}:${delivery.deliveryId}` };
    switch (event.kind) {
      case 'ignored':
        return { outcome: 'ignored', runIds: [], detail: event.reason };
      case 'ci':
        await this.deps.messenger.emit(
          this.deps.topology.subjects.ci(event.ci.platform),
          'ci.event',
          event.ci,
          { msgId: `ci:${delivery.platform}:${delivery.deliveryId}` },
        );
        return {
          outcome: 'matched',
          runIds: [],
          detail: `${event.ci.name} ${event.ci.conclusion} on ${event.ci.headSha.slice(0, 12)} forwarded to ${this.deps.topology.subjects.ci(event.ci.platform)}`,
        };
      case 'change':
        return this.change(event, source);
      case 'push':
        return this.push(event, source);
      case 'command':
        return this.command(event, source);
      case 'closed':
        return this.closed(event, delivery);
      case 'reaction':
        return this.reaction(event);
      case 'thread':
        return this.thread(event, delivery);
    }
  }

  /** A person resolved (or unresolved) the review thread of one of agentflow's inline comments. */
  private async thread(event: ThreadResolutionEvent, delivery: WebhookReceived): Promise<ProcessOutcome> {
    const how = event.resolved ? 'resolved' : 'unresolved';
    const found = await this.deps.signals.threadResolution({
      ...event,
      at: new Date(delivery.receivedAt),
      deliveryId: delivery.deliveryId,
    });
    const where = `${event.repo}#${event.pr}`;
    if (found.fingerprints.length === 0)
      return {
        outcome: 'ignored',
        runIds: [],
        detail: `review thread on ${where} ${how} by ${event.actor}: not an agentflow finding`,
      };
    const ids = found.fingerprints.map((f) => f.slice(0, 12)).join(', ');
    if (found.recorded === 0) {
      // The comment is recorded but its finding is not (the database sink has not written the run, or failed): nothing to attach the signal to.
      this.deps.log.warn(
        `review thread on ${where} ${how} by ${event.actor}: finding ${ids} is not stored yet (the run's result not written); the signal is not recorded (check the notifier's database sink)`,
      );
      return {
        outcome: 'ignored',
        runIds: [],
        detail: `review thread on ${where} ${how} by ${event.actor}: finding ${ids} not stored, signal not recorded`,
      };
    }
    return {
      outcome: 'ignored',
      runIds: [],
      detail: `finding ${ids} on ${where}: thread ${how} by ${event.actor}`,
    };
  }

  /** A 👎 from someone with write access on one of agentflow's inline comments dismisses its finding. */
  private async reaction(event: ReactionEvent): Promise<ProcessOutcome> {
    const fingerprint = await this.deps.dismissals.findingOfComment(
      event.platform,
      event.repo,
      event.pr,
      event.commentId,
    );
    if (!fingerprint)
      return {
        outcome: 'ignored',
        runIds: [],
        detail: `reaction on comment ${event.commentId}, which is not an agentflow finding`,
      };
    const client = this.platform(event.platform);
    const address = { repo: event.repo, pr: event.pr, projectId: event.projectId };
    if (!(await client.canWrite(address, { login: event.reactor, id: event.reactorId }))) {
      return {
        outcome: 'ignored',
        runIds: [],
        detail: `thumbs-down from ${event.reactor} ignored: dismissing needs write access to ${event.repo}`,
      };
    }
    await this.deps.dismissals.dismiss({
      platform: event.platform,
      repo: event.repo,
      pr: event.pr,
      fingerprint,
      by: event.reactor,
      source: 'reaction',
    });
    await this.announceDismissal({
      platform: event.platform,
      repo: event.repo,
      pr: event.pr,
      fingerprint,
      by: event.reactor,
      reason: 'thumbs-down',
    });
    return {
      outcome: 'ignored',
      runIds: [],
      detail: `finding ${fingerprint} dismissed by ${event.reactor} (thumbs-down)`,
    };
  }

  /** The notifier hides a dismissed finding through the table; the coordinator leaves it out of every later report. */
  private async announceDismissal(dismissed: FindingDismissed): Promise<void> {
    await this.deps.messenger.emit(
      this.deps.topology.subjects.findingDismissed,
      'finding.dismissed',
      dismissed,
      { msgId: dismissalMessageId(dismissed) },
    );
  }

  /**
   * A closed or merged PR needs no review: each of its unfinished runs gets `run.cancel`. The
   * coordinator ends a run that is still going (and ignores one already finished), so a backlog
   * built up during an outage only reviews PRs that are still open. The outcome is recorded first,
   * for the cost per merged PR; a database failure is thrown before any cancel goes out, and the
   * retry does both.
   */
  private async closed(event: ClosedEvent, delivery: WebhookReceived): Promise<ProcessOutcome> {
    const recorded = await this.deps.outcomes.record({
      platform: event.platform,
      repo: event.repo,
      pr: event.pr,
      outcome: event.how,
      endedAt: new Date(delivery.receivedAt),
      deliveryId: delivery.deliveryId,
    });
    const openAtMerge =
      event.how === 'merged'
        ? await this.deps.signals.openAtMerge({
            ...event,
            at: new Date(delivery.receivedAt),
            deliveryId: delivery.deliveryId,
          })
        : 0;
    const runs = await this.deps.runs.unfinishedRuns(event.platform, event.repo, event.pr);
    const reason = `pull request ${event.how}`;
    for (const run of runs) {
      const cancel: RunCancel = { runId: run.runId, reason };
      await this.deps.messenger.emit(this.deps.topology.subjects.runCancel(run.runId), 'run.cancel', cancel, {
        runId: run.runId,
        msgId: `run-cancel:${run.runId}:pr-${event.how}`,
      });
    }
    const where = `${event.repo}#${event.pr}`;
    const cancelled = runs.length
      ? `cancelled ${runs.map((r) => `${r.workflow} -> ${r.runId}`).join(', ')}`
      : 'no run in flight';
    const kept = recorded ? '' : ' (an earlier merge or a later close stays its recorded outcome)';
    const open = openAtMerge ? `; ${openAtMerge} finding(s) open at merge` : '';
    return { outcome: 'ignored', runIds: [], detail: `${where} ${event.how}: ${cancelled}${open}${kept}` };
  }

  private platform(name: ChangeRef['platform']): PlatformClient {
    const client = this.deps.platforms[name];
    if (!client)
      throw Object.assign(
        new Error(`${name} API access is not configured (set its token or App credentials)`),
        { retryable: false },
      );
    return client;
  }

  private async change(event: ChangeEvent, source: TriggerSource): Promise<ProcessOutcome> {
    const client = this.platform(event.change.platform);
    const address = {
      repo: event.change.repo,
      pr: event.change.pr!,
      installationId: event.change.installationId,
      projectId: event.change.projectId,
    };
    let change = event.change;
    if (!change.baseSha) {
      // GitLab hooks carry no base commit; the MR's diff refs have it.
      const info = await client.pullRequest(address);
      change = { ...change, baseSha: info.baseSha, headSha: change.headSha || info.headSha };
    }
    const files = await client.changedFiles(address);
    const normalized: NormalizedEvent = {
      platform: change.platform,
      kind: 'pull_request',
      action: event.action,
      repo: change.repo,
      pr: change.pr,
      baseBranch: change.baseRef,
      headBranch: change.headRef,
      headSha: change.headSha,
      author: change.author,
      draft: event.draft,
      labels: event.labels,
      files,
    };
    return this.requestRuns(source, change, event.trigger, 'pr', normalized, event.previousHeadSha);
  }

  private async push(event: PushEvent, source: TriggerSource): Promise<ProcessOutcome> {
    const client = this.platform(event.change.platform);
    const files: ChangedFile[] | undefined = event.change.baseSha
      ? await client.compareFiles(
          {
            repo: event.change.repo,
            installationId: event.change.installationId,
            projectId: event.change.projectId,
          },
          event.change.baseSha,
          event.change.headSha,
        )
      : undefined;
    const normalized: NormalizedEvent = {
      platform: event.change.platform,
      kind: 'push',
      repo: event.change.repo,
      headBranch: event.change.headRef,
      baseBranch: event.change.headRef,
      headSha: event.change.headSha,
      author: event.change.author,
      files,
    };
    return this.requestRuns(source, event.change, 'push', `push:${source.id}`, normalized);
  }

  private async command(event: CommandEvent, source: TriggerSource): Promise<ProcessOutcome> {
    const client = this.platform(event.platform);
    const address = {
      repo: event.repo,
      pr: event.pr,
      installationId: event.installationId,
      projectId: event.projectId,
    };
    if (!(await client.canWrite(address, { login: event.commenter, id: event.commenterId }))) {
      return {
        outcome: 'ignored',
        runIds: [],
        detail: `/agentflow ${event.typed} from ${event.commenter} ignored: commands need write access to ${event.repo}`,
      };
    }
    if (event.command === 'help') {
      const prefix = event.typed === 'help' ? '' : `\`${event.typed}\` is not an agentflow command.\n\n`;
      await client.comment(address, prefix + HELP_TEXT);
      return { outcome: 'ignored', runIds: [], detail: `/agentflow ${event.typed}: help posted` };
    }
    if (event.command === 'dismiss') {
      const id = event.args[0] ?? '';
      if (!/^[0-9a-zA-Z:_-]+$/.test(id) || id.length < MIN_FINGERPRINT_PREFIX) {
        await client.comment(
          address,
          `\`/agentflow dismiss\` needs the finding id shown under the finding (at least ${MIN_FINGERPRINT_PREFIX} characters).`,
        );
        return { outcome: 'ignored', runIds: [], detail: 'dismiss without a valid finding id' };
      }
      await this.deps.dismissals.dismiss({
        platform: event.platform,
        repo: event.repo,
        pr: event.pr,
        fingerprint: id,
        by: event.commenter,
        source: 'command',
      });
      await this.announceDismissal({
        platform: event.platform,
        repo: event.repo,
        pr: event.pr,
        fingerprint: id,
        by: event.commenter,
        reason: 'command',
      });
      return { outcome: 'ignored', runIds: [], detail: `finding ${id} dismissed by ${event.commenter}` };
    }
    const info = await client.pullRequest(address);
    if (info.state !== 'open')
      return {
        outcome: 'ignored',
        runIds: [],
        detail: `/agentflow ${event.command} on a ${info.state} pull request`,
      };
    const change: ChangeRef = {
      platform: event.platform,
      repo: event.repo,
      pr: event.pr,
      headSha: info.headSha,
      baseSha: info.baseSha,
      headRef: info.headRef,
      baseRef: info.baseRef,
      author: info.author,
      title: info.title,
      installationId: event.installationId,
      projectId: event.projectId,
    };
    const files = await client.changedFiles(address);
    const normalized: NormalizedEvent = {
      platform: event.platform,
      kind: 'issue_comment',
      repo: event.repo,
      pr: event.pr,
      baseBranch: info.baseRef,
      headBranch: info.headRef,
      headSha: info.headSha,
      author: event.commenter,
      draft: info.draft,
      labels: info.labels,
      files,
      comment: `/agentflow ${event.command}${event.args.length ? ' ' + event.args.join(' ') : ''}`,
    };
    return this.requestRuns(
      source,
      change,
      `issue_comment:/agentflow ${event.command}`,
      `comment:${event.commentId}`,
      normalized,
    );
  }

  private async requestRuns(
    source: TriggerSource,
    change: ChangeRef,
    trigger: string,
    triggerKey: string,
    normalized: NormalizedEvent,
    previousHeadSha?: string,
  ): Promise<ProcessOutcome> {
    const at = {
      platform: change.platform,
      repo: change.repo,
      baseSha: change.baseSha,
      installationId: change.installationId,
      projectId: change.projectId,
    };
    // CI may have reported the head's coverage before this event was matched.
    if (normalized.coverage === undefined && change.headSha) {
      const coverage = await this.deps.coverage.known(change.platform, change.repo, change.headSha);
      if (coverage !== undefined) normalized = { ...normalized, coverage };
    }
    const decision = await this.deps.matcher.match(normalized, at);
    if (decision.awaitingCoverage.length) {
      await this.deps.coverage.hold({
        source,
        change,
        trigger,
        triggerKey,
        event: normalized,
        previousHeadSha,
        plans: decision.awaitingCoverage,
      });
      const waiting = new Set(decision.awaitingCoverage.map((p) => p.id));
      const reason = this.deps.coverage.waitingReason(change.headSha);
      decision.skipped = decision.skipped.map((s) =>
        waiting.has(s.workflow) ? { workflow: s.workflow, reason } : s,
      );
    }
    const runs = await this.deps.runs.request({
      source,
      change,
      trigger,
      triggerKey,
      fired: decision.fired,
      skipped: decision.skipped,
      rollout: decision.rollout,
      dataClass: decision.dataClass,
      team: decision.team,
      project: decision.project,
      previousHeadSha,
    });
    if (decision.configProblems.length) {
      // A shadow repository is not posted to; its problems go to the log only.
      if (decision.rollout === 'shadow' || decision.rollout === 'off') {
        this.deps.log.warn(
          `${change.repo}: .agentflow/ has ${decision.configProblems.length} problem(s), not posted (rollout ${decision.rollout}): ${decision.configProblems.map(formatDiagnostic).join('; ')}`,
        );
      } else
        await this.deps.configReports.report(
          this.deps.reporters[change.platform],
          change,
          decision.configProblems,
        );
    }
    const skipped = decision.skipped.map((s) => `${s.workflow}: ${s.reason}`).join('; ');
    if (runs.length === 0) {
      return {
        outcome: 'ignored',
        runIds: [],
        detail: skipped ? `no workflow fired (${skipped})` : 'no workflow is configured',
      };
    }
    return {
      outcome: 'matched',
      runIds: runs.map((r) => r.runId),
      detail: `${runs.map((r) => `${r.workflow} -> ${r.runId}`).join(', ')}${skipped ? `; skipped ${skipped}` : ''}`,
    };
  }
}
