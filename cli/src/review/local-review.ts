/**
 * One workflow on the local git diff, in this process: the coordinator, gateway and agents services
 * on the embedded bus and a throwaway PGlite, the run requested on the bus exactly as the ingress
 * requests one, and the merged report read from `run.completed`. Same agents, gateway, analysers and
 * gate as a deployed run; only the change is a local repository instead of a pull request.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunReport, RunRequested, WorkflowPlan } from '@agentflow/contracts';

/** A usage or environment problem the user can fix: not a failed gate. Exit code 2. */
export class ReviewSetupError extends Error {
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReviewSetupError';
  }
}

export interface LocalChange {
  root: string;
  baseRef: string;
  baseSha: string;
  headSha: string;
}

function git(root: string, args: string[]): string {
  try {
    return execFileSync('git', ['-C', root, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (error) {
    const e = error as { stderr?: string };
    throw new ReviewSetupError(
      `git ${args.join(' ')} failed in ${root}: ${(e.stderr ?? String(error)).trim()}`,
      { cause: error },
    );
  }
}

/**
 * HEAD against the merge base with `base` (what a pull request from this branch would show).
 * Without `--base`: origin/main, else main, else master.
 */
export function resolveLocalChange(cwd: string, base?: string): LocalChange {
  const root = git(cwd, ['rev-parse', '--show-toplevel']);
  const candidates = base ? [base] : ['origin/main', 'main', 'master'];
  const baseRef = candidates.find((ref) => {
    try {
      execFileSync('git', ['-C', root, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
        stdio: 'ignore',
      });
      return true;
    } catch {
      return false;
    }
  });
  if (!baseRef)
    throw new ReviewSetupError(
      base
        ? `no commit named ${base} in ${root}; fetch it or pass another --base`
        : `none of origin/main, main, master exists in ${root}; pass --base <ref>`,
    );
  const headSha = git(root, ['rev-parse', 'HEAD']);
  const baseSha = git(root, ['merge-base', baseRef, 'HEAD']);
  return { root: resolve(root), baseRef, baseSha, headSha };
}

/** The config directory: `AGENTFLOW_WORKFLOWS_DIR`, else the repository's own `workflows/`, else the bundled one. */
export async function resolveWorkflowsDir(
  root: string,
  env: Readonly<Record<string, string | undefined>>,
  bundled: string,
): Promise<string> {
  if (env.AGENTFLOW_WORKFLOWS_DIR) return resolve(env.AGENTFLOW_WORKFLOWS_DIR);
  const { findProjectConfigDir } = await import('@agentflow/workflow');
  return findProjectConfigDir(root) ?? bundled;
}

export async function loadPlan(dir: string, name: string): Promise<WorkflowPlan> {
  const { loadWorkflowDirectory, hasErrors, formatDiagnostic } = await import('@agentflow/workflow');
  const project = loadWorkflowDirectory(dir);
  if (hasErrors(project.diagnostics)) {
    throw new ReviewSetupError(
      `the workflows in ${dir} do not load:\n${project.diagnostics
        .filter((d) => d.severity === 'error')
        .map(formatDiagnostic)
        .join('\n')}\n(run agentflow validate ${dir})`,
    );
  }
  const plan = project.plans.find((p) => p.id === name || p.name === name);
  if (!plan)
    throw new ReviewSetupError(
      `no workflow named ${name} in ${dir}; choose from ${project.plans.map((p) => p.id).join(', ')}`,
    );
  return plan;
}

export interface LocalReviewOptions {
  change: LocalChange;
  plan: WorkflowPlan;
  /** Environment for the services: PROVIDERS_FILE, keys, LOG_LEVEL. */
  env: Readonly<Record<string, string | undefined>>;
  /** Called on every step change. */
  onStep?: (stepId: string, state: string, detail?: string) => void;
  timeoutMs?: number;
  /** Absolute paths of CI reports (coverage, SARIF) the agents read with the change. */
  artifacts?: string[];
}

/** Runs the plan on the change and returns the merged report (a failed run's partial report too). */
export async function runLocalReview(
  options: LocalReviewOptions,
): Promise<{ report: RunReport; failed?: { code: string; reason: string } }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'agentflow-review-'));
  const [{ runServices }, coordinator, gateway, agents] = await Promise.all([
    import('@agentflow/service-kit'),
    import('@agentflow/coordinator'),
    import('@agentflow/gateway'),
    import('@agentflow/agents'),
  ]);
  const running = await runServices(
    [coordinator.coordinatorService, gateway.gatewayService, agents.agentsService],
    {
      name: 'agentflow-review',
      handleSignals: false,
      env: {
        ...options.env,
        PORT: '0',
        HOST: '127.0.0.1',
        NATS_URL: '',
        DATABASE_URL: '',
        AGENTFLOW_DATA_DIR: dataDir,
        AGENTFLOW_BUS_PREFIX: 'review',
        LOG_LEVEL: options.env.AGENTFLOW_REVIEW_LOG_LEVEL ?? 'silent',
        // Someone is waiting at the terminal: batch: true steps are called live, not left for hours in a vendor batch.
        AGENTS_BATCH: options.env.AGENTS_BATCH ?? 'live',
        OTEL_SDK_DISABLED: 'true',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        OTEL_TRACES_EXPORTER: 'none',
      },
    },
  );
  try {
    const { bus, messenger, topology, db } = running.context;
    const { change, plan } = options;
    const runId = `l${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
    const decode = <T>(data: Uint8Array) =>
      (JSON.parse(Buffer.from(data).toString('utf8')) as { body: T }).body;
    const outcome = new Promise<{ report: RunReport; failed?: { code: string; reason: string } }>(
      (resolveOutcome, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new ReviewSetupError(
                `the review did not finish within ${Math.round((options.timeoutMs ?? 600_000) / 1000)} s; rerun with AGENTFLOW_REVIEW_LOG_LEVEL=info`,
              ),
            ),
          options.timeoutMs ?? 600_000,
        );
        void Promise.all([
          bus.subscribe(topology.subjects.runProgress(runId), (msg) => {
            const p = decode<{ stepId: string; state: string; attempt: number; detail?: string }>(msg.data);
            options.onStep?.(p.stepId, p.state, p.attempt > 1 ? `attempt ${p.attempt}` : p.detail);
          }),
          bus.subscribe(topology.subjects.runCompleted(runId), (msg) => {
            clearTimeout(timer);
            resolveOutcome({ report: decode<{ report: RunReport }>(msg.data).report });
          }),
          bus.subscribe(topology.subjects.runFailed(runId), (msg) => {
            clearTimeout(timer);
            const failed = decode<{ code: string; reason: string; partial: RunReport }>(msg.data);
            resolveOutcome({ report: failed.partial, failed: { code: failed.code, reason: failed.reason } });
          }),
        ]).then(async () => {
          const request: RunRequested = {
            runId,
            change: {
              platform: 'local',
              repo: change.root,
              headSha: change.headSha,
              baseSha: change.baseSha,
            },
            plan,
            trigger: 'manual',
            attribution: {
              project: change.root,
              repo: change.root,
              workflow: plan.id,
              runId,
              service: 'cli',
            },
            rollout: 'gate',
            ...(options.artifacts?.length ? { artifacts: options.artifacts } : {}),
            dataClass:
              !plan.dataClasses || plan.dataClasses.includes('internal') ? 'internal' : plan.dataClasses[0],
          };
          // The row the ingress writes before it asks for a run: the coordinator updates it.
          await db.query(
            `INSERT INTO runs (id, workflow, platform, repo, pr, head_sha, base_sha, trigger, project, rollout) VALUES ($1, $2, 'local', $3, NULL, $4, $5, 'manual', $3, 'gate')`,
            [runId, plan.id, change.root, change.headSha, change.baseSha],
          );
          await messenger.emit(topology.subjects.runsRequested, 'run.requested', request, {
            runId,
            msgId: `run-requested:${runId}`,
          });
        }, reject);
      },
    );
    return await outcome;
  } finally {
    await running.shutdown('review finished');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
