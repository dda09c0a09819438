/** The workflow's `output:` switches as the report carries them, with the documented defaults. */
import type { RunReport } from '@agentflow/contracts';

export interface ReportOutputs {
  githubComment: boolean;
  inlineComments: boolean;
  checkRun: boolean;
  slack: boolean;
  slackChannel?: string;
  database: boolean;
  createFiles: boolean;
  filesMode: 'branch-pr' | 'commit-to-pr' | 'branch';
  /** Inline comments per push (major and worse). */
  maxInlineComments: number;
}

function flag(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

export function readOutputs(report: Pick<RunReport, 'outputs'>, defaultMaxInline: number): ReportOutputs {
  const o = (report.outputs ?? {}) as Record<string, unknown>;
  const mode = o.filesMode;
  return {
    githubComment: flag(o.githubComment, true),
    inlineComments: flag(o.inlineComments, true),
    checkRun: flag(o.checkRun, true),
    slack: flag(o.slack, false),
    slackChannel: typeof o.slackChannel === 'string' ? o.slackChannel : undefined,
    database: flag(o.database, true),
    createFiles: flag(o.createFiles, false),
    filesMode: mode === 'commit-to-pr' || mode === 'branch' ? mode : 'branch-pr',
    maxInlineComments:
      typeof o.maxInlineComments === 'number' && o.maxInlineComments >= 0
        ? o.maxInlineComments
        : defaultMaxInline,
  };
}
