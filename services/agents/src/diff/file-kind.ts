/**
 * Review policy over the mobile library's file classes: what a model may read, in what order
 * when the budget is short, and the "not reviewed" reason for the rest. Project files, lock files,
 * dependency manifests, images, localization tables and generated code are never sent to a
 * model: the deterministic rules cover them, and each one is listed as not reviewed.
 */
import {
  classifyFile,
  type FileClass as MobileClass,
  type FileKind,
  type SourceLanguage,
} from '@agentflow/mobile';

export type { FileKind, SourceLanguage };

export interface ReviewClass {
  kind: FileKind;
  language?: SourceLanguage;
  /** Whether a model may read it. */
  modelReadable: boolean;
  /** Lower is reviewed first when the budget is short. */
  priority: number;
  /** For files a model never reads: the reason listed in the result. */
  notReviewedReason?: string;
  /** Why the mobile classifier called it generated, for the detail line. */
  detail?: string;
}

const NEVER_READ: Partial<Record<FileKind, string>> = {
  generated: 'generated',
  lockfile: 'lockfile',
  'dependency-manifest': 'dependency-manifest',
  project: 'project-file',
  localization: 'localization',
  'interface-builder': 'interface-builder',
  asset: 'asset',
};

const PRIORITY: Partial<Record<FileKind, number>> = { source: 1, test: 2, 'app-manifest': 3, other: 4 };

export function reviewClass(cls: MobileClass, binary = false): ReviewClass {
  if (binary) return { kind: cls.kind, modelReadable: false, priority: 99, notReviewedReason: 'binary' };
  const never = NEVER_READ[cls.kind];
  if (never)
    return {
      kind: cls.kind,
      language: cls.language,
      modelReadable: false,
      priority: 99,
      notReviewedReason: never,
      detail: cls.reason,
    };
  return { kind: cls.kind, language: cls.language, modelReadable: true, priority: PRIORITY[cls.kind] ?? 4 };
}

/** Classifies a changed path for review; `head` is the top of the file at head (generated headers). */
export function classifyForReview(
  path: string,
  options: { head?: string; isMarkedGenerated?: (p: string) => boolean; binary?: boolean } = {},
): ReviewClass {
  return reviewClass(
    classifyFile(path, { head: options.head, isMarkedGenerated: options.isMarkedGenerated }),
    options.binary,
  );
}
