/**
 * PostgreSQL (PGlite when embedded): the run, its steps, and its findings tracked across pushes by
 * fingerprint (open, fixed, dismissed), as `libs/store` migrations define them. Writes are upserts,
 * so a redelivered message leaves the same rows.
 */
import type { RunReport, RunProgress } from '@agentflow/contracts';
import type { SqlDatabase, SqlExecutor } from '@agentflow/store';
import type { NotifierEvent } from '../../events';
import type { Sink, SinkResult } from '../sink';

export class DatabaseSink implements Sink {
  readonly name = 'database';

  constructor(private readonly db: SqlDatabase) {}

  target(event: NotifierEvent): string | null {
    return event.kind === 'push-files' || event.kind === 'alert' || event.kind === 'budget-alert'
      ? null
      : 'postgres';
  }

  async deliver(event: NotifierEvent): Promise<SinkResult> {
    switch (event.kind) {
      case 'progress':
        await this.progress(event.progress);
        return { state: 'delivered', detail: `step ${event.progress.stepId} ${event.progress.state}` };
      case 'completed':
        return this.store(event.report, 'completed');
      case 'failed':
        return this.store(
          event.report,
          event.failure.code === 'superseded'
            ? 'superseded'
            : event.failure.code === 'cancelled'
              ? 'cancelled'
              : 'failed',
          event.failure.code,
          event.failure.reason,
        );
      case 'gate-reassessment':
        return this.regated(event.regated.adjusted);
      default:
        return { state: 'skipped', detail: 'nothing to store' };
    }
  }

  /**
   * The run's row when the ingress did not write one (runs started by the CLI or another tool):
   * a progress message knows no trigger or team yet, so the row says `unknown` until the report,
   * which carries them, is stored.
   */
  private async ensureRun(
    tx: SqlExecutor,
    r: {
      runId: string;
      workflow: string;
      change: RunReport['change'];
      rollout?: string;
      trigger?: string;
      team?: string;
      project?: string;
    },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO runs (id, workflow, platform, repo, pr, head_sha, base_sha, trigger, team, project, rollout) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO NOTHING`,
      [
        r.runId,
        r.workflow,
        r.change.platform,
        r.change.repo,
        r.change.pr ?? null,
        r.change.headSha,
        r.change.baseSha ?? null,
        r.trigger ?? 'unknown',
        r.team ?? null,
        r.project ?? r.change.repo,
        r.rollout ?? 'comment',
      ],
    );
  }

  /**
   * A dismissal judged the run's gate again: the run's stored verdict follows, so the CI API and
   * `agentflow runs` say what the check now says. The dismissals themselves are already rows, and
   * `report` stays as published: later dismissals are judged against it.
   */
  private async regated(adjusted: RunReport): Promise<SinkResult> {
    const { rowCount } = await this.db.query(
      `UPDATE runs SET gate_conclusion = $2, updated_at = now() WHERE id = $1 AND gate_conclusion IS DISTINCT FROM $2`,
      [adjusted.runId, adjusted.gateConclusion],
    );
    return {
      state: 'delivered',
      detail: rowCount ? `gate ${adjusted.gateConclusion} after dismissals` : 'gate unchanged',
    };
  }

  private async progress(p: RunProgress): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.ensureRun(tx, { runId: p.runId, workflow: p.workflow, change: p.change });
      await tx.query(
        `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, now()), updated_at = now() WHERE id = $1 AND status = 'requested'`,
        [p.runId],
      );
      await tx.query(
        `INSERT INTO steps (run_id, step_id, agent_type, state, attempts, started_at) VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (run_id, step_id) DO UPDATE SET state = EXCLUDED.state, attempts = GREATEST(steps.attempts, EXCLUDED.attempts), updated_at = now()
           WHERE steps.state NOT IN ('succeeded', 'failed', 'skipped', 'timed_out', 'cancelled')`,
        [p.runId, p.stepId, p.stepId.split('.').pop(), p.state, p.attempt],
      );
    });
  }

  private async store(
    report: RunReport,
    status: string,
    errorCode?: string,
    errorMessage?: string,
  ): Promise<SinkResult> {
    const c = report.change;
    let findings = 0;
    await this.db.transaction(async (tx) => {
      await this.ensureRun(tx, report);
      await tx.query(
        `UPDATE runs SET status = $2, gate_conclusion = $3, degraded = $4, error_code = $5, error_message = $6, input_tokens = $7, output_tokens = $8,
                cost_usd = $9, report = $10, started_at = COALESCE(started_at, $11), finished_at = $12, rollout = $13,
                trigger = COALESCE($14, trigger), team = COALESCE($15, team), project = COALESCE($16, project), updated_at = now()
          WHERE id = $1`,
        [
          report.runId,
          status,
          report.gateConclusion,
          report.degraded ?? false,
          errorCode ?? null,
          errorMessage ?? null,
          report.usage.inputTokens,
          report.usage.outputTokens,
          report.usage.costUsd,
          JSON.stringify(report),
          new Date(report.startedAt).toISOString(),
          new Date(report.finishedAt).toISOString(),
          report.rollout,
          report.trigger ?? null,
          report.team ?? null,
          report.project ?? null,
        ],
      );
      for (const [stepId, s] of Object.entries(report.steps)) {
        const stepFindings = report.findings.filter(
          (f) => f.agent === stepId || stepId.endsWith(`.${f.agent}`),
        ).length;
        await tx.query(
          // error_code beside the message: which steps failed and why, for the dashboards and `agentflow run`.
          `INSERT INTO steps (run_id, step_id, agent_type, state, attempts, duration_ms, findings_count, summary, error_code, error_message, finished_at, phase_digest)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (run_id, step_id) DO UPDATE SET state = EXCLUDED.state, attempts = EXCLUDED.attempts, duration_ms = EXCLUDED.duration_ms,
             findings_count = EXCLUDED.findings_count, summary = EXCLUDED.summary, error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message,
             finished_at = EXCLUDED.finished_at, phase_digest = EXCLUDED.phase_digest, updated_at = now()`,
          [
            report.runId,
            stepId,
            stepId.split('.').pop(),
            s.state,
            s.attempts,
            Math.round(s.durationMs),
            stepFindings,
            s.summary ?? null,
            s.errorCode ?? null,
            s.errorMessage ?? null,
            new Date(report.finishedAt).toISOString(),
            s.phaseDigest ?? null,
          ],
        );
      }
      for (const f of report.findings) {
        const seen = report.findingStates[f.fingerprint] ?? 'new';
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO findings (platform, repo, pr, workflow, fingerprint, state, file, start_line, end_line, severity, category, message, suggestion, confidence,
                                 agent, model, source, rule_id, first_seen_run, first_seen_sha, last_seen_run, last_seen_sha)
           VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $18, $19)
           ON CONFLICT ON CONSTRAINT findings_identity DO UPDATE SET
             state = CASE WHEN findings.state = 'dismissed' THEN 'dismissed' ELSE 'open' END, file = EXCLUDED.file, start_line = EXCLUDED.start_line,
             end_line = EXCLUDED.end_line, severity = EXCLUDED.severity, message = EXCLUDED.message, suggestion = EXCLUDED.suggestion, confidence = EXCLUDED.confidence,
             last_seen_run = EXCLUDED.last_seen_run, last_seen_sha = EXCLUDED.last_seen_sha, fixed_in_sha = NULL, updated_at = now()
           RETURNING id`,
          [
            c.platform,
            c.repo,
            c.pr ?? null,
            report.workflow,
            f.fingerprint,
            f.file,
            f.startLine,
            f.endLine,
            f.severity,
            f.category,
            f.message,
            f.suggestion ? JSON.stringify(f.suggestion) : null,
            f.confidence,
            f.agent,
            f.model,
            f.source,
            f.ruleId ?? null,
            report.runId,
            c.headSha,
          ],
        );
        await tx.query(
          `INSERT INTO run_findings (run_id, finding_id, status, detail) VALUES ($1, $2, $3, $4) ON CONFLICT (run_id, finding_id) DO UPDATE SET status = EXCLUDED.status, detail = EXCLUDED.detail`,
          [report.runId, rows[0].id, seen === 'fixed' ? 'open' : seen, JSON.stringify(f)],
        );
        findings += 1;
      }
      const fixed = Object.entries(report.findingStates)
        .filter(([, s]) => s === 'fixed')
        .map(([fp]) => fp);
      if (fixed.length) {
        await tx.query(
          `UPDATE findings SET state = 'fixed', fixed_in_sha = $6, updated_at = now()
            WHERE platform = $1 AND repo = $2 AND pr IS NOT DISTINCT FROM $3 AND workflow = $4 AND fingerprint = ANY($5) AND state = 'open'`,
          [c.platform, c.repo, c.pr ?? null, report.workflow, fixed, c.headSha],
        );
      }
    });
    return {
      state: 'delivered',
      detail: `run ${status}, ${Object.keys(report.steps).length} steps, ${findings} findings`,
      data: { status, findings },
    };
  }
}
