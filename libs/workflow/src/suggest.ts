/** Edit distance (Damerau: a swap of two neighbours counts once), for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => {
    const row = new Array<number>(n + 1).fill(0);
    row[0] = i;
    return row;
  });
  for (let j = 0; j <= n; j++) d[0][j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[m][n];
}

/** The closest candidate, when it is close enough to be a likely typo. */
export function closest(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(needle, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(2, Math.floor(needle.length / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** `; did you mean `x`?` or, with few candidates, `; expected one of a, b, c`. */
export function didYouMean(input: string, candidates: readonly string[], listUpTo = 8): string {
  const hit = closest(input, candidates);
  if (hit !== undefined) return `; did you mean \`${hit}\`?`;
  if (candidates.length > 0 && candidates.length <= listUpTo)
    return `; expected one of ${candidates.map((c) => `\`${c}\``).join(', ')}`;
  return '';
}

/** Only the `; did you mean `x`?` part, for messages that already list what is allowed. */
export function maybeMeant(input: string, candidates: readonly string[]): string {
  const hit = closest(input, candidates);
  return hit === undefined ? '' : `; did you mean \`${hit}\`?`;
}
