import { RedeliveryQueue } from './redelivery-queue';

describe('RedeliveryQueue', () => {
  it('hands out due messages lowest sequence first, and nothing before its time', () => {
    const q = new RedeliveryQueue();
    q.set(7, { deliveries: 1, availableAt: 100 });
    q.set(3, { deliveries: 2, availableAt: 200 });
    q.set(5, { deliveries: 1, availableAt: 150 });
    expect(q.nextDueAt()).toBe(100);
    expect(q.takeDue(99)).toBeUndefined();
    expect(q.takeDue(160)).toEqual({ seq: 5, deliveries: 1 });
    expect(q.takeDue(160)).toEqual({ seq: 7, deliveries: 1 });
    expect(q.takeDue(160)).toBeUndefined();
    expect(q.nextDueAt()).toBe(200);
    expect(q.takeDue(200)).toEqual({ seq: 3, deliveries: 2 });
    expect(q.nextDueAt()).toBe(Infinity);
  });

  it('moves the next due time when the earliest is removed or rescheduled later', () => {
    const q = new RedeliveryQueue();
    q.set(1, { deliveries: 1, availableAt: 100 });
    q.set(2, { deliveries: 1, availableAt: 300 });
    q.delete(1);
    expect(q.has(1)).toBe(false);
    expect(q.nextDueAt()).toBe(300);
    q.set(2, { deliveries: 2, availableAt: 500 });
    expect(q.nextDueAt()).toBe(500);
    expect(q.takeDue(400)).toBeUndefined();
    q.set(4, { deliveries: 1, availableAt: 50 });
    expect(q.takeDue(60)).toEqual({ seq: 4, deliveries: 1 });
  });
});
