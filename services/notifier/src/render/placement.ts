/**
 * Where each finding goes: at most N inline comments (major and worse, new, on a diff line), check
 * annotations for the rest that have a line (never the same finding twice), and the summary for
 * everything, including what is outside the diff (GitHub rejects comments there).
 */
import { SEVERITY_RANK, type Finding } from '@agentflow/contracts';

export interface Placement {
  inline: Finding[];
  annotations: Finding[];
  /** Findings not shown inline (the summary lists them). */
  summaryOnly: Finding[];
  /** Findings on lines outside the diff. */
  outsideDiff: Finding[];
  /** Findings already posted inline on an earlier push and still open. */
  stillOpen: Finding[];
}

export interface PlacementInput {
  findings: Finding[];
  findingStates: Record<string, 'new' | 'open' | 'fixed'>;
  /** Lines of the new side each file's diff shows; a file absent here is not in the diff. */
  diffLines: Map<string, Set<number>>;
  dismissed: (fingerprint: string) => boolean;
  /** Fingerprints that already have an inline comment on this PR. */
  alreadyPosted: Set<string>;
  maxInline: number;
  inlineEnabled: boolean;
  annotationsEnabled: boolean;
  /** Fingerprints never posted inline (quieted in this repository): the summary lists them. */
  notInline?: ReadonlySet<string>;
}

export function byImportance(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    b.confidence - a.confidence ||
    a.file.localeCompare(b.file) ||
    a.startLine - b.startLine
  );
}

export function onDiff(f: Finding, diffLines: Map<string, Set<number>>): boolean {
  const lines = diffLines.get(f.file);
  if (!lines || f.startLine < 1) return false;
  return lines.has(f.startLine) && lines.has(f.endLine);
}

export function placeFindings(input: PlacementInput): Placement {
  const visible = input.findings
    .filter((f) => !input.dismissed(f.fingerprint) && input.findingStates[f.fingerprint] !== 'fixed')
    .sort(byImportance);
  const stillOpen = visible.filter((f) => input.alreadyPosted.has(f.fingerprint));
  const outsideDiff = visible.filter((f) => !onDiff(f, input.diffLines));
  const inline = input.inlineEnabled
    ? visible
        .filter(
          (f) =>
            SEVERITY_RANK[f.severity] >= SEVERITY_RANK.major &&
            !input.alreadyPosted.has(f.fingerprint) &&
            !input.notInline?.has(f.fingerprint) &&
            onDiff(f, input.diffLines),
        )
        .slice(0, input.maxInline)
    : [];
  const inlineSet = new Set(inline.map((f) => f.fingerprint));
  const annotations = input.annotationsEnabled
    ? visible.filter((f) => !inlineSet.has(f.fingerprint) && f.startLine > 0)
    : [];
  return {
    inline,
    annotations,
    summaryOnly: visible.filter((f) => !inlineSet.has(f.fingerprint)),
    outsideDiff,
    stillOpen,
  };
}

/**
 * The placement a run's findings already have on the PR, for re-rendering its summary without
 * posting anything: inline is what this run posted inline, still open what earlier runs did.
 */
export function placementOfPosted(input: {
  findings: Finding[];
  findingStates: Record<string, 'new' | 'open' | 'fixed'>;
  diffLines: Map<string, Set<number>>;
  runId: string;
  posted: Array<{ fingerprint: string; runId?: string }>;
}): Placement {
  const visible = input.findings
    .filter((f) => input.findingStates[f.fingerprint] !== 'fixed')
    .sort(byImportance);
  const byThisRun = new Set(input.posted.filter((p) => p.runId === input.runId).map((p) => p.fingerprint));
  const earlier = new Set(input.posted.filter((p) => p.runId !== input.runId).map((p) => p.fingerprint));
  const inline = visible.filter((f) => byThisRun.has(f.fingerprint));
  return {
    inline,
    annotations: [],
    summaryOnly: visible.filter((f) => !byThisRun.has(f.fingerprint)),
    outsideDiff: visible.filter((f) => !onDiff(f, input.diffLines)),
    stillOpen: visible.filter((f) => earlier.has(f.fingerprint)),
  };
}

/** Lines of the new file a unified-diff patch shows (added and context): where comments may go. */
export function diffLinesOf(patch: string | undefined): Set<number> {
  const lines = new Set<number>();
  if (!patch) return lines;
  let next = 0;
  for (const text of patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) {
      next = Number(hunk[1]);
      continue;
    }
    if (next === 0 || text.startsWith('-') || text.startsWith('\\')) continue;
    lines.add(next);
    next += 1;
  }
  return lines;
}
