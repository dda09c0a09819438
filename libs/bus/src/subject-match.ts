const STAR = 42;
const GT = 62;

function tokenEnd(text: string, from: number): number {
  const dot = text.indexOf('.', from);
  return dot < 0 ? text.length : dot;
}

/**
 * NATS subject wildcard matching: `*` is one token, `>` one or more trailing tokens. Token by
 * token over the strings, without splitting them: the embedded bus calls it for every message
 * against every consumer filter, stream and subscriber.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  let p = 0;
  let s = 0;
  for (;;) {
    const pEnd = tokenEnd(pattern, p);
    const pLen = pEnd - p;
    // `s > subject.length`: the subject has no token at this position.
    if (pLen === 1 && pattern.charCodeAt(p) === GT) return s <= subject.length;
    if (s > subject.length) return false;
    const sEnd = tokenEnd(subject, s);
    if (!(pLen === 1 && pattern.charCodeAt(p) === STAR)) {
      if (pLen !== sEnd - s) return false;
      for (let i = 0; i < pLen; i++)
        if (pattern.charCodeAt(p + i) !== subject.charCodeAt(s + i)) return false;
    }
    p = pEnd + 1;
    s = sEnd + 1;
    if (p > pattern.length) return s > subject.length;
  }
}

/** Whether some subject could match both patterns (used to refuse overlapping work-queue consumers). */
export function subjectsOverlap(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] === '>' || y[i] === '>') return i < x.length && i < y.length;
    if (x[i] === undefined || y[i] === undefined) return false;
    if (x[i] !== '*' && y[i] !== '*' && x[i] !== y[i]) return false;
  }
  return true;
}
