/**
 * Pushing proposed files is the notifier's job: agents send the contracts' `PushFilesCommand`
 * on `af.notify.push-files`. Each push costs the team CI minutes (often macOS), so it is opt-in
 * per workflow and capped per repository and day ({@link PushQuota}).
 */
import type { PushFilesCommand, Topology } from '@agentflow/contracts';
import type { Messenger } from '@agentflow/bus';
import type { SqlDatabase } from '@agentflow/store';

export interface PushFilesPort {
  push(command: PushFilesCommand): Promise<void>;
}

/** Publishes the command; the message id makes a re-publish after a crash a no-op. */
export class BusPushFiles implements PushFilesPort {
  constructor(
    private readonly messenger: Messenger,
    private readonly topology: Topology,
  ) {}

  async push(command: PushFilesCommand): Promise<void> {
    await this.messenger.emit(this.topology.subjects.notify('push-files'), 'notify.push-files', command, {
      runId: command.runId,
      msgId: `${command.runId}:${command.stepId}:push-files`,
    });
  }
}

export interface QuotaDecision {
  allowed: boolean;
  /** Pushes recorded for the repository that day, this one included when allowed. */
  used: number;
  cap: number;
}

/** Daily push cap per repository. Reserving twice for the same run counts once. */
export interface PushQuota {
  reserve(input: { runId: string; repo: string; day: string; cap: number }): Promise<QuotaDecision>;
}

/** The cap in PostgreSQL/PGlite (migration 0400): one row per push, counted under an advisory lock per repository and day. */
export class SqlPushQuota implements PushQuota {
  constructor(private readonly db: SqlDatabase) {}

  async reserve(input: { runId: string; repo: string; day: string; cap: number }): Promise<QuotaDecision> {
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `agent_pushes:${input.repo}:${input.day}`,
      ]);
      const existing = await tx.query<{ run_id: string }>(
        'SELECT run_id FROM agent_pushes WHERE run_id = $1',
        [input.runId],
      );
      const counted = await tx.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM agent_pushes WHERE repo = $1 AND day = $2',
        [input.repo, input.day],
      );
      const used = Number(counted.rows[0]?.n ?? 0);
      if (existing.rowCount > 0) return { allowed: true, used, cap: input.cap };
      if (used >= input.cap) return { allowed: false, used, cap: input.cap };
      await tx.query('INSERT INTO agent_pushes (run_id, repo, day) VALUES ($1, $2, $3)', [
        input.runId,
        input.repo,
        input.day,
      ]);
      return { allowed: true, used: used + 1, cap: input.cap };
    });
  }
}
