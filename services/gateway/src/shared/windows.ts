/** Fixed accounting windows (UTC): the minute of a rate limit, the day or month of a budget. */
export interface AccountingWindow {
  /** Stable id used in KV keys (`m29433120`, `d2026-11-25`, `M2026-11`). */
  id: string;
  /** Epoch ms the window ends (exclusive). */
  endsAt: number;
}

export type WindowKind = 'minute' | 'day' | 'month';

/** The last day and month window handed out: every budget check asks, and the answer changes once a day. */
const lastWindow: Partial<Record<WindowKind, AccountingWindow & { startsAt: number }>> = {};

/** The window that contains `now`; treat it as read-only (day and month windows are shared between callers). */
export function windowAt(kind: WindowKind, now: number): AccountingWindow {
  const last = lastWindow[kind];
  if (last && now >= last.startsAt && now < last.endsAt) return last;
  const w = computeWindow(kind, now);
  if (kind !== 'minute')
    lastWindow[kind] = {
      ...w,
      startsAt:
        kind === 'day'
          ? w.endsAt - 86_400_000
          : Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1),
    };
  return w;
}

function computeWindow(kind: WindowKind, now: number): AccountingWindow {
  if (kind === 'minute') {
    const n = Math.floor(now / 60_000);
    return { id: `m${n}`, endsAt: (n + 1) * 60_000 };
  }
  const d = new Date(now);
  if (kind === 'day') {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return { id: `d${new Date(start).toISOString().slice(0, 10)}`, endsAt: start + 86_400_000 };
  }
  return {
    id: `M${d.toISOString().slice(0, 7)}`,
    endsAt: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}

/** A KV key token: NATS KV keys allow `[-/_=.a-zA-Z0-9]`, and `.` separates tokens. */
export function keyToken(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}
