/**
 * After an outage every deferred step's retry timer comes due at about the same time. Only a few
 * may go back to the vendors at once: a retry takes a slot (a lease in KV, by compare-and-set),
 * gives it back when its step answers, and a lease that is never given back expires.
 */
import type { KeyValueStore } from '@agentflow/bus';
import { mutateJson } from './kv-cas';

interface SlotsRecord {
  /** Holder (`runId:stepId`) -> lease expiry, epoch ms. */
  holders: Record<string, number>;
}

const KEY = 'deferred-slots';

export class DeferredSlots {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly capacity: number,
    private readonly leaseMs: number,
  ) {}

  /** Takes a slot for the holder (again, if it has one); false when all are taken. */
  async acquire(holder: string, now: number): Promise<boolean> {
    let granted = false;
    await mutateJson<SlotsRecord>(this.kv, KEY, (current) => {
      const holders = Object.fromEntries(
        Object.entries(current?.holders ?? {}).filter(([, expiry]) => expiry > now),
      );
      if (holder in holders || Object.keys(holders).length < this.capacity) {
        granted = true;
        return { holders: { ...holders, [holder]: now + this.leaseMs } };
      }
      granted = false;
      return undefined;
    });
    return granted;
  }

  async release(holder: string): Promise<void> {
    await mutateJson<SlotsRecord>(this.kv, KEY, (current) => {
      if (!current || !(holder in current.holders)) return undefined;
      const holders = { ...current.holders };
      delete holders[holder];
      return { holders };
    });
  }
}
