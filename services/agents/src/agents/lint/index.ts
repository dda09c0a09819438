/** Lint: SwiftLint, detekt and Android Lint SARIF plus the mobile rules, as findings. No model. */
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { Finding, NotReviewed } from '@agentflow/contracts';
import type { AgentDefinition } from '../agent';

export const lintAgent: AgentDefinition = {
  id: 'lint',
  description: 'Turns SARIF reports and the mobile rules into findings on the changed lines.',
  async run(env) {
    const reports = [...(env.task.artifacts ?? []), ...(((env.step.options ?? {}) as { sarif?: string[] }).sarif ?? [])].filter((a) => /\.sarif(\.json)?$/i.test(a) || a.endsWith('.json'));
    const findings: Finding[] = [];
    const notReviewed: NotReviewed[] = [];
    const read: string[] = [];
    for (const artifact of [...new Set(reports)]) {
      const text = isAbsolute(artifact) ? await readFile(artifact, 'utf8').catch(() => null) : await env.repo.readHead(artifact);
      if (text === null) {
        notReviewed.push({ file: artifact, reason: 'artifact-unreadable', detail: 'SARIF report not found at the head commit or on disk' });
        continue;
      }
      try {
        findings.push(...env.analyzer.sarifFindings(text, env.diff, env.task.agentType));
        read.push(artifact);
      } catch (error) {
        notReviewed.push({ file: artifact, reason: 'artifact-invalid', detail: `not SARIF JSON: ${(error as Error).message}` });
      }
    }
    findings.push(...(await env.analyzer.ruleFindings(env.diff, env.repo, env.task.agentType, { categories: ['release-risk', 'localization', 'dependencies', 'project'] })));
    return {
      findings,
      notReviewed,
      summary: `${findings.length} finding(s) from ${read.length} SARIF report(s) and the mobile rules.`,
      data: { sarifReports: read },
    };
  },
};
