/** One resolved or declared dependency, in a shape shared by every manifest and lock format. */
export interface DependencyPin {
  /** Stable name: SwiftPM identity, pod name, `group:artifact`, or catalog plugin id. */
  name: string;
  /** Resolved or declared version; empty when pinned only to a branch or revision. */
  version: string;
  /** Branch the pin follows, when it follows one (a moving target). */
  branch?: string;
  /** Source repository or package location, when the format records one. */
  source?: string;
  /** 1-based line of the entry in its file. */
  line: number;
}

export interface DependencyFile {
  pins: DependencyPin[];
  /** Package repositories or spec sources the file declares (Podfile.lock SPEC REPOS, Gradle repositories). */
  repositories: Array<{ url: string; line: number }>;
}
