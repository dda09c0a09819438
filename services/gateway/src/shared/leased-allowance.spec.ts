import { MemoryKv } from '../testing/memory-kv';
import { systemClock } from './clock';
import { AllowanceExhausted, LeasedAllowance } from './leased-allowance';
import { windowAt } from './windows';

function allowance(
  kv: MemoryKv,
  limit: number,
  leaseSize: number,
  extra: Partial<ConstructorParameters<typeof LeasedAllowance>[0]> = {},
) {
  return new LeasedAllowance({
    kv,
    key: 'budget.global.all.day',
    limit,
    leaseSize,
    window: (now) => windowAt('day', now),
    clock: systemClock,
    ...extra,
  });
}

describe('LeasedAllowance', () => {
  it('never grants two replicas more than the limit between them', async () => {
    const kv = new MemoryKv();
    const a = allowance(kv, 10, 3);
    const b = allowance(kv, 10, 3);
    const taken: string[] = [];
    const attempts = Array.from({ length: 30 }, (_, i) =>
      (i % 2 ? a : b).reserve(1, false).then(
        () => taken.push('ok'),
        (e) => {
          expect(e).toBeInstanceOf(AllowanceExhausted);
        },
      ),
    );
    await Promise.all(attempts);
    expect(taken).toHaveLength(10);
    expect((await a.record())!.granted).toBe(10);
  });

  it('serves reservations from the local slice without touching the store', async () => {
    const kv = new MemoryKv();
    const a = allowance(kv, 100, 50);
    await a.reserve(1, false);
    const before = kv.operations;
    for (let i = 0; i < 20; i++) a.settle(await a.reserve(1, false), 1);
    expect(kv.operations).toBe(before);
  });

  it('waits for in-flight reservations to settle instead of failing when they leave room', async () => {
    const kv = new MemoryKv();
    const a = allowance(kv, 10, 10);
    const first = await a.reserve(8, true);
    const second = a.reserve(8, true);
    a.settle(first, 1);
    await expect(second).resolves.toMatchObject({ amount: 8 });
  });

  it('records spend and raises each threshold once', async () => {
    const kv = new MemoryKv();
    const crossed: number[] = [];
    const a = allowance(kv, 10, 10, {
      trackSpent: true,
      thresholds: [0.5, 0.8, 1],
      onThresholds: (t) => crossed.push(...t),
    });
    a.settle(await a.reserve(6, true), 6);
    await a.flush();
    a.settle(await a.reserve(3, true), 3);
    await a.flush();
    expect(crossed).toEqual([0.5, 0.8]);
    expect((await a.record())!.spent).toBe(9);
  });
});
