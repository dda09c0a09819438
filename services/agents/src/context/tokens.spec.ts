import { BpeTokenCounter } from './tokens';

describe('BpeTokenCounter', () => {
  it('gives a remembered long text the same count as counting it afresh', () => {
    const text = 'func login(email: String, password: String) async throws -> Token\n'.repeat(20);
    const counter = new BpeTokenCounter();
    const first = counter.count(text);
    expect(first).toBeGreaterThan(100);
    // A copy built anew (not the same string object) hits the remembered count.
    expect(counter.count(text.slice(0, 10) + text.slice(10))).toBe(first);
    expect(new BpeTokenCounter(1.15, 0).count(text)).toBe(first);
  });

  it('counts different texts differently after many others pushed the first out', () => {
    const counter = new BpeTokenCounter(1, 2);
    const texts = ['a', 'b', 'c'].map((c) => `${c} `.repeat(200));
    const counts = texts.map((t) => counter.count(t));
    expect(counter.count(texts[0])).toBe(counts[0]);
    expect(counter.count('word '.repeat(300))).toBeGreaterThan(counts[0]);
  });
});
