/**
 * The agents over the mobile library's sample repositories (`examples/ios-shop`,
 * `examples/android-shop`): plain directories with a pull-request diff, read through the
 * directory mode of the local reader.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentTask } from '@agentflow/contracts';
import { MobileRulesAnalyzer } from '../analysis/mobile-analyzer';
import { BpeTokenCounter } from '../context/tokens';
import { DataFence } from '../prompts/data-fence';
import { LocalReaderFactory } from '../repo/reader-factory';
import { TaskRunner } from '../runtime/task-runner';
import { json, planStep, ScriptedGateway } from '../testing/fixture-repo';

const EXAMPLES = join(__dirname, '..', '..', '..', '..', 'examples');
const present = existsSync(join(EXAMPLES, 'ios-shop')) && existsSync(join(EXAMPLES, 'android-shop.diff'));
const describeIf = present ? describe : describe.skip;
if (!present) console.warn(`skipping: ${EXAMPLES} has no ios-shop / android-shop samples`);

function task(sample: string, agentType: 'security' | 'code-review'): AgentTask {
  const step = planStep(agentType);
  return {
    runId: `ex-${sample}`,
    stepId: agentType,
    attempt: 1,
    agentType,
    tasks: [],
    change: { platform: 'local', repo: join(EXAMPLES, sample), headSha: 'HEAD', baseSha: 'BASE' },
    step: step as unknown as Record<string, unknown>,
    deadline: Date.now() + 60_000,
    context: {},
    attribution: {},
    dataClass: 'internal',
    artifacts: [join(EXAMPLES, `${sample}.diff`)],
  };
}

function runner(gateway: ScriptedGateway) {
  return new TaskRunner({
    readers: new LocalReaderFactory(),
    gateway,
    analyzer: new MobileRulesAnalyzer(),
    tokens: new BpeTokenCounter(),
    push: { push: () => Promise.reject(new Error('not in this test')) },
    pushQuota: { reserve: () => Promise.reject(new Error('not in this test')) },
  });
}

describeIf('agents over the sample repositories', () => {
  it('security on ios-shop: rule findings stand, the model never reads project files, and the code is fenced', async () => {
    const gateway = new ScriptedGateway(() => json({ summary: '', confidence: 0.9, findings: [] }));
    const result = await runner(gateway).run(task('ios-shop', 'security'), new AbortController().signal);
    expect(result.status).toBe('succeeded');
    const rules = result.findings.filter((f) => f.source === 'analyzer').map((f) => f.ruleId);
    expect(rules).toEqual(
      expect.arrayContaining([
        'ios.ats.arbitrary-loads',
        'secret.hardcoded-credential',
        'code.token-in-plain-storage',
      ]),
    );
    expect(result.findings.every((f) => f.category === 'security' || f.source === 'model')).toBe(true);
    expect(result.notReviewed.map((n) => `${n.file}:${n.reason}`)).toEqual(
      expect.arrayContaining([
        'ShopApp.xcodeproj/project.pbxproj:project-file',
        'ShopApp/Generated/Strings+Generated.swift:generated',
        'ShopApp/Base.lproj/Main.storyboard:interface-builder',
        'ShopApp/Assets.xcassets/Logo.imageset/logo.png:binary',
      ]),
    );
    const prompt = gateway.prompts().join('\n');
    expect(prompt).not.toContain('PBXNativeTarget');
    const nonce = /<<<AF-DATA ([0-9a-f]{16}) /.exec(prompt)![1];
    expect(DataFence.outside(prompt, nonce)).not.toContain('TokenStore');
    expect(prompt).toContain('diff ShopApp/Session/TokenStore.swift (swift, new file)');
  });

  it('code-review on android-shop: told minSdk from the Gradle files, release-risk rules beside the model', async () => {
    const gateway = new ScriptedGateway(() => json({ summary: '', confidence: 0.9, findings: [] }));
    const result = await runner(gateway).run(
      task('android-shop', 'code-review'),
      new AbortController().signal,
    );
    expect(result.status).toBe('succeeded');
    expect(gateway.prompts()[0]).toMatch(/Android minSdk: \d+/);
    expect(result.findings.map((f) => f.ruleId)).toEqual(
      expect.arrayContaining([
        'android.exported-without-permission',
        'android.min-sdk.changed',
        'deps.snapshot-version',
      ]),
    );
    expect(result.findings.some((f) => f.ruleId?.startsWith('testing.'))).toBe(false);
  });
});
