import { MemoryKv } from '../testing/memory-kv';
import { SteppingClock } from '../testing/fixtures';
import { CircuitBreakerBoard } from './circuit-breaker';

describe('CircuitBreakerBoard', () => {
  async function pair() {
    const kv = new MemoryKv();
    const clock = new SteppingClock();
    const a = new CircuitBreakerBoard(kv, { failureThreshold: 3, cooldownMs: 1000, instanceId: 'a' }, clock);
    const b = new CircuitBreakerBoard(kv, { failureThreshold: 3, cooldownMs: 1000, instanceId: 'b' }, clock);
    await a.start();
    await b.start();
    return { a, b, clock };
  }

  it('opens at the threshold on one replica and the other follows', async () => {
    const { a, b } = await pair();
    a.failure('openai', 'gpt-4.1', false, 'server_error');
    a.failure('openai', 'gpt-4.1', false, 'server_error');
    expect(b.state('openai', 'gpt-4.1')).toBe('closed');
    a.failure('openai', 'gpt-4.1', false, 'server_error');
    await new Promise((r) => setImmediate(r));
    expect(b.permit('openai', 'gpt-4.1')).toMatchObject({ allowed: false });
    expect(b.permit('anthropic', 'claude')).toEqual({ allowed: true, probe: false });
  });

  it('lets one probe through when half-open; a failed probe reopens, a good one closes everywhere', async () => {
    const { a, b, clock } = await pair();
    for (let i = 0; i < 3; i++) a.failure('p', 'm', false, 'timeout');
    await new Promise((r) => setImmediate(r));
    clock.offset += 1001;
    const probe = b.permit('p', 'm');
    expect(probe).toEqual({ allowed: true, probe: true });
    expect(b.permit('p', 'm')).toMatchObject({ allowed: false });
    b.failure('p', 'm', true, 'timeout');
    expect(b.state('p', 'm')).toBe('open');
    clock.offset += 1001;
    expect(a.permit('p', 'm')).toEqual({ allowed: true, probe: true });
    a.success('p', 'm', true);
    await new Promise((r) => setImmediate(r));
    expect(a.state('p', 'm')).toBe('closed');
    expect(b.state('p', 'm')).toBe('closed');
  });
});
