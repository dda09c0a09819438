import { subjectMatches } from './subject-match';

/** The token-splitting definition the matcher must agree with. */
function bySplitting(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

describe('subjectMatches', () => {
  it.each([
    ['af.tasks.*', 'af.tasks.security', true],
    ['af.tasks.*', 'af.tasks.security.x', false],
    ['af.tasks.*', 'af.tasks', false],
    ['af.>', 'af.tasks.security', true],
    ['af.>', 'af', false],
    ['af.runs.*.completed', 'af.runs.r1.completed', true],
    ['af.runs.*.completed', 'af.runs.r1.failed', false],
    ['run.>', 'run.abc', true],
    ['af.tasks.security', 'af.tasks.securit', false],
    ['af.tasks.securit', 'af.tasks.security', false],
  ])('%s against %s is %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });

  it('agrees with matching token by token on every pattern and subject over a small alphabet', () => {
    // Every string of up to 5 characters over these covers empty tokens, wildcards inside and at
    // the ends, and tokens that are prefixes of each other.
    const alphabet = ['a', 'b', '.', '*', '>'];
    const all: string[] = [''];
    for (let len = 1; len <= 5; len++) {
      for (let i = 0; i < alphabet.length ** len; i++) {
        let text = '';
        for (let n = i, k = 0; k < len; k++, n = Math.floor(n / alphabet.length))
          text += alphabet[n % alphabet.length];
        all.push(text);
      }
    }
    const subjects = all.filter((t) => !t.includes('*') && !t.includes('>'));
    let checked = 0;
    for (const pattern of all) {
      for (const subject of subjects) {
        if (subjectMatches(pattern, subject) !== bySplitting(pattern, subject))
          throw new Error(`"${pattern}" vs "${subject}"`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100_000);
  });
});
