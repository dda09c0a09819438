import type { SecretDetector } from './detector';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Which detectors' hints occur in a text, in one regex pass per case mode instead of one
 * `includes` pass per hint: with a hundred hints the separate passes cost more than the detectors.
 */
export class HintIndex {
  private readonly exact: RegExp;
  private readonly folded: RegExp;
  private readonly lists = new Map<RegExp, string[]>();

  private hintsOf(pattern: RegExp): string[] {
    return this.lists.get(pattern) ?? [];
  }

  /** For each hint, the hints it contains (`sk-ant-` contains `sk-`): found together. */
  private readonly implied = new Map<string, string[]>();

  constructor(private readonly detectors: readonly SecretDetector[]) {
    const exact = new Set<string>();
    const folded = new Set<string>();
    for (const d of detectors)
      for (const h of d.hints)
        (d.caseInsensitiveHints ? folded : exact).add(d.caseInsensitiveHints ? h.toLowerCase() : h);
    // Longest first, so that at one position the longest hint wins and implies the shorter ones.
    const pattern = (set: Set<string>) =>
      new RegExp(
        [...set]
          .sort((a, b) => b.length - a.length)
          .map(escape)
          .join('|') || '$^',
        'g',
      );
    this.exact = pattern(exact);
    this.folded = pattern(folded);
    this.lists.set(this.exact, [...exact]);
    this.lists.set(this.folded, [...folded]);
    for (const set of [exact, folded])
      for (const h of set)
        this.implied.set(
          h,
          [...set].filter((o) => o !== h && h.includes(o)),
        );
  }

  /** The detectors to run on `text`, in their order: those with no hints always run. */
  detectorsFor(text: string, lower: () => string): SecretDetector[] {
    const exact = this.present(this.exact, text);
    const needsFolded = this.detectors.some((d) => d.caseInsensitiveHints);
    const folded = needsFolded ? this.present(this.folded, lower()) : new Set<string>();
    return this.detectors.filter(
      (d) =>
        d.hints.length === 0 ||
        d.hints.some((h) => (d.caseInsensitiveHints ? folded.has(h.toLowerCase()) : exact.has(h))),
    );
  }

  private present(pattern: RegExp, text: string): Set<string> {
    const found = new Set<string>();
    // Few hints: one `includes` each is cheaper than a regex whose common hints (`key`) match often.
    if (pattern.source.split('|').length <= 8) {
      for (const h of this.hintsOf(pattern)) if (text.includes(h)) found.add(h);
      return found;
    }
    const re = pattern;
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      found.add(m[0]);
      for (const o of this.implied.get(m[0]) ?? []) found.add(o);
      // Overlapping hints (`sk-` inside `task-sk-ant-`) start one character later, not after the match.
      re.lastIndex = m.index + 1;
    }
    return found;
  }
}
