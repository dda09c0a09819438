import { createHash } from 'node:crypto';
import { isMap, isSeq, type Node } from 'yaml';
import {
  resolveAgentType,
  vendorCan,
  vendorKindsWith,
  type AgentTypeSpec,
  type PlanProvider,
  type PlanStep,
  type WorkflowPlan,
} from '@agentflow/contracts';
import {
  nameProblem,
  readAgentDefinition,
  readDuration,
  type AgentDeclarations,
  type AgentDefinition,
  type Located,
} from './agents';
import {
  conditionRefs,
  ConditionSyntaxError,
  isSatisfiable,
  parseCondition,
  RUNNABLE_STATUSES,
  type Condition,
} from './conditions';
import { hasErrors, type Diagnostic } from './diagnostics';
import { readFallback, type FallbackRule } from './fallback';
import {
  readConcurrency,
  readConventions,
  readGate,
  readIgnore,
  readOutputs,
  readWorkflowPathInstructions,
} from './outputs';
import type { ProviderCatalog } from './providers';
import { SourceFile, type Field } from './source';
import { closest, didYouMean, maybeMeant } from './suggest';
import { readTrigger } from './trigger';

export { CONDITION_KEYS, EVENTS, PR_ACTIONS } from './trigger';
export { DEFAULT_CONVENTIONS_FILE, DEFAULT_IGNORE, OUTPUT_KEYS, readPathInstructions } from './outputs';

/** What a workflow is compiled against: the project's providers, agents and data-class settings. */
export interface CompileContext {
  providers: ProviderCatalog;
  agents: AgentDeclarations;
  /** Known data classes, least to most sensitive. */
  dataClasses: readonly string[];
  /** Classes the settings can send to this workflow (by id), used when it declares no `data_classes:`. */
  classesFor(workflowId: string): string[];
}

export interface CompileResult {
  /** Set only when there are no errors. */
  plan?: WorkflowPlan;
  diagnostics: Diagnostic[];
}

export const WORKFLOW_KEYS = [
  'name',
  'id',
  'description',
  'trigger',
  'agents',
  'execution',
  'phases',
  'fallback',
  'output',
  'gate',
  'concurrency',
  'timeout',
  'ignore',
  'path_instructions',
  'conventions',
  'data_classes',
  'batch',
  'fail_fast',
];
const PHASE_KEYS = ['name', 'agents', 'parallel', 'depends_on', 'if', 'timeout', 'retries', 'batch'];
/** Shortest timeout that gives a vendor batch a fair chance; below it `batch: true` earns a warning. */
const MIN_BATCH_TIMEOUT_MS = 30 * 60_000;

/** @default 5 minutes */
export const DEFAULT_STEP_TIMEOUT_MS = 300_000;
/** @default 15 minutes */
export const DEFAULT_RUN_TIMEOUT_MS = 900_000;

interface StepDraft {
  id: string;
  phase: string;
  def: AgentDefinition;
  spec: AgentTypeSpec;
  dependsOn: string[];
  /** Phase names and step ids the default condition requires to have succeeded. */
  defaultRefs: string[];
  ifText?: Located<string>;
  condition?: Condition;
  timeoutMs: number;
  retries: number;
  batch: boolean;
  /** The node where the step is written (for errors about the step as a whole). */
  at: Node;
}

/** Compiles one workflow file's text to its plan, or to the problems that stop it. Never throws for bad input. */
export function compileWorkflow(text: string, file: string, ctx: CompileContext): CompileResult {
  return compileSource(new SourceFile(file, text), ctx);
}

/** Compiles an already parsed file (the fuzz test reads positions from the same parse). */
export function compileSource(src: SourceFile, ctx: CompileContext): CompileResult {
  if (!src.syntaxOk) return { diagnostics: src.diagnostics };
  if (!src.root) {
    src.error(undefined, 'the file is empty; a workflow needs `name`, `trigger`, and `agents` or `phases`');
    return { diagnostics: src.diagnostics };
  }
  let plan: WorkflowPlan | undefined;
  try {
    plan = new WorkflowCompiler(src, ctx).compile();
  } catch (error) {
    // Only input nested beyond the stack gets here; anything else is a bug and must surface.
    if (!(error instanceof RangeError)) throw error;
    src.error(src.root, 'the workflow is nested too deeply to read; flatten it');
  }
  return { plan: hasErrors(src.diagnostics) ? undefined : plan, diagnostics: dedupe(src.diagnostics) };
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.line}:${d.col}:${d.severity}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function fileId(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.(ya?ml)$/i, '');
}

class WorkflowCompiler {
  private readonly f: Map<string, Field>;
  private id = '';
  /** Every phase written, even one whose agents all failed to resolve (its own errors say why). */
  private readonly phaseNames = new Set<string>();

  constructor(
    private readonly src: SourceFile,
    private readonly ctx: CompileContext,
  ) {
    this.f = src.map(src.root, 'the workflow', WORKFLOW_KEYS) ?? new Map();
  }

  compile(): WorkflowPlan | undefined {
    const { src, f } = this;
    if (!isMap(src.deref(src.root))) return undefined;
    const name = f.get('name') ? src.string(f.get('name')!.value, '`name`') : undefined;
    if (!f.get('name')) src.error(src.root, 'the workflow needs `name:` (a title shown in PR comments)');
    this.id = fileId(src.file);
    if (f.get('id')) {
      const id = src.string(f.get('id')!.value, '`id`');
      if (id !== undefined) {
        const problem = nameProblem(id, 'workflow id');
        if (problem) src.error(f.get('id')!.value, problem);
        this.id = id;
      }
    }
    const trigger = readTrigger(src, f);
    const defaultBatch = f.get('batch') ? (src.boolean(f.get('batch')!.value, '`batch`') ?? false) : false;
    const runTimeout = f.get('timeout')
      ? (readDuration(src, f.get('timeout')!.value, '`timeout`') ?? DEFAULT_RUN_TIMEOUT_MS)
      : DEFAULT_RUN_TIMEOUT_MS;
    const drafts = this.steps(defaultBatch);
    const fallback = readFallback(src, f, this.ctx.providers);
    const dataClasses = this.dataClasses();
    const steps = this.finishSteps(drafts, fallback.rules, dataClasses, runTimeout);
    const outputs = readOutputs(src, f);
    // A workflow that asks for files (`create_files`) has its test runner prove them on a branch
    // first, unless the step says `push: false` (ADR 0083).
    if (outputs.createFiles)
      for (const s of steps)
        if (s.agentType === 'test-runner' && s.options.push === undefined) s.options.push = true;
    const gate = readGate(src, f, outputs);
    const plan: WorkflowPlan = {
      id: this.id,
      name: name ?? this.id,
      source: { file: src.file, sha256: createHash('sha256').update(src.text).digest('hex') },
      steps,
      runActions: fallback.actions,
      outputs,
      gate,
      concurrency: readConcurrency(src, f, trigger),
      timeoutMs: runTimeout,
      ignore: readIgnore(src, f),
      pathInstructions: readWorkflowPathInstructions(src, f),
      conventionsFile: readConventions(src, f),
      trigger,
      dataClasses,
    };
    if (plan.concurrency === undefined) delete plan.concurrency;
    if (plan.conventionsFile === undefined) delete plan.conventionsFile;
    // Only written when set: plans compiled before fail_fast existed read the same.
    if (f.get('fail_fast') && src.boolean(f.get('fail_fast')!.value, '`fail_fast`')) plan.failFast = true;
    return plan;
  }

  // ---- steps ---------------------------------------------------------------------------------

  private steps(defaultBatch: boolean): StepDraft[] {
    const { src, f } = this;
    const agents = f.get('agents');
    const phases = f.get('phases');
    const execution = f.get('execution');
    if (agents && phases) {
      src.error(
        phases.key,
        'a workflow has either `agents:` (one phase) or `phases:`, not both; move the agents into a phase',
      );
      return [];
    }
    if (!agents && !phases) {
      if (isMap(src.deref(src.root)))
        src.error(src.root, 'the workflow needs `agents:` (a list of agents) or `phases:`');
      return [];
    }
    if (phases) {
      if (execution)
        src.error(
          execution.key,
          '`execution` applies to a flat `agents:` list; with `phases:`, set `parallel:` on each phase',
        );
      return this.phasedSteps(phases.value, defaultBatch);
    }
    let sequential = false;
    if (execution) {
      const v = src.string(execution.value, '`execution`');
      if (v !== undefined && v !== 'parallel' && v !== 'sequential')
        src.error(
          execution.value,
          `\`execution\` must be \`parallel\` or \`sequential\`, found \`${v}\`${maybeMeant(v, ['parallel', 'sequential'])}`,
        );
      sequential = v === 'sequential';
    }
    const drafts: StepDraft[] = [];
    const items = src.list(agents!.value, '`agents`') ?? [];
    if (items.length === 0 && isSeq(src.deref(agents!.value)))
      src.error(agents!.value, '`agents` is empty; list at least one agent');
    for (const item of items) {
      const draft = this.draft(item, 'main', undefined, defaultBatch);
      if (!draft) continue;
      if (sequential && drafts.length > 0) {
        const prev = drafts[drafts.length - 1];
        draft.dependsOn.push(prev.id);
        draft.defaultRefs.push(prev.id);
      }
      drafts.push(draft);
    }
    this.checkDuplicates(drafts);
    // Agent-level depends_on in a flat list names other agents.
    const ids = new Set(drafts.map((d) => d.id));
    for (const d of drafts) {
      for (const dep of d.def.dependsOn ?? []) {
        if (dep.src !== src) continue;
        if (!ids.has(dep.value))
          src.error(
            dep.node,
            `\`depends_on\` names \`${dep.value}\`, which is not an agent of this workflow${didYouMean(dep.value, [...ids])}`,
          );
        else if (!d.dependsOn.includes(dep.value)) {
          d.dependsOn.push(dep.value);
          d.defaultRefs.push(dep.value);
        }
      }
    }
    this.checkCycles(
      drafts.map((d) => ({
        id: d.id,
        deps: (d.def.dependsOn ?? []).filter((x) => x.src === src),
        order: d.dependsOn,
      })),
      'agent',
    );
    return drafts;
  }

  private phasedSteps(node: Node | null, defaultBatch: boolean): StepDraft[] {
    const { src } = this;
    const items = src.list(node, '`phases`') ?? [];
    if (items.length === 0 && isSeq(src.deref(node)))
      src.error(node, '`phases` is empty; add at least one phase');
    interface PhaseDraft {
      name: string;
      nameNode: Node;
      node: Node;
      deps: Array<Located<string>>;
      steps: StepDraft[];
    }
    const phases: PhaseDraft[] = [];
    const seen = new Map<string, number>();
    for (const item of items) {
      const p = src.map(item, 'a phase', PHASE_KEYS);
      if (!p) continue;
      const nameField = p.get('name');
      if (!nameField) {
        src.error(item, 'a phase needs `name:`');
        continue;
      }
      const name = src.string(nameField.value, '`name` of a phase');
      if (name === undefined) continue;
      const nameNode = nameField.value ?? nameField.key;
      const problem = nameProblem(name, 'a phase name');
      if (problem) {
        src.error(nameNode, problem);
        continue;
      }
      if (seen.has(name)) {
        src.error(
          nameNode,
          `phase \`${name}\` is defined twice (first at line ${seen.get(name)}); rename one`,
        );
        continue;
      }
      seen.set(name, src.position(nameNode.range?.[0] ?? 0).line);
      this.phaseNames.add(name);
      const parallel = p.get('parallel')
        ? (src.boolean(p.get('parallel')!.value, '`parallel`') ?? true)
        : true;
      const batch = p.get('batch')
        ? (src.boolean(p.get('batch')!.value, '`batch`') ?? defaultBatch)
        : defaultBatch;
      const phaseTimeout = p.get('timeout')
        ? readDuration(src, p.get('timeout')!.value, `\`timeout\` of phase \`${name}\``)
        : undefined;
      const phaseRetries = p.get('retries')
        ? src.number(p.get('retries')!.value, `\`retries\` of phase \`${name}\``, {
            min: 0,
            max: 10,
            integer: true,
          })
        : undefined;
      let phaseIf: Located<string> | undefined;
      if (p.get('if')) {
        const v = src.string(p.get('if')!.value, `\`if\` of phase \`${name}\``);
        if (v !== undefined) phaseIf = { value: v, node: p.get('if')!.value!, src };
      }
      const deps = p.get('depends_on')
        ? (src.stringList(p.get('depends_on')!.value, `\`depends_on\` of phase \`${name}\``) ?? []).map(
            (d) => ({ ...d, src }),
          )
        : [];
      const phase: PhaseDraft = { name, nameNode, node: item, deps, steps: [] };
      const agentsField = p.get('agents');
      if (!agentsField) src.error(item, `phase \`${name}\` needs \`agents:\` (a list of agents)`);
      else {
        const agentItems = src.list(agentsField.value, `\`agents\` of phase \`${name}\``) ?? [];
        if (agentItems.length === 0 && isSeq(src.deref(agentsField.value)))
          src.error(agentsField.value, `phase \`${name}\` has no agents; list at least one`);
        for (const a of agentItems) {
          const draft = this.draft(
            a,
            name,
            { timeoutMs: phaseTimeout, retries: phaseRetries, if: phaseIf },
            batch,
          );
          if (!draft) continue;
          if (draft.def.dependsOn?.length && draft.def.dependsOn[0].src === src)
            src.error(
              draft.def.dependsOn[0].node,
              'inside `phases:`, `depends_on` belongs to the phase, not to an agent; move it up to the phase',
            );
          if (!parallel && phase.steps.length > 0) {
            const prev = phase.steps[phase.steps.length - 1];
            draft.dependsOn.push(prev.id);
            draft.defaultRefs.push(prev.id);
          }
          phase.steps.push(draft);
        }
      }
      phases.push(phase);
    }
    const byName = new Map(phases.map((p) => [p.name, p]));
    for (const phase of phases) {
      for (const dep of phase.deps) {
        const target = byName.get(dep.value);
        if (!target) {
          src.error(
            dep.node,
            `phase \`${phase.name}\` depends on \`${dep.value}\`, which is not a phase of this workflow${didYouMean(dep.value, [...byName.keys()])}`,
          );
          continue;
        }
        if (target === phase) continue; // reported as a cycle below
        for (const step of phase.steps) {
          // Only the phase's first steps wait on the other phase directly; the rest wait through them.
          if (step.dependsOn.some((d) => phase.steps.some((s) => s.id === d))) continue;
          for (const t of target.steps) if (!step.dependsOn.includes(t.id)) step.dependsOn.push(t.id);
          step.defaultRefs.push(dep.value);
        }
      }
    }
    const hadCycle = this.checkCycles(
      phases.map((p) => ({
        id: p.name,
        deps: p.deps.filter((d) => byName.has(d.value)),
        order: p.deps.map((d) => d.value),
      })),
      'phase',
    );
    const drafts = phases.flatMap((p) => p.steps);
    this.checkDuplicates(drafts);
    if (!hadCycle) {
      // A phase's steps need all of an upstream phase, so later phases see them as finished too.
      for (const phase of phases)
        for (const step of phase.steps) step.dependsOn = [...new Set(step.dependsOn)];
    }
    return drafts;
  }

  /** Reports each dependency cycle once, at the `depends_on` entry that closes it. Returns whether there was one. */
  private checkCycles(
    nodes: Array<{ id: string; deps: Array<Located<string>>; order: string[] }>,
    what: 'phase' | 'agent',
  ): boolean {
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const state = new Map<string, 'visiting' | 'done'>();
    let found = false;
    const visit = (n: (typeof nodes)[number], path: string[]): void => {
      state.set(n.id, 'visiting');
      for (const dep of n.deps) {
        const target = byId.get(dep.value);
        if (!target) continue;
        const s = state.get(target.id);
        if (s === 'visiting') {
          found = true;
          const cycle = [...path.slice(path.indexOf(target.id)), n.id, target.id];
          this.src.error(
            dep.node,
            target.id === n.id
              ? `${what} \`${n.id}\` depends on itself; remove \`${dep.value}\` from its \`depends_on\``
              : `${what}s depend on each other in a cycle (${cycle.join(' -> ')}); remove one of these \`depends_on\` entries`,
          );
        } else if (s === undefined) visit(target, [...path, n.id]);
      }
      state.set(n.id, 'done');
    };
    for (const n of nodes) if (!state.has(n.id)) visit(n, []);
    return found;
  }

  private checkDuplicates(drafts: StepDraft[]): void {
    const first = new Map<string, StepDraft>();
    for (let i = 0; i < drafts.length; i++) {
      const d = drafts[i];
      const prev = first.get(d.id);
      if (prev) {
        const line = this.src.position(prev.def.name.node.range?.[0] ?? 0).line;
        this.src.error(
          d.def.name.node,
          `step \`${d.id}\` is defined twice (first at line ${line}); give one a different \`name:\` (a full definition with \`type:\`)`,
        );
        drafts.splice(i--, 1);
      } else first.set(d.id, d);
    }
  }

  /** Resolves one agent entry against agents.yml and the catalogue. */
  private draft(
    node: Node,
    phase: string,
    phaseDefaults: { timeoutMs?: number; retries?: number; if?: Located<string> } | undefined,
    batch: boolean,
  ): StepDraft | undefined {
    const { src, ctx } = this;
    const written = readAgentDefinition(src, node, phase === 'main' ? '`agents`' : `phase \`${phase}\``);
    if (!written) return undefined;
    const nameProblemText = nameProblem(written.name.value, 'an agent name');
    if (nameProblemText) {
      src.error(written.name.node, nameProblemText);
      return undefined;
    }
    const declared = ctx.agents.agents.get(written.name.value.toLowerCase());
    const def = declared ? merge(declared, written) : written;
    const byName =
      resolveAgentType(written.name.value) ??
      (declared?.type ? resolveAgentType(declared.type.value) : undefined);
    let spec: AgentTypeSpec | undefined;
    if (def.type) {
      spec = resolveAgentType(def.type.value);
      if (!spec) {
        this.report(def.type, `unknown agent type \`${def.type.value}\`${this.agentHint(def.type.value)}`);
        return undefined;
      }
      const nameType = resolveAgentType(written.name.value);
      if (nameType && nameType.id !== spec.id && def.type.src === src) {
        src.warn(
          def.type.node,
          `agent \`${written.name.value}\` is a name of type \`${nameType.id}\`, but \`type: ${def.type.value}\` says \`${spec.id}\`; the type wins (rename the agent to silence this)`,
        );
      }
    } else if (byName) {
      spec = byName;
    } else {
      const hint = this.agentHint(written.name.value);
      src.error(
        written.name.node,
        `unknown agent \`${written.name.value}\`${hint || '; declare it in agents.yml, or write it in full with a `type:`'}`,
      );
      return undefined;
    }
    const tasks: string[] = [];
    for (const t of def.tasks ?? []) {
      if (!spec.tasks.includes(t.value))
        this.report(
          t,
          `agent type \`${spec.id}\` has no task \`${t.value}\`${didYouMean(t.value, spec.tasks)}`,
        );
      else if (!tasks.includes(t.value)) tasks.push(t.value);
    }
    if (def.tasks && def.tasks.length === 0)
      this.report(
        def.tasksAt ?? { value: '', node: def.node, src: def.src },
        `\`tasks\` of agent \`${written.name.value}\` is empty; list tasks or remove the key to run its defaults`,
      );
    const id = phase === 'main' ? written.name.value : `${phase}.${written.name.value}`;
    const ifText =
      written.if ?? phaseDefaults?.if ?? (declared?.if && declared.if.src === src ? declared.if : undefined);
    return {
      id,
      phase,
      def,
      spec,
      dependsOn: [],
      defaultRefs: [],
      ifText,
      timeoutMs:
        def.timeoutMs ??
        phaseDefaults?.timeoutMs ??
        ctx.agents.defaults?.timeoutMs ??
        DEFAULT_STEP_TIMEOUT_MS,
      retries: def.retries ?? phaseDefaults?.retries ?? ctx.agents.defaults?.retries ?? 1,
      batch: def.batch ?? batch ?? ctx.agents.defaults?.batch ?? false,
      at: written.node,
    };
  }

  private agentHint(name: string): string {
    const declared = [...this.ctx.agents.agents.values()].map((d) => d.name.value);
    const catalogue = [
      'code-review-agent',
      'security-agent',
      'test-coverage-agent',
      'test-generation-agent',
      'test-review-agent',
      'test-runner',
      'documentation-agent',
      'architecture-agent',
      'migration-planning-agent',
      'impact-analysis-agent',
      'lint-agent',
      'CodeReviewAgent',
      'SecurityAgent',
      'TestGenerationAgent',
      'DocumentationAgent',
      'ArchitectureReviewAgent',
      'code-review',
      'security',
      'test-coverage',
      'test-generation',
      'test-review',
      'documentation',
      'architecture-review',
      'migration-planning',
      'impact-analysis',
      'lint',
    ];
    const hit = closest(name, [...declared, ...catalogue]);
    return hit ? `; did you mean \`${hit}\`?` : '';
  }

  /** Reports at a located value; a value from agents.yml is reported at the workflow's reference too. */
  private report(at: Located<string>, message: string): void {
    at.src.error(at.node, message);
    if (at.src !== this.src) this.src.diagnostics.push(...at.src.diagnostics.splice(0));
  }

  // ---- fallback, providers, conditions ---------------------------------------------------------

  private dataClasses(): string[] {
    const { src, ctx } = this;
    const field = this.f.get('data_classes');
    if (!field) return ctx.classesFor(this.id);
    const out: string[] = [];
    for (const c of src.stringList(field.value, '`data_classes`') ?? []) {
      if (!ctx.dataClasses.includes(c.value))
        src.error(c.node, `unknown data class \`${c.value}\`${didYouMean(c.value, [...ctx.dataClasses])}`);
      else out.push(c.value);
    }
    return out;
  }

  private finishSteps(
    drafts: StepDraft[],
    rules: FallbackRule[],
    classes: string[],
    runTimeout: number,
  ): PlanStep[] {
    const { src } = this;
    const ids = new Set(drafts.map((d) => d.id));
    const phases = new Map<string, string[]>();
    for (const d of drafts)
      if (d.phase !== 'main') phases.set(d.phase, [...(phases.get(d.phase) ?? []), d.id]);
    const ancestors = new Map<string, Set<string>>();
    const byId = new Map(drafts.map((d) => [d.id, d]));
    const ancestorsOf = (id: string, trail = new Set<string>()): Set<string> => {
      const hit = ancestors.get(id);
      if (hit) return hit;
      const out = new Set<string>();
      if (trail.has(id)) return out;
      trail.add(id);
      for (const dep of byId.get(id)?.dependsOn ?? []) {
        out.add(dep);
        for (const a of ancestorsOf(dep, trail)) out.add(a);
      }
      ancestors.set(id, out);
      return out;
    };
    const unreachable = new Set<string>();
    const steps: PlanStep[] = [];
    for (const d of topological(drafts)) {
      let condition: string | undefined;
      if (d.ifText) {
        condition = d.ifText.value.trim();
        try {
          d.condition = parseCondition(condition);
        } catch (error) {
          if (!(error instanceof ConditionSyntaxError)) throw error;
          this.report({ ...d.ifText }, `\`if\`: ${error.message}`);
          if (d.ifText.src === src) src.diagnostics.pop();
          if (d.ifText.src === src) src.errorInside(d.ifText.node, error.offset, `\`if\`: ${error.message}`);
          continue;
        }
        const mine = ancestorsOf(d.id);
        let refsOk = true;
        for (const ref of conditionRefs(d.condition)) {
          const members = ids.has(ref.ref) ? [ref.ref] : phases.get(ref.ref);
          if (!members && this.phaseNames.has(ref.ref)) {
            refsOk = false; // the phase exists but none of its agents compiled; that is reported there
          } else if (!members) {
            refsOk = false;
            src.errorInside(
              d.ifText.node,
              ref.start,
              `\`if\` names \`${ref.ref}\`, which is not a step or phase of this workflow${didYouMean(ref.ref, [...ids, ...phases.keys()])}`,
            );
          } else if (!members.every((m) => mine.has(m))) {
            refsOk = false;
            src.errorInside(
              d.ifText.node,
              ref.start,
              `\`if\` names \`${ref.ref}\`, but step \`${d.id}\` does not wait for it; add it to \`depends_on\` so its outcome is known`,
            );
          }
        }
        if (refsOk) {
          const domain = (ref: string): readonly string[] | 'free' => {
            const members = ids.has(ref) ? [ref] : (phases.get(ref) ?? []);
            if (members.length === 1) return unreachable.has(members[0]) ? ['skipped'] : RUNNABLE_STATUSES;
            return members.every((m) => unreachable.has(m)) ? ['skipped'] : 'free';
          };
          if (!isSatisfiable(d.condition, domain)) {
            unreachable.add(d.id);
            src.error(
              d.ifText.node,
              `step \`${d.id}\` can never run: its \`if\` cannot be true${d.condition.kind === 'const' ? '' : ' for any outcome of the steps it names'}; fix the condition or remove the step`,
            );
          }
        }
      } else if (d.defaultRefs.length > 0) {
        // The default is written out, so the coordinator applies only explicit conditions.
        condition = [...new Set(d.defaultRefs)].map((r) => `${r}.succeeded`).join(' && ');
        const blocked = d.dependsOn.find((dep) => unreachable.has(dep));
        if (blocked) {
          unreachable.add(d.id);
          src.error(
            d.at,
            `step \`${d.id}\` can never run: it needs \`${blocked}\` to succeed, and that step never runs; add an \`if:\` or remove the step`,
          );
        }
      }
      if (d.timeoutMs > runTimeout)
        src.warn(
          d.def.node,
          `step \`${d.id}\` may take ${d.timeoutMs / 1000}s, longer than the whole run's ${runTimeout / 1000}s \`timeout\``,
        );
      const { providers, model } = this.providerChain(d, rules, classes);
      const hasBatchApi = providers.some((p) =>
        vendorCan(this.ctx.providers.get(p.provider)?.kind ?? '', 'batch'),
      );
      if (d.batch && providers.length > 0 && !hasBatchApi) {
        src.warn(
          d.def.node,
          `step \`${d.id}\` is \`batch: true\` but no provider of its chain has a Batch API (kind ${vendorKindsWith('batch').join(' or ')}): its calls are made live, at full price; add such a provider to its chain or set \`batch: false\``,
        );
      } else if (d.batch && hasBatchApi && d.timeoutMs < MIN_BATCH_TIMEOUT_MS) {
        src.warn(
          d.def.node,
          `step \`${d.id}\` is \`batch: true\` with a ${d.timeoutMs / 60_000} min timeout: vendors answer batches within 24 h, usually within the hour, so it would mostly end \`job_expired\`; give it \`timeout: 90m\` or more (nightly work), or set \`batch: false\` (a pull request check waits for its run's last step)`,
        );
      }
      const options: Record<string, unknown> = { ...(d.def.options ?? {}) };
      const step: PlanStep = {
        id: d.id,
        phase: d.phase,
        agentType: d.spec.id,
        agentName: d.def.name.value,
        tasks:
          d.def.tasks && d.def.tasks.length > 0
            ? [...new Set(d.def.tasks.map((t) => t.value).filter((t) => d.spec.tasks.includes(t)))]
            : [...d.spec.defaultTasks],
        dependsOn: [...new Set(d.dependsOn)],
        providers,
        model,
        timeoutMs: d.timeoutMs,
        retries: d.retries,
        batch: d.batch,
        options,
      };
      if (condition !== undefined) step.if = condition;
      steps.push(step);
    }
    // Keep the order the author wrote.
    const order = new Map(drafts.map((d, i) => [d.id, i]));
    return steps.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }

  private providerChain(
    d: StepDraft,
    rules: FallbackRule[],
    classes: string[],
  ): { providers: PlanProvider[]; model: PlanStep['model'] } {
    const { ctx, src } = this;
    const model: PlanStep['model'] = {};
    if (d.def.maxTokens !== undefined) model.maxTokens = d.def.maxTokens;
    if (d.def.temperature !== undefined) model.temperature = d.def.temperature;
    if (d.def.focus !== undefined) model.focus = d.def.focus;
    if (!d.spec.usesModel) {
      if (d.def.service && d.def.service.src === src)
        src.warn(d.def.service.node, `agent type \`${d.spec.id}\` uses no model; \`service\` is ignored`);
      return { providers: [], model };
    }
    const defaults = ctx.agents.defaults;
    const serviceRef = d.def.service ?? defaults?.service;
    const serviceName = serviceRef?.value ?? ctx.providers.first();
    const at: Located<string> =
      serviceRef && serviceRef.src === src
        ? serviceRef
        : { value: d.def.name.value, node: d.def.name.node, src };
    if (serviceName === undefined) {
      src.error(at.node, 'no provider is configured: add one to providers.yml');
      return { providers: [], model };
    }
    const provider = ctx.providers.resolve(serviceName);
    if (!provider) {
      this.report(
        serviceRef ?? at,
        `unknown provider \`${serviceName}\`${didYouMean(serviceName, ctx.providers.names())}`,
      );
      return { providers: [], model };
    }
    const modelRef =
      d.def.model ??
      (d.def.service === undefined || defaults?.service?.value === serviceName ? defaults?.model : undefined);
    let modelId: string | undefined;
    if (modelRef) {
      const resolved = ctx.providers.resolveModel(provider, modelRef.value);
      if (!resolved) {
        const owner = ctx.providers.ownerOfModel(modelRef.value);
        const hint =
          owner && owner !== provider
            ? `; it is a model of \`${owner}\`, set \`service: ${owner}\``
            : didYouMean(modelRef.value, Object.keys(ctx.providers.get(provider)!.models));
        this.report(modelRef, `provider \`${provider}\` has no model \`${modelRef.value}\`${hint}`);
        return { providers: [], model };
      }
      if (resolved.retiredFrom) {
        const warnAt = modelRef.src === src ? modelRef : at;
        src.warn(
          warnAt.node,
          `model \`${resolved.retiredFrom}\` is retired; using its successor \`${resolved.model}\` (write \`model: ${resolved.model}\` to silence this)`,
        );
      }
      modelId = resolved.model;
      const life = ctx.providers.lifecycle(provider, modelId);
      if (life) {
        const node = modelRef.src === src ? modelRef.node : at.node;
        const where =
          modelRef.src === src
            ? ''
            : ` (set in ${modelRef.src.file}:${modelRef.src.position(modelRef.node?.range?.[0] ?? 0).line})`;
        if (life.severity === 'error') src.error(node, `${life.message}${where}`);
        else src.warn(node, `${life.message}${where}`);
      }
    } else modelId = ctx.providers.modelForTier(provider, d.def.complexity);
    if (modelId === undefined) {
      src.error(at.node, `provider \`${provider}\` declares no models`);
      return { providers: [], model };
    }
    const tier = d.def.complexity ?? ctx.providers.tierOf(provider, modelId);
    if (tier) model.complexity = tier;
    const chain: PlanProvider[] = [{ provider, model: modelId }];
    this.checkClass(provider, classes, at);
    let current = provider;
    for (;;) {
      const rule = rules.find((r) => r.use && r.provider === current);
      const next = rule?.use;
      if (!next || chain.some((c) => c.provider === next.provider)) break;
      const nextModel = next.model ?? ctx.providers.modelForTier(next.provider, tier);
      if (nextModel === undefined) break;
      chain.push({ provider: next.provider, model: nextModel });
      this.checkClass(next.provider, classes, { value: next.provider, node: next.node, src });
      current = next.provider;
    }
    const any = rules.find((r) => r.use && r.provider === '*');
    if (any?.use && !chain.some((c) => c.provider === any.use!.provider)) {
      const nextModel = any.use.model ?? ctx.providers.modelForTier(any.use.provider, tier);
      if (nextModel !== undefined) {
        chain.push({ provider: any.use.provider, model: nextModel });
        this.checkClass(any.use.provider, classes, { value: any.use.provider, node: any.use.node, src });
      }
    }
    for (const link of chain) {
      if (ctx.providers.get(link.provider)?.enabled === false)
        src.warn(
          at.node,
          `provider \`${link.provider}\` is disabled in providers.yml; step \`${d.id}\` cannot use it until it is enabled`,
        );
    }
    return { providers: chain, model };
  }

  private checkClass(provider: string, classes: string[], at: Located<string>): void {
    const allowed = this.ctx.providers.get(provider)?.dataClasses ?? [];
    const refused = classes.filter((c) => !allowed.includes(c));
    if (refused.length === 0) return;
    const declared = this.f.has('data_classes');
    const fix = declared
      ? 'remove it from the chain or narrow `data_classes`'
      : 'remove it from the chain, or declare `data_classes:` with the classes it may receive';
    this.report(
      at,
      `provider \`${provider}\` may not receive ${refused.map((c) => `\`${c}\``).join(', ')} data (it accepts ${allowed.join(', ') || 'none'}), which this workflow ${declared ? 'declares' : 'can be sent by the settings'}; ${fix}`,
    );
  }
}

/** A workflow definition layered over an agents.yml declaration: what the workflow writes wins. */
function merge(base: AgentDefinition, over: AgentDefinition): AgentDefinition {
  const out: AgentDefinition = { ...base, name: over.name, node: over.node, src: over.src, bare: over.bare };
  for (const key of [
    'type',
    'service',
    'model',
    'maxTokens',
    'temperature',
    'focus',
    'complexity',
    'tasks',
    'tasksAt',
    'timeoutMs',
    'retries',
    'if',
    'batch',
    'dependsOn',
  ] as const) {
    if (over[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = over[key];
  }
  if (over.service !== undefined && over.model === undefined && base.service?.value !== over.service.value)
    delete out.model;
  out.options = { ...(base.options ?? {}), ...(over.options ?? {}) };
  if (over.if === undefined) delete out.if;
  return out;
}

/** Steps ordered so each comes after what it depends on (cycles were reported; their members keep file order). */
function topological(drafts: StepDraft[]): StepDraft[] {
  const byId = new Map(drafts.map((d) => [d.id, d]));
  const out: StepDraft[] = [];
  const state = new Map<string, number>();
  const visit = (d: StepDraft): void => {
    if (state.get(d.id) !== undefined) return;
    state.set(d.id, 1);
    for (const dep of d.dependsOn) {
      const t = byId.get(dep);
      if (t && state.get(dep) === undefined) visit(t);
    }
    state.set(d.id, 2);
    out.push(d);
  };
  for (const d of drafts) visit(d);
  return out;
}
