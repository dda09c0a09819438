import { cronMatches, parseCron } from './cron';
import { parseDuration } from './duration';
import { matchesAny, pathMatcher } from './globs';
import { closest, editDistance } from './suggest';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1500ms', 1_500],
    ['0.5s', 500],
  ])('%s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it.each(['300', '5 minutes', 'm5', ''])('refuses %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});

describe('path globs', () => {
  it.each([
    ['*.swift', 'App/Sources/A/B.swift', true],
    ['*.swift', 'B.swift', true],
    ['*.swift', 'B.swiftinterface', false],
    ['R.java', 'app/build/generated/R.java', true],
    ['*.generated.*', 'Sources/Api.generated.swift', true],
    ['app/src/**', 'app/src/main/A.kt', true],
    ['app/src/**', 'lib/app/src/A.kt', false],
    ['**/Payments/**', 'App/Payments/Card.swift', true],
    ['.github/*', '.github/CODEOWNERS', true],
  ])('%s vs %s -> %s', (glob, path, expected) => {
    expect(pathMatcher(glob)(path)).toBe(expected);
  });
  it('matchesAny', () => expect(matchesAny('Podfile.lock', ['*.kt', 'Podfile.lock'])).toBe(true));
});

describe('cron', () => {
  const at = (iso: string) => new Date(iso);
  it('matches the minute it names (UTC)', () => {
    const c = parseCron('30 2 * * 1-5');
    expect(cronMatches(c, at('2026-11-25T02:30:10Z'))).toBe(true); // a Wednesday
    expect(cronMatches(c, at('2026-11-29T02:30:00Z'))).toBe(false); // a Sunday
    expect(cronMatches(c, at('2026-11-25T02:31:00Z'))).toBe(false);
  });
  it('steps, lists, names, and day-of-month OR day-of-week', () => {
    expect(cronMatches(parseCron('*/15 * * * *'), at('2026-01-01T10:45:00Z'))).toBe(true);
    expect(cronMatches(parseCron('0 9 * jan,feb mon'), at('2026-02-02T09:00:00Z'))).toBe(true);
    expect(cronMatches(parseCron('0 0 1 * 0'), at('2026-11-01T00:00:00Z'))).toBe(true);
    expect(cronMatches(parseCron('0 0 13 * 5'), at('2026-11-06T00:00:00Z'))).toBe(true); // a Friday, not the 13th
  });
  it.each([
    ['* * * *', 'five fields'],
    ['61 * * * *', 'out of range'],
    ['5-1 * * * *', 'backwards'],
    ['*/0 * * * *', 'positive'],
    ['a * * * *', 'not a valid minute'],
  ])('rejects %j', (text, fragment) => {
    expect(() => parseCron(text)).toThrow(fragment);
  });
});

describe('suggestions', () => {
  it('counts a swap of neighbours as one edit', () => expect(editDistance('agnets', 'agents')).toBe(1));
  it('suggests only close names', () => {
    expect(closest('agnets', ['agents', 'phases'])).toBe('agents');
    expect(closest('zzzzzz', ['agents', 'phases'])).toBeUndefined();
  });
});
