import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
  ValidateNested,
  IsArray,
} from 'class-validator';

export const SEVERITIES = ['blocker', 'major', 'minor', 'info'] as const;
/** `blocker` fails a gate by default; `info` never does. */
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse. */
export const SEVERITY_RANK: Record<Severity, number> = { blocker: 3, major: 2, minor: 1, info: 0 };

export const FINDING_SOURCES = ['analyzer', 'model', 'sarif', 'coverage'] as const;
/**
 * Where a finding came from. `analyzer`, `sarif` and `coverage` are deterministic and cannot be
 * lowered or removed by model output; a gate may trust them more.
 */
export type FindingSource = (typeof FINDING_SOURCES)[number];

/** A replacement for exactly the lines the finding is attached to. */
export class Suggestion {
  /** The new text for lines `startLine..endLine` of the new file. */
  @IsString()
  replacement!: string;

  @IsOptional()
  @IsString()
  description?: string;
}

/** One problem found in a change, placed on the new side of the diff. */
export class Finding {
  /** Path relative to the repository root. */
  @IsString()
  @MinLength(1)
  file!: string;

  /** First line on the new side, 1-based. 0 when the finding is about the file as a whole. */
  @IsInt()
  @Min(0)
  startLine!: number;

  /** Last line on the new side, inclusive; equal to `startLine` for one line. */
  @IsInt()
  @Min(0)
  endLine!: number;

  @IsIn(SEVERITIES)
  severity!: Severity;

  /** For example `bug`, `security`, `performance`, `style`, `testing`, `docs`, `architecture`. */
  @IsString()
  category!: string;

  @IsString()
  @MinLength(1)
  message!: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => Suggestion)
  suggestion?: Suggestion;

  /** 0..1: how sure the agent is. Deterministic findings are 1. */
  @IsNumber()
  @Min(0)
  @Max(1)
  confidence!: number;

  /** The agent type id that produced it. */
  @IsString()
  agent!: string;

  /** The model that produced it, or `rules` for deterministic analysers. */
  @IsString()
  model!: string;

  @IsIn(FINDING_SOURCES)
  source!: FindingSource;

  /** Rule id for deterministic findings (`ios.ats.arbitrary-loads`, a SARIF ruleId). */
  @IsOptional()
  @IsString()
  ruleId?: string;

  /** Content-based id that survives line shifts: same problem, same fingerprint across pushes. */
  @IsString()
  fingerprint!: string;

  /** Version of the prompt template that produced it (model findings). */
  @IsOptional()
  @IsString()
  promptVersion?: string;
}

/** A file or part of one that an agent did not review, and why. Nothing is dropped silently. */
export class NotReviewed {
  @IsString()
  file!: string;

  /** For example `generated`, `lockfile`, `binary`, `too-large`, `context-budget`, `policy-excluded`. */
  @IsString()
  reason!: string;

  @IsOptional()
  @IsString()
  detail?: string;
}

/** A file an agent proposes (a generated test, an ADR, a migration plan). */
export class ProposedFile {
  @IsString()
  @MinLength(1)
  path!: string;

  @IsString()
  content!: string;

  /** What the file is for, shown in the PR. */
  @IsString()
  purpose!: string;
}

export class FindingList {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => Finding)
  findings!: Finding[];
}

/**
 * Whether a dismissal (`FindingDismissed.fingerprint`: a full fingerprint, or the short id the
 * notifier prints under a finding, at least 8 characters) covers `fingerprint`. The short id is the
 * fingerprint's letters and digits, cut to 12; the coordinator and the notifier both decide with
 * this, so a finding hidden on the PR is also left out of every later report.
 */
export function dismissalCovers(dismissedId: string, fingerprint: string): boolean {
  if (!dismissedId) return false;
  return (
    fingerprint.startsWith(dismissedId) || fingerprint.replace(/[^0-9a-zA-Z]/g, '').startsWith(dismissedId)
  );
}
