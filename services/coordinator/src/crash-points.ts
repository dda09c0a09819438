/**
 * Named places where a test can make the coordinator die (`AF_CRASH_AT=after-cas|after-publish|
 * before-ack`): the process exits at once, as if killed, so a test proves that another coordinator
 * finishes the run from what was made durable.
 */
export const CRASH_POINTS = ['after-cas', 'after-publish', 'before-ack'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export type CrashHook = (point: CrashPoint) => void;

/** A hook that exits the process with code 70 at the configured point; a no-op when none is set. */
export function crashHookFromEnv(
  value: string | undefined,
  exit: (code: number) => never = process.exit,
): CrashHook {
  if (!value) return () => undefined;
  if (!(CRASH_POINTS as readonly string[]).includes(value)) {
    throw new Error(`AF_CRASH_AT=${value} is not a crash point; use one of ${CRASH_POINTS.join(', ')}`);
  }
  return (point) => {
    if (point === value) {
      process.stderr.write(`coordinator: crashing at ${point} (AF_CRASH_AT)\n`);
      exit(CRASH_EXIT_CODE);
    }
  };
}

/** Exit code of a deliberate crash, so a test can tell it from a real failure. */
export const CRASH_EXIT_CODE = 70;
