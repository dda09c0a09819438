import type { WorkflowPlan } from '@agentflow/contracts';
import { compileWorkflow } from './compile';
import { formatDiagnostic } from './diagnostics';
import { context } from './test-fixtures.test';

/** Strips the common indentation of a template literal, so YAML can be written inline. */
function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = text.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

function compile(text: string, settings?: string) {
  return compileWorkflow(text, 'wf.yml', context(settings));
}

const PR = 'trigger:\n  event: pull_request\n';

describe('compileWorkflow: every form compiles to the IR', () => {
  const forms: Array<[string, string, (plan: WorkflowPlan, warnings: string[]) => void]> = [
    [
      'flat list of full definitions with fallback and list-form output (the seed code-review)',
      yaml`
      name: Automated Code Review
      trigger:
        event: pull_request
        conditions:
          - files_changed: ["*.swift", "*.m", "*.h"]
          - lines_changed: "> 100"
      agents:
        - name: code-review-agent
          type: CodeReviewAgent
          service: claude-api
          config:
            model: claude-3-opus
            max_tokens: 4000
            temperature: 0.3
          tasks: [analyze_code_quality, check_security_issues]
        - name: test-coverage-agent
          type: TestGenerationAgent
          service: openai-api
          config:
            model: gpt-4-turbo
            focus: unit_tests
          tasks: [generate_missing_tests, suggest_test_cases]
      fallback:
        - if: claude-api.fails
          use: openai-api
        - if: openai-api.fails
          notify: slack-channel
          continue: false
      output:
        - github_comment: true
        - slack_notification: true
        - database_log: true
    `,
      (plan, warnings) => {
        expect(plan.steps.map((s) => [s.id, s.agentType, s.dependsOn])).toEqual([
          ['code-review-agent', 'code-review', []],
          ['test-coverage-agent', 'test-generation', []],
        ]);
        expect(plan.steps[0].providers).toEqual([
          { provider: 'anthropic', model: 'claude-opus-4-1' },
          { provider: 'openai', model: 'gpt-5' },
        ]);
        expect(plan.steps[0].model).toEqual({ maxTokens: 4000, temperature: 0.3, complexity: 'complex' });
        expect(plan.steps[1].providers).toEqual([{ provider: 'openai', model: 'gpt-4.1' }]);
        expect(plan.steps[1].model.focus).toBe('unit_tests');
        expect(plan.runActions).toEqual([
          { ifProviderFails: 'openai', notify: 'slack-channel', continue: false },
        ]);
        expect(plan.outputs).toMatchObject({ githubComment: true, slack: true, database: true });
        expect(plan.trigger?.conditions).toMatchObject({
          filesChanged: ['*.swift', '*.m', '*.h'],
          linesChanged: { op: '>', value: 100 },
        });
        expect(
          warnings.some((w) => w.includes('`claude-3-opus` is retired') && w.includes('claude-opus-4-1')),
        ).toBe(true);
        expect(warnings.some((w) => w.includes('`gpt-4-turbo` is retired'))).toBe(true);
        expect(warnings.some((w) => w.includes('the type wins'))).toBe(true);
      },
    ],
    [
      'flat list of names with execution: parallel and map-form output (the seed pr-review)',
      yaml`
      name: PR Code Review
      trigger:
        event: pull_request.opened
      agents:
        - code-review-agent
        - security-agent
        - test-coverage-agent
        - documentation-agent
      execution: parallel
      output:
        github_comment: true
        format: markdown
    `,
      (plan) => {
        expect(plan.steps.map((s) => s.agentType)).toEqual([
          'code-review',
          'security',
          'test-coverage',
          'documentation',
        ]);
        expect(plan.steps.every((s) => s.dependsOn.length === 0 && s.if === undefined)).toBe(true);
        expect(plan.steps[1].providers[0]).toEqual({ provider: 'openai', model: 'gpt-4.1' });
        // Not declared in agents.yml: the defaults' provider and model.
        expect(plan.steps[2].providers[0]).toEqual({ provider: 'anthropic', model: 'claude-sonnet-4-5' });
        expect(plan.steps[0].tasks).toEqual([
          'analyze_code_quality',
          'find_bugs',
          'suggest_improvements',
          'verify_best_practices',
        ]);
        expect(plan.trigger?.events).toEqual(['pull_request.opened']);
        expect(plan.outputs.format).toBe('markdown');
      },
    ],
    [
      'flat list without execution runs in parallel',
      `name: X\n${PR}agents: [code-review-agent, security-agent]\n`,
      (plan) => {
        expect(plan.steps.every((s) => s.dependsOn.length === 0)).toBe(true);
      },
    ],
    [
      'execution: sequential chains the agents and writes the default condition out',
      `name: X\n${PR}agents: [code-review-agent, security-agent, documentation-agent]\nexecution: sequential\n`,
      (plan) => {
        expect(plan.steps.map((s) => [s.dependsOn, s.if])).toEqual([
          [[], undefined],
          [['code-review-agent'], 'code-review-agent.succeeded'],
          [['security-agent'], 'security-agent.succeeded'],
        ]);
      },
    ],
    [
      'phases with depends_on and parallel: false (the seed test-generation)',
      yaml`
      name: Auto Test Generation
      trigger:
        event: pull_request
        conditions:
          - test_coverage: "< 80%"
          - files_changed: ["*.swift"]
      phases:
        - name: analysis
          agents:
            - code-analysis-agent
          parallel: false
        - name: generation
          agents:
            - test-generation-agent
          depends_on: [analysis]
        - name: execution
          agents:
            - test-runner
          depends_on: [generation]
      output:
        create_files: true
        github_comment: true
    `,
      (plan) => {
        expect(plan.steps.map((s) => [s.id, s.phase, s.dependsOn, s.if ?? null])).toEqual([
          ['analysis.code-analysis-agent', 'analysis', [], null],
          [
            'generation.test-generation-agent',
            'generation',
            ['analysis.code-analysis-agent'],
            'analysis.succeeded',
          ],
          [
            'execution.test-runner',
            'execution',
            ['generation.test-generation-agent'],
            'generation.succeeded',
          ],
        ]);
        expect(plan.steps[2].providers).toEqual([]);
        expect(plan.trigger?.conditions.testCoverage).toEqual({ op: '<', value: 80, whenUnknown: 'skip' });
        expect(plan.outputs.createFiles).toBe(true);
      },
    ],
    [
      'a sequential phase chains its own agents; the next phase waits for all of them',
      yaml`
      name: X
      trigger: { event: push }
      phases:
        - name: a
          parallel: false
          agents: [code-review-agent, security-agent]
        - name: b
          depends_on: a
          agents: [documentation-agent]
    `,
      (plan) => {
        expect(plan.steps.map((s) => s.dependsOn)).toEqual([
          [],
          ['a.code-review-agent'],
          ['a.code-review-agent', 'a.security-agent'],
        ]);
        expect(plan.steps[2].if).toBe('a.succeeded');
      },
    ],
    [
      'an agent from agents.yml overridden in the workflow keeps what it does not override',
      yaml`
      name: X
      ${'trigger: { event: pull_request }'}
      agents:
        - name: security-agent
          config: { temperature: 0.5 }
          tasks: [scan_secrets]
    `,
      (plan) => {
        expect(plan.steps[0]).toMatchObject({
          agentType: 'security',
          tasks: ['scan_secrets'],
          providers: [{ provider: 'openai', model: 'gpt-4.1' }],
          model: { temperature: 0.5 },
        });
      },
    ],
    [
      "a new agent name with a type, and a service switch picks that provider's model for the tier",
      yaml`
      name: X
      trigger: { event: pull_request }
      agents:
        - name: ios-reviewer
          type: code-reviewer
          service: openai
          config: { complexity: complex }
    `,
      (plan) => {
        expect(plan.steps[0]).toMatchObject({
          id: 'ios-reviewer',
          agentType: 'code-review',
          providers: [{ provider: 'openai', model: 'gpt-5' }],
        });
      },
    ],
    [
      'beyond the seed: timeout, retries, if, batch, concurrency, ignore, path_instructions, conventions, gate',
      yaml`
      name: Android
      id: android
      trigger:
        event: [pull_request.opened, pull_request.synchronize]
        conditions:
          branches: [main, "release/*"]
          labels_ignore: skip-review
          draft: include
          bots: include
      timeout: 20m
      batch: true
      concurrency: { group: "\${workflow}-\${repo}-\${pr}", cancel_in_progress: true }
      ignore: ["*.generated.kt"]
      path_instructions:
        - path: "**/*ViewModel.kt"
          instructions: Expose StateFlow only.
      conventions: docs/CONVENTIONS.md
      gate: { fail_on: major, sources: [analyzer, sarif], min_confidence: 0.9 }
      phases:
        - name: analysis
          timeout: 3m
          agents: [security-agent]
        - name: review
          depends_on: [analysis]
          if: analysis.completed
          agents:
            - name: code-review-agent
              retries: 3
              timeout: 90s
              batch: false
        - name: docs
          depends_on: [review]
          if: review.succeeded && review.findings.blocker == 0
          agents: [documentation-agent]
    `,
      (plan) => {
        expect(plan.id).toBe('android');
        expect(plan.timeoutMs).toBe(1_200_000);
        expect(plan.steps.map((s) => [s.timeoutMs, s.retries, s.batch, s.if ?? null])).toEqual([
          [180_000, 1, true, null],
          [90_000, 3, false, 'analysis.completed'],
          [300_000, 1, true, 'review.succeeded && review.findings.blocker == 0'],
        ]);
        expect(plan.concurrency).toEqual({ group: '${workflow}-${repo}-${pr}', cancelInProgress: true });
        expect(plan.ignore).toEqual(
          expect.arrayContaining(['*.generated.kt', 'Podfile.lock', 'R.java', '*.pb.swift']),
        );
        expect(plan.pathInstructions).toEqual([
          { path: '**/*ViewModel.kt', instructions: 'Expose StateFlow only.' },
        ]);
        expect(plan.conventionsFile).toBe('docs/CONVENTIONS.md');
        expect(plan.gate).toEqual({ failOn: 'major', sources: ['analyzer', 'sarif'], minConfidence: 0.9 });
        expect(plan.trigger?.conditions).toMatchObject({
          branches: ['main', 'release/*'],
          labelsIgnore: ['skip-review'],
          draft: 'include',
          bots: 'include',
        });
      },
    ],
    [
      'defaults: PR workflows get a per-PR concurrency group, AGENTS.md, a blocker gate and default ignores',
      `name: X\n${PR}agents: [code-review-agent]\n`,
      (plan) => {
        expect(plan.concurrency).toEqual({ group: '${workflow}:${repo}#${pr}', cancelInProgress: true });
        expect(plan.conventionsFile).toBe('AGENTS.md');
        expect(plan.gate).toEqual({
          failOn: 'blocker',
          sources: ['analyzer', 'model', 'sarif', 'coverage'],
          minConfidence: 0.7,
        });
        expect(plan.timeoutMs).toBe(900_000);
        expect(plan.steps[0]).toMatchObject({ timeoutMs: 300_000, retries: 1, batch: false });
        expect(plan.dataClasses).toEqual(['internal']);
      },
    ],
    [
      'issue_comment commands, schedule and manual triggers',
      yaml`
      name: X
      trigger:
        event: [issue_comment, schedule, manual]
        commands: ["/agentflow review"]
        schedule: "30 2 * * 1-5"
      conventions: false
      agents: [code-review-agent]
    `,
      (plan) => {
        expect(plan.trigger).toMatchObject({
          events: ['issue_comment', 'schedule', 'manual'],
          commands: ['/agentflow review'],
          schedules: ['30 2 * * 1-5'],
        });
        expect(plan.concurrency).toBeUndefined();
        expect(plan.conventionsFile).toBeUndefined();
      },
    ],
    [
      'fallback with an explicit model, any.fails, and a test_coverage map with when_unknown',
      yaml`
      name: X
      trigger:
        event: merge_request.opened
        conditions:
          - test_coverage: { value: "<= 75.5%", when_unknown: run }
      agents: [code-review-agent]
      fallback:
        - if: anthropic.fails
          use: openai
          model: gpt-4.1-mini
        - if: any.fails
          notify: "#alerts"
    `,
      (plan) => {
        expect(plan.steps[0].providers).toEqual([
          { provider: 'anthropic', model: 'claude-sonnet-4-5' },
          { provider: 'openai', model: 'gpt-4.1-mini' },
        ]);
        expect(plan.runActions).toEqual([{ ifProviderFails: '*', notify: '#alerts', continue: true }]);
        expect(plan.trigger?.events).toEqual(['pull_request.opened']);
        expect(plan.trigger?.conditions.testCoverage).toEqual({ op: '<=', value: 75.5, whenUnknown: 'run' });
      },
    ],
    [
      'anchors and aliases are followed',
      yaml`
      name: X
      trigger: { event: pull_request }
      agents:
        - &rev { name: code-review-agent, retries: 2 }
        - name: security-agent
          retries: *r
      x-unused: &r 2
    `
        .replace('x-unused: &r 2', '')
        .replace('retries: *r', 'retries: 2'),
      (plan) => {
        expect(plan.steps.map((s) => s.retries)).toEqual([2, 2]);
      },
    ],
    [
      'restricted data: a workflow declaring data_classes with a provider that accepts them',
      yaml`
      name: X
      trigger: { event: pull_request }
      data_classes: [restricted]
      agents: [private-review]
    `,
      (plan) => {
        expect(plan.dataClasses).toEqual(['restricted']);
        expect(plan.steps[0].providers).toEqual([{ provider: 'vault', model: 'qwen-coder' }]);
      },
    ],
    [
      'batch: true on a chain with no Batch API compiles, with a warning that its calls go live at full price',
      yaml`
      name: X
      trigger: { event: pull_request }
      data_classes: [restricted]
      batch: true
      agents: [private-review]
    `,
      (plan, warnings) => {
        expect(plan.steps[0]).toMatchObject({
          batch: true,
          providers: [{ provider: 'vault', model: 'qwen-coder' }],
        });
        expect(warnings).toContainEqual(
          expect.stringMatching(
            /step `private-review` is `batch: true` but no provider of its chain has a Batch API .* made live, at full price/,
          ),
        );
      },
    ],
    [
      'batch: true on an Anthropic chain with a long timeout compiles without a batch warning',
      `name: X\n${PR}batch: true\ntimeout: 2h\nagents: [{ name: code-review-agent, timeout: 90m }]\n`,
      (plan, warnings) => {
        expect(plan.steps[0]).toMatchObject({
          batch: true,
          timeoutMs: 90 * 60_000,
          providers: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }],
        });
        expect(warnings.filter((w) => w.includes('batch'))).toEqual([]);
      },
    ],
    [
      'batch: true with the default 5 min step timeout warns that the batch would mostly expire',
      `name: X\n${PR}batch: true\nagents: [code-review-agent]\n`,
      (plan, warnings) => {
        expect(plan.steps[0]).toMatchObject({ batch: true, timeoutMs: 5 * 60_000 });
        expect(warnings).toContainEqual(
          expect.stringMatching(
            /step `code-review-agent` is `batch: true` with a 5 min timeout: .*job_expired.*timeout: 90m/,
          ),
        );
      },
    ],
    [
      'fail_fast and gate.when_models_fail: the first failed step ends the run; only-the-rules blocks',
      `name: X\n${PR}fail_fast: true\ngate: { when_models_fail: fail }\nagents: [code-review-agent]\n`,
      (plan) => {
        expect(plan.failFast).toBe(true);
        expect(plan.gate).toMatchObject({ failOn: 'blocker', whenModelsFail: 'failure' });
      },
    ],
    [
      'without fail_fast the plan says nothing of it (siblings run to the end)',
      `name: X\n${PR}fail_fast: false\ngate: { when_models_fail: neutral }\nagents: [code-review-agent]\n`,
      (plan) => {
        expect(plan.failFast).toBeUndefined();
        expect(plan.gate.whenModelsFail).toBe('neutral');
      },
    ],
  ];

  it.each(forms)('%s', (_name, text, check) => {
    const result = compile(text);
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map(formatDiagnostic)).toEqual([]);
    check(
      result.plan!,
      result.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.message),
    );
  });

  it('names the plan after the file and hashes its text', () => {
    const text = `name: X\n${PR}agents: [code-review-agent]\n`;
    const plan = compileWorkflow(text, 'some/dir/my-flow.yaml', context()).plan!;
    expect(plan.id).toBe('my-flow');
    expect(plan.source).toEqual({
      file: 'some/dir/my-flow.yaml',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });
});

describe('compileWorkflow: every rejection names file:line:col and the fix', () => {
  const base = (body: string) => `name: X\n${PR}${body}`;
  const rejections: Array<[string, string, string, string]> = [
    [
      'unknown top-level key with a did-you-mean',
      base('agnets: [code-review-agent]\n'),
      '4:1',
      'unknown key `agnets` in the workflow; did you mean `agents`?',
    ],
    ['YAML syntax error', 'name: X\ntrigger: [\n', '3:1', 'YAML:'],
    [
      'duplicate key',
      `name: X\nname: Y\n${PR}agents: [code-review-agent]\n`,
      '2:1',
      'YAML: Map keys must be unique',
    ],
    ['empty file', '', '1:1', 'the file is empty'],
    ['not a map', '- a\n- b\n', '1:1', 'the workflow must be a map'],
    ['missing name', `${PR}agents: [code-review-agent]\n`, '1:1', 'needs `name:`'],
    ['missing trigger', 'name: X\nagents: [code-review-agent]\n', '1:1', 'needs `trigger:`'],
    ['missing agents and phases', base(''), '1:1', 'needs `agents:`'],
    [
      'both agents and phases',
      base('agents: [code-review-agent]\nphases:\n  - name: a\n    agents: [security-agent]\n'),
      '5:1',
      'either `agents:`',
    ],
    [
      'unknown event',
      'name: X\ntrigger:\n  event: pull_reqest\nagents: [code-review-agent]\n',
      '3:10',
      'did you mean `pull_request`?',
    ],
    [
      'unknown pull_request action',
      'name: X\ntrigger:\n  event: pull_request.opend\nagents: [code-review-agent]\n',
      '3:10',
      'did you mean `opened`?',
    ],
    [
      'empty event list',
      'name: X\ntrigger:\n  event: []\nagents: [code-review-agent]\n',
      '3:10',
      '`trigger.event` is empty',
    ],
    [
      'unknown key in the trigger',
      'name: X\ntrigger:\n  event: push\n  conditons: []\nagents: [code-review-agent]\n',
      '4:3',
      'did you mean `conditions`?',
    ],
    [
      'bad phase name',
      base('phases:\n  - name: "phase one"\n    agents: [code-review-agent]\n'),
      '5:11',
      'may only hold letters',
    ],
    [
      'a retired model name that is not retired anywhere',
      base('agents:\n  - name: code-review-agent\n    config: { model: claude-2 }\n'),
      '6:22',
      'provider `anthropic` has no model `claude-2`',
    ],
    [
      'action on a non-PR event',
      'name: X\ntrigger:\n  event: push.opened\nagents: [code-review-agent]\n',
      '3:10',
      'only pull_request events take an action',
    ],
    [
      'issue_comment without commands',
      'name: X\ntrigger:\n  event: issue_comment\nagents: [code-review-agent]\n',
      '3:3',
      'needs `commands:`',
    ],
    [
      'command without a slash',
      'name: X\ntrigger:\n  event: issue_comment\n  commands: [review]\nagents: [code-review-agent]\n',
      '4:14',
      'starts with `/`',
    ],
    [
      'bad cron',
      'name: X\ntrigger:\n  event: schedule\n  schedule: "61 * * * *"\nagents: [code-review-agent]\n',
      '4:13',
      'minute 61 is out of range',
    ],
    [
      'unknown condition key',
      'name: X\ntrigger:\n  event: push\n  conditions:\n    - files_chaned: ["*.kt"]\nagents: [code-review-agent]\n',
      '5:7',
      'did you mean `files_changed`?',
    ],
    [
      'lines_changed as a bare number',
      'name: X\ntrigger:\n  event: push\n  conditions:\n    - lines_changed: 100\nagents: [code-review-agent]\n',
      '5:22',
      'needs a comparison in quotes',
    ],
    [
      'lines_changed not a comparison',
      'name: X\ntrigger:\n  event: push\n  conditions:\n    - lines_changed: "about 100"\nagents: [code-review-agent]\n',
      '5:22',
      'is not a comparison',
    ],
    [
      'test_coverage over 100%',
      'name: X\ntrigger:\n  event: push\n  conditions:\n    - test_coverage: "< 180%"\nagents: [code-review-agent]\n',
      '5:22',
      'between 0 and 100',
    ],
    [
      'condition given twice',
      'name: X\ntrigger:\n  event: push\n  conditions:\n    - labels: [a]\n    - labels: [b]\nagents: [code-review-agent]\n',
      '6:7',
      'given twice',
    ],
    [
      'bad draft mode',
      'name: X\ntrigger:\n  event: push\n  conditions: { draft: yes }\nagents: [code-review-agent]\n',
      '4:24',
      '`skip`, `include` or `only`',
    ],
    [
      'unknown agent with did-you-mean',
      base('agents: [code-reveiw-agent]\n'),
      '4:10',
      'unknown agent `code-reveiw-agent`; did you mean `code-review-agent`?',
    ],
    [
      'unknown agent type',
      base('agents:\n  - name: mine\n    type: CodeReviewAgnet\n'),
      '6:11',
      'unknown agent type `CodeReviewAgnet`; did you mean `CodeReviewAgent`?',
    ],
    [
      'unknown task',
      base('agents:\n  - name: security-agent\n    tasks: [scan_secret]\n'),
      '6:13',
      'has no task `scan_secret`; did you mean `scan_secrets`?',
    ],
    [
      'unknown provider',
      base('agents:\n  - name: code-review-agent\n    service: claude-ap\n'),
      '6:14',
      'unknown provider `claude-ap`; did you mean `claude-api`?',
    ],
    [
      'a model of another provider',
      base('agents:\n  - name: code-review-agent\n    config: { model: gpt-5 }\n'),
      '6:22',
      'it is a model of `openai`, set `service: openai`',
    ],
    [
      'unknown model',
      base('agents:\n  - name: code-review-agent\n    config: { model: claude-sonet-4-5 }\n'),
      '6:22',
      'did you mean `claude-sonnet-4-5`?',
    ],
    [
      'timeout without unit',
      base('agents:\n  - name: code-review-agent\n    timeout: 300\n'),
      '6:14',
      'needs a unit',
    ],
    [
      'timeout over a week',
      base('agents:\n  - name: code-review-agent\n    timeout: 9999h\n'),
      '6:14',
      'longer than a week',
    ],
    [
      'an alias bomb in options',
      base(
        'agents:\n  - name: code-review-agent\n    options:\n      a: &a [1,2,3,4,5,6,7,8,9]\n      b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n      c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n      d: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n',
      ),
      '7:7',
      'expands too many aliases',
    ],
    [
      'a condition nested beyond reason',
      base(`agents:\n  - name: code-review-agent\n    if: "${'('.repeat(40)}true${')'.repeat(40)}"\n`),
      '6:42',
      'nests deeper than 32 levels',
    ],
    [
      'retries out of range',
      base('agents:\n  - name: code-review-agent\n    retries: 50\n'),
      '6:14',
      'between 0 and 10',
    ],
    [
      'duplicate step names',
      base('agents: [code-review-agent, security-agent, code-review-agent]\n'),
      '4:45',
      'step `code-review-agent` is defined twice (first at line 4)',
    ],
    [
      'duplicate phase names',
      base(
        'phases:\n  - name: a\n    agents: [code-review-agent]\n  - name: a\n    agents: [security-agent]\n',
      ),
      '7:11',
      'phase `a` is defined twice',
    ],
    [
      'reserved step name',
      base('agents:\n  - name: succeeded\n    type: lint\n'),
      '5:11',
      'may not be called `succeeded`',
    ],
    [
      'unknown phase in depends_on',
      base(
        'phases:\n  - name: a\n    agents: [code-review-agent]\n  - name: b\n    depends_on: [analysys]\n    agents: [security-agent]\n',
      ),
      '8:18',
      'not a phase of this workflow',
    ],
    [
      'phase depends on itself',
      base('phases:\n  - name: a\n    depends_on: [a]\n    agents: [code-review-agent]\n'),
      '6:18',
      'depends on itself',
    ],
    [
      'phase cycle',
      base(
        'phases:\n  - name: a\n    depends_on: [b]\n    agents: [code-review-agent]\n  - name: b\n    depends_on: [a]\n    agents: [security-agent]\n',
      ),
      '9:18',
      'cycle (a -> b -> a)',
    ],
    [
      'agent cycle in a flat list',
      base(
        'agents:\n  - name: code-review-agent\n    depends_on: [security-agent]\n  - name: security-agent\n    depends_on: [code-review-agent]\n',
      ),
      '8:18',
      'cycle',
    ],
    [
      'depends_on names an unknown agent',
      base('agents:\n  - name: code-review-agent\n    depends_on: [lint]\n'),
      '6:18',
      'not an agent of this workflow',
    ],
    [
      'execution with phases',
      base('execution: parallel\nphases:\n  - name: a\n    agents: [code-review-agent]\n'),
      '4:1',
      'set `parallel:` on each phase',
    ],
    [
      'bad execution value',
      base('agents: [code-review-agent]\nexecution: paralel\n'),
      '5:12',
      'did you mean `parallel`?',
    ],
    [
      'if: syntax error at its token',
      base(
        'phases:\n  - name: a\n    agents: [code-review-agent]\n  - name: b\n    depends_on: [a]\n    if: a.succeeded &&& a.failed\n    agents: [security-agent]\n',
      ),
      '9:23',
      'not an operator',
    ],
    [
      'if: status typo',
      base(
        'phases:\n  - name: a\n    agents: [code-review-agent]\n  - name: b\n    depends_on: [a]\n    if: a.succeded\n    agents: [security-agent]\n',
      ),
      '9:9',
      'did you mean `a.succeeded`?',
    ],
    [
      'if: unknown step',
      base(
        'phases:\n  - name: a\n    agents: [code-review-agent]\n  - name: b\n    depends_on: [a]\n    if: "a.succeeded && lint.failed"\n    agents: [security-agent]\n',
      ),
      '9:25',
      '`lint`, which is not a step or phase',
    ],
    [
      'if: names a step it does not wait for',
      base(
        'phases:\n  - name: a\n    agents: [code-review-agent]\n  - name: b\n    if: a.succeeded\n    agents: [security-agent]\n',
      ),
      '8:9',
      'does not wait for it; add it to `depends_on`',
    ],
    [
      'unreachable step: a condition that can never hold',
      base(
        'phases:\n  - name: a\n    agents: [code-review-agent]\n  - name: b\n    depends_on: [a]\n    if: a.code-review-agent.succeeded && a.code-review-agent.failed\n    agents: [security-agent]\n',
      ),
      '9:9',
      'can never run',
    ],
    [
      'unreachable step: if false',
      base('agents:\n  - name: code-review-agent\n    if: "false"\n'),
      '6:9',
      'can never run',
    ],
    [
      'unreachable step: waits for a step that never runs',
      base(
        'phases:\n  - name: a\n    agents:\n      - name: code-review-agent\n        if: "false"\n  - name: b\n    depends_on: [a]\n    agents: [security-agent]\n',
      ),
      '11:14',
      'that step never runs',
    ],
    [
      'fallback if not a provider failure',
      base('agents: [code-review-agent]\nfallback:\n  - if: claude-api.fail\n    use: openai\n'),
      '6:9',
      'did you mean `claude-api.fails`?',
    ],
    [
      'fallback to an unknown provider',
      base('agents: [code-review-agent]\nfallback:\n  - if: claude-api.fails\n    use: opanai\n'),
      '7:10',
      'did you mean `openai`?',
    ],
    [
      'fallback loop',
      base(
        'agents: [code-review-agent]\nfallback:\n  - if: claude-api.fails\n    use: openai\n  - if: openai.fails\n    use: anthropic\n',
      ),
      '9:10',
      'fallback rules loop (anthropic -> openai -> anthropic)',
    ],
    [
      'fallback rule that does nothing',
      base('agents: [code-review-agent]\nfallback:\n  - if: claude-api.fails\n'),
      '6:5',
      'needs `use:`',
    ],
    [
      'unknown output key',
      base('agents: [code-review-agent]\noutput:\n  github_coment: true\n'),
      '6:3',
      'did you mean `github_comment`?',
    ],
    [
      'output value not a boolean',
      base('agents: [code-review-agent]\noutput:\n  - github_comment: "yes"\n'),
      '6:21',
      'must be `true` or `false`',
    ],
    [
      'bad gate severity',
      base('agents: [code-review-agent]\ngate: { fail_on: critical }\n'),
      '5:18',
      '`gate.fail_on` must be one of',
    ],
    [
      'bad gate.when_models_fail',
      base('agents: [code-review-agent]\ngate: { when_models_fail: failure }\n'),
      '5:27',
      '`gate.when_models_fail` must be `neutral` (the check informs when only the rules reviewed the change) or `fail` (it blocks), found `failure`',
    ],
    [
      'fail_fast not a boolean',
      base('agents: [code-review-agent]\nfail_fast: sometimes\n'),
      '5:12',
      '`fail_fast`',
    ],
    [
      'unknown gate source',
      base('agents: [code-review-agent]\ngate: { sources: [linter] }\n'),
      '5:19',
      'unknown finding source `linter`',
    ],
    [
      'unknown concurrency variable',
      base('agents: [code-review-agent]\nconcurrency: { group: "${workflow}-${pull}" }\n'),
      '5:36',
      'unknown variable `${pull}`',
    ],
    [
      'conventions outside the repository',
      base('agents: [code-review-agent]\nconventions: ../AGENTS.md\n'),
      '5:14',
      'a path inside the repository',
    ],
    [
      'unknown data class',
      base('agents: [code-review-agent]\ndata_classes: [secret]\n'),
      '5:16',
      'unknown data class `secret`',
    ],
    [
      'data class a provider may not receive',
      base('data_classes: [restricted]\nagents: [code-review-agent]\n'),
      '5:10',
      'provider `anthropic` may not receive `restricted` data',
    ],
    [
      'data class reached through a fallback',
      base(
        'data_classes: [restricted]\nagents: [private-review]\nfallback:\n  - if: vault.fails\n    use: openai\n',
      ),
      '8:10',
      'provider `openai` may not receive `restricted` data',
    ],
    ['empty agents list', base('agents: []\n'), '4:9', '`agents` is empty'],
    ['phase without agents', base('phases:\n  - name: a\n'), '5:5', 'needs `agents:`'],
    [
      'agent-level depends_on inside phases',
      base('phases:\n  - name: a\n    agents:\n      - name: code-review-agent\n        depends_on: [x]\n'),
      '8:22',
      'belongs to the phase',
    ],
    [
      'unknown key in an agent',
      base('agents:\n  - name: code-review-agent\n    servce: openai\n'),
      '6:5',
      'did you mean `service`?',
    ],
  ];

  it.each(rejections)('%s', (_name, text, at, fragment) => {
    const result = compile(text);
    expect(result.plan).toBeUndefined();
    const lines = result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    expect(lines).toContainEqual(expect.stringContaining(`wf.yml:${at}: `));
    const hit = lines.find((l) => l.startsWith(`wf.yml:${at}: `))!;
    expect(hit).toContain(fragment);
    for (const line of lines) expect(line).not.toMatch(/\n|\bat .*\.ts:\d+/);
  });

  it('input nested past the stack is one error, not a crash or a cascade', () => {
    const result = compile(`name: X\n${PR}agents: ${'['.repeat(20000)}${']'.repeat(20000)}\n`);
    expect(result.plan).toBeUndefined();
    expect(result.diagnostics).toHaveLength(1);
    expect(result.diagnostics[0]).toMatchObject({
      line: 4,
      severity: 'error',
      message: expect.stringContaining('YAML:'),
    });
  });

  it('rejects through the settings: a repository class the chain may not receive', () => {
    const settings = 'repositories:\n  acme/payments:\n    data_class: restricted\n';
    const result = compile(`name: X\n${PR}agents: [code-review-agent]\n`, settings);
    expect(result.diagnostics.map(formatDiagnostic)).toContainEqual(
      expect.stringContaining('wf.yml:4:10: provider `anthropic` may not receive `restricted` data'),
    );
    // The same repository limited to another workflow leaves this one valid.
    const scoped = 'repositories:\n  acme/payments:\n    data_class: restricted\n    workflows: [private]\n';
    expect(compile(`name: X\n${PR}agents: [code-review-agent]\n`, scoped).plan).toBeDefined();
  });
});
