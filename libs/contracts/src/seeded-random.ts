/**
 * The one seeded generator the fuzz tests and the benches draw from (mulberry32): small, fast and
 * the same sequence for the same seed on every machine, so a failing fuzz case is replayed by its
 * seed and a bench's synthetic workload is the same from run to run. Not for anything secret.
 */

/** Returns a function giving floats in [0, 1), the sequence fixed by `seed` (a 32-bit integer). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws on top of {@link seededRandom}: integers, picks and coin flips, all from the one sequence. */
export class SeededDraw {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}
