import { DeliverySlots, SlotsClosedError } from './delivery-slots';

/** A delivery the test finishes by hand. */
function gate(): { promise: Promise<void>; open: () => void; fail: (e: Error) => void } {
  let open!: () => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('DeliverySlots', () => {
  it('runs at most `size` deliveries at once and starts the waiting ones in arrival order', async () => {
    const slots = new DeliverySlots(2);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const done = gates.map((g, i) =>
      slots.run(async () => {
        started.push(i);
        running += 1;
        most = Math.max(most, running);
        await g.promise;
        running -= 1;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(slots.queue().waiting).toBe(3);
    gates[1].open();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0].open();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[2].open();
    gates[3].open();
    await tick();
    gates[4].open();
    await Promise.all(done);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(slots.queue()).toEqual({ waiting: 0, oldestMs: 0 });
  });

  it('gives the slot back when a delivery fails', async () => {
    const slots = new DeliverySlots(1);
    const first = gate();
    const failing = slots.run(() => first.promise);
    let secondRan = false;
    const second = slots.run(async () => {
      secondRan = true;
    });
    first.fail(new Error('GitHub said 502'));
    await expect(failing).rejects.toThrow('GitHub said 502');
    await second;
    expect(secondRan).toBe(true);
    // Both slots' worth of work is over: a third runs at once.
    let thirdRan = false;
    await slots.run(async () => {
      thirdRan = true;
    });
    expect(thirdRan).toBe(true);
  });

  it('on close, hands back the waiting deliveries, lets the running one finish and refuses new ones', async () => {
    const slots = new DeliverySlots(1);
    const running = gate();
    const first = slots.run(() => running.promise);
    const waiting = [slots.run(async () => 'never'), slots.run(async () => 'never')];
    await tick();
    expect(slots.close()).toBe(2);
    for (const w of waiting) await expect(w).rejects.toBeInstanceOf(SlotsClosedError);
    await expect(slots.run(async () => 'late')).rejects.toBeInstanceOf(SlotsClosedError);
    running.open();
    await expect(first).resolves.toBeUndefined();
  });

  it('without a bound, never makes a delivery wait', async () => {
    const slots = new DeliverySlots(Number.POSITIVE_INFINITY);
    const gates = Array.from({ length: 100 }, gate);
    let started = 0;
    const done = gates.map((g) =>
      slots.run(async () => {
        started += 1;
        await g.promise;
      }),
    );
    await tick();
    expect(started).toBe(100);
    gates.forEach((g) => g.open());
    await Promise.all(done);
  });

  it('refuses a size below one', () => {
    expect(() => new DeliverySlots(0)).toThrow(RangeError);
  });
});
