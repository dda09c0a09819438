/**
 * Lines of the new file that a unified-diff patch shows (added and context lines). GitHub accepts
 * a review comment only on these lines (RIGHT side); anything else is a 422.
 */
export function commentableLines(patch: string | undefined): Set<number> {
  const lines = new Set<number>();
  if (!patch) return lines;
  let newLine = 0;
  for (const text of patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) {
      newLine = Number(hunk[1]);
      continue;
    }
    if (newLine === 0) continue;
    if (text.startsWith('-')) continue;
    if (text.startsWith('\\')) continue;
    lines.add(newLine);
    newLine += 1;
  }
  return lines;
}
