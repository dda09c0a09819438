/** One line of a hunk. */
export interface DiffLine {
  kind: 'context' | 'add' | 'delete';
  /** The text without its leading ` `, `+` or `-`, and without a trailing `\r`. */
  content: string;
  /** 1-based line in the old file (context and deleted lines). */
  oldLine?: number;
  /** 1-based line in the new file (context and added lines). */
  newLine?: number;
  /**
   * 1-based position in this file's diff, as GitHub's review comment API counts it: the line below
   * the first `@@` is 1, and later `@@` headers and `\ No newline` markers count as lines too.
   */
  position: number;
  /** The line was followed by `\ No newline at end of file`. */
  noNewlineAtEnd?: boolean;
}

/** One `@@ -a,b +c,d @@` section. */
export interface DiffHunk {
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The function or section name git prints after the second `@@`, if any. */
  section?: string;
  lines: DiffLine[];
  /**
   * The hunk stopped before its header's counts were met (a platform cut the patch short) and the
   * parser was asked to keep it: `oldLines`/`newLines` then count the lines actually present, and
   * this says how many of each the header promised beyond them.
   */
  truncated?: {
    oldMissing: number;
    newMissing: number;
    /**
     * New-side lines the reader rebuilt from the file's head content (the header's range past the
     * cut), appended to `lines` as added lines: a model then sees the whole changed range. 0 or
     * absent when the head could not be read.
     */
    fromHead?: number;
  };
}

export type FileChangeStatus = 'added' | 'deleted' | 'modified' | 'renamed' | 'copied';

/** Everything the diff says about one file. */
export interface FileDiff {
  /** Path before the change; null for an added file. */
  oldPath: string | null;
  /** Path after the change; null for a deleted file. */
  newPath: string | null;
  /** `newPath`, or `oldPath` for a deleted file: the path findings are reported on. */
  path: string;
  status: FileChangeStatus;
  /** Git reported `Binary files ... differ` or a binary patch: no hunks. */
  binary: boolean;
  /** Rename or copy similarity in percent, when git printed it. */
  similarity?: number;
  oldMode?: string;
  newMode?: string;
  hunks: DiffHunk[];
  additions: number;
  deletions: number;
  /**
   * How much of this file's change the source sent, when not all of it (platform APIs only):
   * `truncated`: the patch was cut short, the hunks hold what arrived;
   * `absent`: a text file listed with no patch (its diff is too large), no hunks;
   * `from-head`: no patch came, the hunks were rebuilt from the head content (an added file);
   * `unlisted`: changed, but past the platform's cap on listed files, so nothing of it was seen.
   * Absent when the whole patch is here.
   */
  patch?: 'truncated' | 'absent' | 'from-head' | 'unlisted';
}
