import { formatDiagnostic } from './diagnostics';
import { classesReaching, parseRepositorySettings, parseSettings, resolveRepositoryPolicy } from './settings';

const ORG = `
data_classes: [public, internal, confidential, restricted]
defaults:
  rollout: comment
  data_class: internal
  ignore: ["**/Pods/**"]
  path_instructions:
    - path: "**/*.swift"
      instructions: Prefer async/await.
  paths:
    - path: "**/Secrets/**"
      data_class: restricted
repositories:
  "acme/*":
    ignore: ["*.snap"]
  acme/payments:
    rollout: gate
    data_class: confidential
    workflows: [android-review]
  acme/sandbox:
    rollout: shadow
    data_class: public
`;

describe('teams and projects', () => {
  const org = parseSettings(`
teams:
  - "acme/*          @acme/mobile-platform   # the catch-all first"
  - "acme/ios-*      @acme/ios @acme/release"
  - "# acme/old-*    @acme/nobody"
repositories:
  acme/ios-payments:
    team: payments
    project: checkout
`).settings!;

  it('takes the team from the last matching CODEOWNERS-style line, and the project defaults to the repository', () => {
    expect(resolveRepositoryPolicy(org, 'acme/ios-app')).toMatchObject({
      team: 'ios',
      project: 'acme/ios-app',
    });
    expect(resolveRepositoryPolicy(org, 'acme/android-app')).toMatchObject({
      team: 'mobile-platform',
      project: 'acme/android-app',
    });
    expect(resolveRepositoryPolicy(org, 'other/app').team).toBeUndefined();
  });

  it('lets a central entry name team and project, and a repository name its own team only where the organisation does not', () => {
    expect(resolveRepositoryPolicy(org, 'acme/ios-payments')).toMatchObject({
      team: 'payments',
      project: 'checkout',
    });
    const own = parseRepositorySettings(
      'team: growth\nproject: onboarding\n',
      '.agentflow/config.yml',
      org.dataClasses,
    ).settings!;
    expect(resolveRepositoryPolicy(org, 'acme/ios-app', own)).toMatchObject({
      team: 'ios',
      project: 'onboarding',
    });
    expect(resolveRepositoryPolicy(org, 'other/app', own)).toMatchObject({
      team: 'growth',
      project: 'onboarding',
    });
  });

  it('reports a line without a team owner, a user as owner and a team name budgets cannot key, at their lines', () => {
    const { settings, diagnostics } = parseSettings(
      'teams:\n  - "acme/*"\n  - "acme/ios-* @octocat"\ndefaults:\n  team: "ios team"\n',
    );
    expect(settings).toBeUndefined();
    expect(diagnostics.map(formatDiagnostic).sort()).toEqual([
      expect.stringMatching(/^settings\.yml:2:5: .*names no owner: write `<repository glob> @org\/team`/),
      expect.stringMatching(
        /^settings\.yml:3:5: .*owner `@octocat` is not a team: write it as `@org\/team-slug`/,
      ),
      expect.stringMatching(/^settings\.yml:5:9: .*`team` must be a name of letters, digits/),
    ]);
  });
});

describe('repository settings merge', () => {
  const org = parseSettings(ORG).settings!;

  it('organisation defaults apply where nothing overrides them', () => {
    expect(resolveRepositoryPolicy(org, 'other/app')).toMatchObject({
      rollout: 'comment',
      dataClass: 'internal',
      workflows: 'all',
      ignore: ['**/Pods/**'],
    });
  });

  it('central entries apply in file order; lists are joined, defaults first', () => {
    const policy = resolveRepositoryPolicy(org, 'acme/payments');
    expect(policy).toMatchObject({
      rollout: 'gate',
      dataClass: 'confidential',
      workflows: ['android-review'],
      ignore: ['**/Pods/**', '*.snap'],
    });
    expect(policy.paths).toEqual([{ path: '**/Secrets/**', dataClass: 'restricted' }]);
  });

  it('the strictest data class wins: a repository cannot lower its class', () => {
    expect(resolveRepositoryPolicy(org, 'acme/sandbox').dataClass).toBe('internal');
    const own = parseRepositorySettings(
      'data_class: public\nrollout: gate\n',
      '.agentflow/config.yml',
      org.dataClasses,
    ).settings!;
    expect(resolveRepositoryPolicy(org, 'other/app', own).dataClass).toBe('internal');
    const raise = parseRepositorySettings(
      'data_class: restricted\n',
      '.agentflow/config.yml',
      org.dataClasses,
    ).settings!;
    expect(resolveRepositoryPolicy(org, 'other/app', raise).dataClass).toBe('restricted');
  });

  it("a repository's own file overrides the defaults, and the central entry overrides the repository's file", () => {
    const own = parseRepositorySettings(
      'rollout: gate\nconventions: CONTRIBUTING.md\npath_instructions:\n  - path: "*.kt"\n    instructions: Use coroutines.\n',
      '.agentflow/config.yml',
      org.dataClasses,
    ).settings!;
    const elsewhere = resolveRepositoryPolicy(org, 'other/app', own);
    expect(elsewhere).toMatchObject({ rollout: 'gate', conventions: 'CONTRIBUTING.md' });
    expect(elsewhere.pathInstructions.map((p) => p.path)).toEqual(['**/*.swift', '*.kt']);
    expect(resolveRepositoryPolicy(org, 'acme/sandbox', own).rollout).toBe('shadow');
  });

  it('classes reaching a workflow come from the defaults and the entries that run it', () => {
    expect(classesReaching(org, 'android-review')).toEqual(['internal', 'confidential', 'restricted']);
    expect(classesReaching(org, 'pr-review')).toEqual(['internal', 'restricted']);
  });

  it.each([
    ['rollout: loud\n', '1:10', 'must be one of off, shadow, comment, gate, found `loud`'],
    ['data_class: secret\n', '1:13', 'unknown data class `secret`'],
    ['paths:\n  - path: "**/x"\n', '2:5', 'needs `path:` (a glob) and `data_class:`'],
    ['rollot: gate\n', '1:1', 'did you mean `rollout`?'],
  ])('rejects the repository file %j at its position', (text, at, fragment) => {
    const { settings, diagnostics } = parseRepositorySettings(text, 'c.yml', org.dataClasses);
    expect(settings).toBeUndefined();
    expect(diagnostics.map(formatDiagnostic).find((l) => l.startsWith(`c.yml:${at}: `))).toContain(fragment);
  });
});
