/** Lint: SwiftLint, detekt and Android Lint SARIF plus the mobile rules, as findings. No model. */
import type { Finding, NotReviewed } from '@agentflow/contracts';
import { readReports } from '../../artifacts/report-files';
import type { AgentDefinition } from '../agent';

export const lintAgent: AgentDefinition = {
  id: 'lint',
  description: 'Turns SARIF reports and the mobile rules into findings on the changed lines.',
  async run(env) {
    const committed = ((env.step.options ?? {}) as { sarif?: string[] }).sarif ?? [];
    const files = await readReports(env, {
      kind: 'sarif',
      names: /\.sarif(\.json)?$|\.json$/i,
      committed,
      label: 'SARIF report',
    });
    const findings: Finding[] = [];
    const notReviewed: NotReviewed[] = [...files.unreadable];
    const read: string[] = [];
    for (const report of files.reports) {
      try {
        findings.push(...env.analyzer.sarifFindings(report.text, env.diff, env.task.agentType));
        read.push(report.source);
      } catch (error) {
        notReviewed.push({
          file: report.source,
          reason: 'artifact-invalid',
          detail: `not SARIF JSON: ${(error as Error).message}`,
        });
      }
    }
    const fromReports = findings.length;
    findings.push(
      ...(await env.analyzer.ruleFindings(env.diff, env.repo, env.task.agentType, {
        categories: ['release-risk', 'localization', 'dependencies', 'project'],
      })),
    );
    return {
      findings,
      notReviewed,
      summary: `${findings.length} finding(s): ${fromReports} from ${read.length} SARIF report(s)${read.length ? ` (${read.join(', ')})` : ''}, ${findings.length - fromReports} from the mobile rules.`,
      data: { sarifReports: read },
    };
  },
};
