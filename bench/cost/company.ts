/**
 * A month of a 100-engineer mobile company, drawn from a fixed seed. The distribution is written
 * down here and printed by the bench, because the figures mean nothing without it:
 *
 * - engineers: half on the iOS app (Swift 85%, Objective-C 15% of changed source files), half on
 *   the Android app (Kotlin 85%, Java 15%);
 * - pull requests per engineer per month: Poisson, mean 8, opened at a uniform time over 22
 *   working days;
 * - files per pull request: 1 + lognormal(mu 1.1, sigma 0.8), at most 40 (median 4); a changed
 *   file is a test file with probability 0.25;
 * - lines changed per file: lognormal(mu 3.0, sigma 0.9), 2 to 400 (median 20);
 * - pushes after the pull request opens: geometric, mean 1.6, at most 8; a push changes one file
 *   with probability 0.6, else 2 to 4 files of the pull request, lognormal(mu 2.2, sigma 0.7)
 *   lines each (median 9).
 */
import { seededRandom } from '@agentflow/contracts';

export type Platform = 'ios' | 'android';

export interface FileChange {
  path: string;
  /** Lines added or rewritten. */
  lines: number;
}

export interface Push {
  files: FileChange[];
}

export interface PullRequestPlan {
  number: number;
  platform: Platform;
  author: string;
  /** Working day of the month it opens, 0-21. */
  day: number;
  opened: FileChange[];
  pushes: Push[];
}

export const DISTRIBUTION = {
  engineers: 100,
  prsPerEngineerMean: 8,
  workingDays: 22,
  filesPerPr: { mu: 1.1, sigma: 0.8, max: 40 },
  testFileShare: 0.25,
  linesPerFile: { mu: 3.0, sigma: 0.9, min: 2, max: 400 },
  pushesMean: 1.6,
  pushesMax: 8,
  onePushFileShare: 0.6,
  linesPerPushFile: { mu: 2.2, sigma: 0.7, min: 1, max: 200 },
  secondaryLanguageShare: 0.15,
} as const;

/** The shared seeded generator: a company's month of work repeats with its seed. */
export const prng = seededRandom;

class Draw {
  constructor(private readonly rnd: () => number) {}

  uniform(): number {
    return this.rnd();
  }

  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }

  normal(): number {
    const u = Math.max(this.rnd(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rnd());
  }

  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  poisson(mean: number): number {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = 1;
    for (;;) {
      p *= this.rnd();
      if (p <= limit) return k;
      k++;
    }
  }

  /** Failures before the first success, with the given mean. */
  geometric(mean: number): number {
    const p = 1 / (1 + mean);
    let k = 0;
    while (this.rnd() > p) k++;
    return k;
  }
}

const clamp = (v: number, min: number, max: number) => Math.max(min, Math.min(max, Math.round(v)));

/** The files each app has, by module: what pull requests change. */
export interface AppLayout {
  platform: Platform;
  sources: string[];
  tests: string[];
}

export function monthOfWork(
  seed: number,
  apps: Record<Platform, AppLayout>,
  engineers: number = DISTRIBUTION.engineers,
): PullRequestPlan[] {
  const d = new Draw(prng(seed));
  const D = DISTRIBUTION;
  const prs: PullRequestPlan[] = [];
  for (let e = 0; e < engineers; e++) {
    const platform: Platform = e % 2 === 0 ? 'ios' : 'android';
    const app = apps[platform];
    const count = d.poisson(D.prsPerEngineerMean);
    for (let i = 0; i < count; i++) {
      const fileCount = clamp(1 + d.lognormal(D.filesPerPr.mu, D.filesPerPr.sigma), 1, D.filesPerPr.max);
      const chosen = new Set<string>();
      while (chosen.size < fileCount) {
        const pool = d.uniform() < D.testFileShare ? app.tests : app.sources;
        chosen.add(pool[d.int(pool.length)]);
      }
      const opened = [...chosen].map((path) => ({
        path,
        lines: clamp(
          d.lognormal(D.linesPerFile.mu, D.linesPerFile.sigma),
          D.linesPerFile.min,
          D.linesPerFile.max,
        ),
      }));
      const pushes: Push[] = [];
      const pushCount = Math.min(D.pushesMax, d.geometric(D.pushesMean));
      for (let p = 0; p < pushCount; p++) {
        const n = d.uniform() < D.onePushFileShare ? 1 : 2 + d.int(3);
        const files = new Map<string, number>();
        for (let f = 0; f < n; f++) {
          const path = opened[d.int(opened.length)].path;
          files.set(
            path,
            clamp(
              d.lognormal(D.linesPerPushFile.mu, D.linesPerPushFile.sigma),
              D.linesPerPushFile.min,
              D.linesPerPushFile.max,
            ),
          );
        }
        pushes.push({ files: [...files].map(([path, lines]) => ({ path, lines })) });
      }
      prs.push({
        number: 0,
        platform,
        author: `${platform}-dev-${e}`,
        day: d.int(D.workingDays),
        opened,
        pushes,
      });
    }
  }
  // In the order they open; numbered as the platform would.
  prs.sort((a, b) => a.day - b.day);
  prs.forEach((pr, i) => (pr.number = i + 1));
  return prs;
}
