import { Redactor } from './redactor';

describe('Redactor', () => {
  const redactor = new Redactor();
  it('gives the same value the same placeholder, so identical requests redact identically', () => {
    const text =
      'let a = "ghp_0123456789abcdefghijklmnopqrstuvwxyz"\nlet b = "ghp_0123456789abcdefghijklmnopqrstuvwxyz"\n// by ann@shop.io';
    const one = redactor.redact(undefined, [{ role: 'user', content: text }]);
    const two = redactor.redact(undefined, [{ role: 'user', content: text }]);
    expect(one.messages[0].content).toBe(two.messages[0].content);
    expect(one.messages[0].content.match(/\[REDACTED_SECRET_1\]/g)).toHaveLength(2);
    expect(one.messages[0].content).toContain('[REDACTED_EMAIL_1]');
    expect(one.counts).toEqual({ secrets: 2, emails: 1 });
  });
  it('leaves text without secrets untouched', () => {
    expect(
      redactor.redact('system', [{ role: 'user', content: 'func login() {}' }]).messages[0].content,
    ).toBe('func login() {}');
  });
});
