/**
 * The pipeline every model-backed agent shares: choose the files the agent looks at, fit them
 * into the model's window, send each chunk to the gateway with the agent's template and schema
 * (chunks in parallel), read and place the answers, merge them with the deterministic findings,
 * and recheck open findings on an incremental review.
 */
import { createHash } from 'node:crypto';
import {
  AGENT_TYPES,
  type Finding,
  type GatewayRequest,
  type NotReviewed,
  type ProposedFile,
} from '@agentflow/contracts';
import type { FileDiff } from '@agentflow/mobile';
import picomatch from 'picomatch';
import { planChunks, type Chunk, type ReviewTarget } from '../context/chunker';
import { DEFAULT_DIGEST_TOKENS, phaseDigest } from '../context/phase-digest';
import { contextWindowOf } from '../context/tokens';
import { classifyForReview, type ReviewClass } from '../diff/file-kind';
import { isDeterministic, mergeFindings } from '@agentflow/findings';
import { placeFinding, type Placed } from '../findings/placement';
import { GatewayFailedError, throwUnlessOk } from '../gateway/model-gateway';
import {
  parseModelOutput,
  UnparseableOutputError,
  type ModelOutput,
  type RawFile,
} from '../output/parse-output';
import { schemaFor, type OutputShape } from '../output/schemas';
import { buildPrompt, type PromptDataBlock } from '../prompts/prompt-builder';
import type { AgentTemplate } from '../prompts/template';
import { instructionsFor, type PathInstruction } from '../repo/repo-context';
import { readGitAttributes } from '@agentflow/mobile';
import type { AgentEnv, AgentOutcome } from './agent';
import { PartialReviewError, type ChunkFailure } from './partial-review';

export interface ModelReviewSpec {
  template: AgentTemplate;
  shape: OutputShape;
  /** Which readable files this agent looks at (others are out of its scope, not "not reviewed"). @default every readable file */
  selects?: (cls: ReviewClass, file: FileDiff) => boolean;
  /** Deterministic findings that stand beside the model's. */
  ruleFindings: Finding[];
  /** More data for every chunk (coverage summary, CI results, tests to review). */
  extraData?: PromptDataBlock[];
  /** Include tests, interfaces and callers of changed files. @default true */
  related?: boolean;
  /** Check a proposed file before it is kept (test generation: the project's test folders). */
  acceptFile?: (file: RawFile) => string | null;
  /**
   * Give the prompt a digest of the earlier phases' outcomes (`task.context`). Off for agents that
   * put those outcomes in the prompt their own way (test review shows the proposed tests whole).
   * @default true
   */
  phaseDigest?: boolean;
}

/** Step options an agent reads (all optional; from the workflow's agent settings). */
interface StepOptions {
  /** Run the deterministic rules only and call no vendor (`agentflow review` without a key). @default false */
  rulesOnly?: boolean;
  contextBudgetTokens?: number;
  chunkTokens?: number;
  maxChunks?: number;
  parallelChunks?: number;
  ignore?: string[];
  pathInstructions?: PathInstruction[];
  conventionsFile?: string;
  /** Let the gateway answer from its cache. @default true */
  cache?: boolean;
  /** Tokens the earlier phases' digest may take in each prompt; 0 leaves it out. @default 1500 */
  phaseDigestTokens?: number;
}

function options(env: AgentEnv): StepOptions {
  return (env.step.options ?? {}) as StepOptions;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Splits the review diff into what the model reads and what it never reads (with the reason). */
export async function selectTargets(
  env: AgentEnv,
  selects?: ModelReviewSpec['selects'],
): Promise<{ targets: ReviewTarget[]; skipped: NotReviewed[] }> {
  const attributes = await env.repo.gitattributes();
  const isMarkedGenerated = attributes ? readGitAttributes(attributes) : undefined;
  const ignore = (options(env).ignore ?? []).map((g) => picomatch(g, { dot: true }));
  const targets: ReviewTarget[] = [];
  const skipped: NotReviewed[] = [];
  for (const file of env.reviewDiff) {
    // The never-sent policy changes only what is sent: the rules still see the file, and it does not make the review incomplete.
    if (env.neverSent.covers(file.path)) {
      skipped.push({
        file: file.path,
        reason: NEVER_SENT_REASON,
        detail: 'not sent to any vendor by policy',
      });
      continue;
    }
    if (ignore.some((m) => m(file.path))) {
      skipped.push({
        file: file.path,
        reason: 'policy-excluded',
        detail: "matches the workflow's ignore list",
      });
      continue;
    }
    const partial = partialPatchNote(file);
    if (partial) {
      skipped.push(partial);
      // Nothing of an unlisted file was seen, and a file without a patch has no changed lines to show a model.
      if (file.patch === 'unlisted' || file.patch === 'absent') continue;
    }
    if (file.status === 'deleted') {
      skipped.push({
        file: file.path,
        reason: 'deleted',
        detail: 'file removed; nothing on the new side to review',
      });
      continue;
    }
    const head = file.binary
      ? undefined
      : ((await env.repo.readHead(file.path)) ?? undefined)?.slice(0, 1500);
    const cls = classifyForReview(file.path, { head, isMarkedGenerated, binary: file.binary });
    if (!cls.modelReadable) {
      skipped.push({
        file: file.path,
        reason: cls.notReviewedReason ?? 'not-readable',
        detail: cls.detail
          ? `${cls.detail}; covered by the deterministic rules`
          : 'covered by the deterministic rules',
      });
      continue;
    }
    if (selects && !selects(cls, file)) continue;
    if (file.hunks.length === 0) continue;
    targets.push({ file, cls });
  }
  return { targets, skipped };
}

/** What the report says of a file the platform did not send whole (see `FileDiff.patch`). */
function partialPatchNote(file: FileDiff): NotReviewed | undefined {
  switch (file.patch) {
    case 'unlisted':
      return {
        file: file.path,
        reason: 'not-listed',
        detail:
          "changed, but past the platform's cap on listed files (GitHub: 3,000 per pull request, 300 per compare): no model saw it; the deterministic rules scanned the whole file",
      };
    case 'absent':
      return {
        file: file.path,
        reason: 'patch-absent',
        detail:
          'the platform sent no patch (the diff is too large): reviewed by the deterministic rules only, over the whole file',
      };
    case 'truncated': {
      const cut = file.hunks.filter((h) => h.truncated);
      const fromHead = cut.reduce((n, h) => n + (h.truncated!.fromHead ?? 0), 0);
      const lost = cut.reduce((n, h) => n + h.truncated!.newMissing, 0);
      const ranges = cut
        .filter((h) => h.truncated!.fromHead)
        .map((h) => `${h.newStart}-${h.newStart + h.newLines - 1}`)
        .join(', ');
      const detail =
        fromHead > 0 && lost === 0
          ? `the platform cut the patch short: the rest of its changed lines (${ranges}) were reviewed from the head content; the deterministic rules scanned the whole file`
          : `the platform cut the patch short and the head content could not fill it: the lines that arrived were reviewed, the other ${lost} by the deterministic rules only`;
      return { file: file.path, reason: 'patch-truncated', detail };
    }
    case 'from-head':
      return {
        file: file.path,
        reason: 'from-head',
        detail: 'the platform sent no patch: reviewed from its head content (a new file)',
      };
    default:
      return undefined;
  }
}

/** The `notReviewed` reason of a file the never-sent policy keeps from every vendor. */
export const NEVER_SENT_REASON = 'never-sent';

interface ChunkAnswer {
  chunk: Chunk;
  output: ModelOutput;
  model: string;
  promptVersion: string;
}

export async function runModelReview(env: AgentEnv, spec: ModelReviewSpec): Promise<AgentOutcome> {
  const opts = options(env);
  const providers = env.step.providers ?? [];
  const model = providers[0]?.model ?? 'unknown';
  const maxTokens = env.step.model?.maxTokens ?? 4096;
  const { targets, skipped } = await selectTargets(env, spec.selects);
  if (opts.rulesOnly) {
    // Asked for, not degraded: the step succeeded at what it was told to do, and the report says so.
    const rules = mergeFindings(spec.ruleFindings.filter(isDeterministic));
    return {
      findings: rules.findings,
      notReviewed: skipped,
      data: { rulesOnly: true, modelReadableFiles: targets.length },
    };
  }
  const digest =
    spec.phaseDigest === false
      ? undefined
      : phaseDigest(env.task.context, env.tokens, opts.phaseDigestTokens ?? DEFAULT_DIGEST_TOKENS);
  // Data, like the code: what an earlier phase wrote goes inside the fences, never as instructions.
  const extraData: PromptDataBlock[] = [
    ...(digest
      ? [{ label: `earlier phases of this run (${digest.steps.join(', ')})`, text: digest.text }]
      : []),
    ...(spec.extraData ?? []),
  ];
  const facts = await env.facts();
  const conventions = await env.repo.conventions(opts.conventionsFile);
  const pathInstructions = opts.pathInstructions ?? [];
  // A workflow that names the agent without `tasks:` gets the catalogue's default tasks.
  const tasks = env.task.tasks.length
    ? env.task.tasks
    : (AGENT_TYPES.find((a) => a.id === spec.template.agent)?.defaultTasks ?? []);

  // What every prompt carries besides the diff: measured once so the diff gets the rest.
  const fixed = buildPrompt({
    template: spec.template,
    tasks,
    languages: [],
    facts,
    conventions,
    pathInstructions: [],
    ruleFindings: spec.ruleFindings,
    recheck: env.task.openFindings ?? [],
    data: extraData,
    focus: env.step.model?.focus,
  });
  const window = opts.contextBudgetTokens ?? contextWindowOf(model);
  const available = window - maxTokens - env.tokens.count(fixed.system) - env.tokens.count(fixed.user) - 400;
  const chunkBudget = Math.min(available, opts.chunkTokens ?? 24_000);
  const wantRelated = spec.related !== false;
  const diffBudget = wantRelated ? Math.floor(chunkBudget * 0.75) : chunkBudget;
  const plan = planChunks(
    targets,
    env.tokens,
    { budgetTokens: diffBudget, maxChunks: opts.maxChunks ?? 16 },
    skipped,
  );

  const openModel = (env.task.openFindings ?? []).filter((f) => f.source === 'model');
  // A batching gateway answers all chunks in one vendor batch, so all of them are asked at once.
  const parallel = env.gateway.gathers ? Math.max(1, plan.chunks.length) : (opts.parallelChunks ?? 4);
  const failures: ChunkFailure[] = [];
  const settled = await mapLimit(plan.chunks, parallel, async (chunk): Promise<ChunkAnswer | undefined> => {
    const paths = new Set(chunk.files.map((f) => f.file.path));
    const data: PromptDataBlock[] = chunk.files.map((f) => ({
      label: `diff ${f.file.path} (${f.cls.language ?? f.cls.kind}${f.file.status === 'added' ? ', new file' : ''}${f.partial ? ", part of the file's changes" : ''})`,
      text: f.slices.map((s) => s.text).join('\n'),
    }));
    if (wantRelated) {
      let budget = chunkBudget - chunk.tokens - extraData.reduce((n, d) => n + env.tokens.count(d.text), 0);
      for (const f of chunk.files) {
        for (const rel of await env.repo.relatedFiles(f.file.path, f.cls.language)) {
          if (paths.has(rel.path) || env.neverSent.covers(rel.path)) continue;
          const text = await env.repo.readHead(rel.path);
          if (!text) continue;
          const tokens = env.tokens.count(text);
          if (tokens > budget) continue;
          budget -= tokens;
          data.push({ label: `related ${rel.kind} of ${rel.of}: ${rel.path}`, text });
        }
      }
    }
    data.push(...extraData);
    const prompt = buildPrompt({
      template: spec.template,
      tasks,
      languages: chunk.files.map((f) => f.cls.language).filter((l): l is NonNullable<typeof l> => !!l),
      facts,
      conventions,
      pathInstructions: [...paths].flatMap((p) =>
        instructionsFor(p, pathInstructions).map((i) => `${p}: ${i}`),
      ),
      ruleFindings: spec.ruleFindings.filter((f) => paths.has(f.file)),
      recheck: openModel.filter((f) => paths.has(f.file)),
      data,
      focus: env.step.model?.focus,
    });
    const request: GatewayRequest = {
      requestId: `${env.task.runId}:${env.task.stepId}:${env.task.attempt}:chunk-${chunk.index}`,
      providers,
      system: prompt.system,
      messages: [{ role: 'user', content: prompt.user }],
      maxTokens,
      temperature: env.step.model?.temperature ?? 0.1,
      responseSchema: schemaFor(spec.shape),
      complexity: env.step.model?.complexity,
      deadline: env.task.deadline,
      attribution: {
        ...env.task.attribution,
        runId: env.task.runId,
        stepId: env.task.stepId,
        service: 'agents',
      },
      dataClass: env.task.dataClass,
      paths: data
        .filter((d) => d.label.startsWith('diff ') || d.label.startsWith('related '))
        .map((d) => ({
          path: d.label.replace(/^(diff|related [^:]+:) ?/, '').split(' (')[0],
          sha256: sha256(d.text),
        })),
      cache: opts.cache !== false,
      batch: env.step.batch || undefined,
      commitSha: env.task.change.headSha,
      pr: env.task.change.pr,
    };
    const response = await env.gateway.generate(request, env.signal);
    env.usage.add(response);
    try {
      throwUnlessOk(response);
      const output = parseModelOutput(spec.shape, response);
      return { chunk, output, model: response.model ?? model, promptVersion: prompt.promptVersion };
    } catch (error) {
      // One refused or garbled call costs its own files, not the other chunks' findings.
      if (!(error instanceof GatewayFailedError || error instanceof UnparseableOutputError)) throw error;
      failures.push({
        files: chunk.files.map((f) => f.file.path),
        code: error instanceof GatewayFailedError ? error.code : 'unparseable_output',
        message: error.message,
      });
      return undefined;
    }
  });
  const answers = settled.filter((a): a is ChunkAnswer => a !== undefined);

  // Place every finding on the diff; count what was dropped and why.
  const placedFindings: Finding[] = [];
  const dropped: Record<string, number> = {};
  const count = (key: string) => (dropped[key] = (dropped[key] ?? 0) + 1);
  const proposed: ProposedFile[] = [];
  const fixedFingerprints = new Set<string>();
  const repairs = new Set<string>();
  const summaries: string[] = [];
  let confidenceSum = 0;
  for (const answer of answers) {
    const files = new Map(answer.chunk.files.map((f) => [f.file.path, f.file]));
    answer.output.repairs.forEach((r) => repairs.add(r));
    answer.output.discarded.forEach((d) => count(`invalid: ${d.reason}`));
    if (answer.output.summary) summaries.push(answer.output.summary);
    confidenceSum += answer.output.confidence;
    for (const raw of answer.output.findings) {
      const placed: Placed = placeFinding(raw, {
        files,
        agent: env.task.agentType,
        model: answer.model,
        promptVersion: answer.promptVersion,
      });
      if (placed.dropped) count(placed.dropped);
      if (placed.suggestionDropped) count(`suggestion ${placed.suggestionDropped}`);
      if (placed.finding) placedFindings.push(placed.finding);
    }
    // A model may only close findings on files it was shown in this chunk.
    for (const r of answer.output.recheck) {
      if (r.status === 'fixed' && openModel.some((f) => f.fingerprint === r.fingerprint && files.has(f.file)))
        fixedFingerprints.add(r.fingerprint);
    }
    for (const file of answer.output.files) {
      const problem = spec.acceptFile?.(file) ?? null;
      if (problem) count(`file rejected: ${problem}`);
      else proposed.push({ path: file.path, content: file.content, purpose: file.purpose });
    }
  }

  // Incremental: open model findings stay open unless the model, shown their file, says fixed.
  const carried = openModel.filter((f) => !fixedFingerprints.has(f.fingerprint));
  // Whatever the model claimed, its findings are model findings: they cannot lower or replace a rule's.
  const merged = mergeFindings([
    ...spec.ruleFindings.filter(isDeterministic),
    ...[...placedFindings, ...carried].map((f): Finding => ({ ...f, source: 'model' })),
  ]);
  const outcome: AgentOutcome = {
    findings: merged.findings,
    notReviewed: plan.notReviewed,
    summary: summaries.join(' ').slice(0, 2000) || undefined,
    data: {
      promptVersion: answers[0]?.promptVersion ?? fixed.promptVersion,
      confidence: answers.length ? Math.round((confidenceSum / answers.length) * 100) / 100 : 1,
      chunks: plan.chunks.length,
      reviewedLines: plan.coverage.reviewedLines,
      changedLines: plan.coverage.totalLines,
      dropped,
      shadowedByRules: merged.shadowed,
      repairs: [...repairs],
      // The step record shows what the step was told of the earlier phases.
      ...(digest ? { phaseDigest: digest } : {}),
      ...(env.sinceSha
        ? {
            incremental: {
              sinceSha: env.sinceSha,
              files: env.reviewDiff.map((f) => f.path),
              fixedFingerprints: [...fixedFingerprints].filter((fp) =>
                openModel.some((f) => f.fingerprint === fp),
              ),
            },
          }
        : {}),
    },
  };
  if (proposed.length || spec.shape === 'generation') outcome.proposedFiles = proposed;
  if (failures.length) {
    const failedFiles = new Set(failures.flatMap((f) => f.files));
    outcome.notReviewed = [
      ...outcome.notReviewed,
      ...[...failedFiles].map((file) => ({
        file,
        reason: 'model-failed',
        detail: failures.find((f) => f.files.includes(file))!.message,
      })),
    ];
    throw new PartialReviewError(outcome, failures, plan.chunks.length);
  }
  return outcome;
}
