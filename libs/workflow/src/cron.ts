/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week, UTC), as `schedule`
 * triggers use them: numbers, `*`, ranges `1-5`, lists `1,15`, steps `*\/15` and `0-30/10`, and
 * the names `mon`..`sun`, `jan`..`dec`.
 */
const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
] as const;

export interface CronSchedule {
  source: string;
  fields: Array<Set<number>>;
  /** Whether day-of-month and day-of-week were both restricted (then either may match, as in cron). */
  eitherDay: boolean;
}

export class CronSyntaxError extends Error {}

function value(text: string, field: (typeof FIELDS)[number]): number {
  const names = 'names' in field ? (field.names as readonly string[]) : undefined;
  const named = names?.indexOf(text.toLowerCase());
  if (named !== undefined && named >= 0) return named + (field.min === 1 ? 1 : 0);
  if (!/^\d+$/.test(text)) throw new CronSyntaxError(`\`${text}\` is not a valid ${field.name}`);
  const n = Number(text);
  if (n < field.min || n > field.max)
    throw new CronSyntaxError(`${field.name} ${n} is out of range ${field.min}-${field.max}`);
  return n;
}

/** Parses a cron expression or throws {@link CronSyntaxError} saying which field is wrong. */
export function parseCron(source: string): CronSchedule {
  const parts = source.trim().split(/\s+/);
  if (parts.length !== 5)
    throw new CronSyntaxError(
      `a schedule has five fields (minute hour day month weekday), found ${parts.length}; for example "0 3 * * 1-5"`,
    );
  const fields = parts.map((part, index) => {
    const field = FIELDS[index];
    const set = new Set<number>();
    for (const item of part.split(',')) {
      const [range, stepText] = item.split('/');
      const step = stepText === undefined ? 1 : Number(stepText);
      if (!Number.isInteger(step) || step < 1)
        throw new CronSyntaxError(
          `step \`${stepText}\` in the ${field.name} field must be a positive whole number`,
        );
      let lo: number;
      let hi: number;
      if (range === '*') [lo, hi] = [field.min, field.max];
      else if (range.includes('-')) {
        const [a, b] = range.split('-');
        [lo, hi] = [value(a, field), value(b, field)];
        if (lo > hi)
          throw new CronSyntaxError(`range \`${range}\` in the ${field.name} field runs backwards`);
      } else {
        lo = value(range, field);
        hi = stepText === undefined ? lo : field.max;
      }
      for (let n = lo; n <= hi; n += step) set.add(index === 4 && n === 7 ? 0 : n);
    }
    return set;
  });
  return { source, fields, eitherDay: parts[2] !== '*' && parts[4] !== '*' };
}

/** Whether the schedule fires in the minute that contains `at` (UTC). */
export function cronMatches(schedule: CronSchedule, at: Date): boolean {
  const [minute, hour, dom, month, dow] = schedule.fields;
  if (!minute.has(at.getUTCMinutes()) || !hour.has(at.getUTCHours()) || !month.has(at.getUTCMonth() + 1))
    return false;
  const domOk = dom.has(at.getUTCDate());
  const dowOk = dow.has(at.getUTCDay());
  return schedule.eitherDay ? domOk || dowOk : domOk && dowOk;
}
