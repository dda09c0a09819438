import { MemoryKv } from '../testing/memory-kv';
import { SteppingClock } from '../testing/fixtures';
import { cacheKey, ResponseCache } from './response-cache';

const answer = {
  text: 'ok',
  provider: 'anthropic',
  model: 'm',
  usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
};

describe('ResponseCache', () => {
  it('keys the normalised request: key order and trailing whitespace do not matter, content does', () => {
    const base = {
      providers: [{ provider: 'a', model: 'm' }],
      messages: [{ role: 'user' as const, content: 'hi\r\n' }],
      maxTokens: 10,
      dataClass: 'internal',
    };
    expect(cacheKey(base)).toBe(
      cacheKey({
        dataClass: 'internal',
        maxTokens: 10,
        messages: [{ content: 'hi', role: 'user' as const }],
        providers: [{ model: 'm', provider: 'a' }],
      }),
    );
    expect(cacheKey(base)).not.toBe(cacheKey({ ...base, maxTokens: 11 }));
  });

  it('shares entries between replicas through the watch, and expires them after the TTL', async () => {
    const kv = new MemoryKv();
    const clock = new SteppingClock();
    const a = new ResponseCache(kv, { ttlMs: 1000, maxLocalEntries: 10 }, clock);
    const b = new ResponseCache(kv, { ttlMs: 1000, maxLocalEntries: 10 }, clock);
    await a.start();
    await b.start();
    a.put('k1', answer);
    await new Promise((r) => setImmediate(r));
    expect(b.get('k1')?.text).toBe('ok');
    clock.offset += 1001;
    expect(b.get('k1')).toBeUndefined();
    expect(await b.sweep()).toBe(1);
    expect(await kv.keys()).toEqual([]);
    a.stop();
    b.stop();
  });

  it('keeps at most maxLocalEntries, dropping the least recently used', async () => {
    const cache = new ResponseCache(
      new MemoryKv(),
      { ttlMs: 10_000, maxLocalEntries: 2 },
      new SteppingClock(),
    );
    cache.put('a', answer);
    cache.put('b', answer);
    cache.get('a');
    cache.put('c', answer);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
  });

  it('drops the least recently used tenth at once when full, keeping the most recent', async () => {
    const cache = new ResponseCache(
      new MemoryKv(),
      { ttlMs: 10_000, maxLocalEntries: 100 },
      new SteppingClock(),
    );
    for (let i = 0; i < 100; i++) cache.put(`k${i}`, answer);
    cache.get('k0');
    cache.put('k100', answer);
    const kept = Array.from({ length: 101 }, (_, i) => `k${i}`).filter((k) => cache.get(k) !== undefined);
    // 101 held, 90 kept: the eleven least recently used (k1..k11; k0 was used again) went.
    expect(kept).toEqual(['k0', ...Array.from({ length: 89 }, (_, i) => `k${i + 12}`)]);
  });
});
