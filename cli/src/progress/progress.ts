/**
 * A line per step as it changes state, with the time since the display started: colour on a
 * terminal, plain text when piped (CI logs), nothing at all in `--json` mode (scripts read the one
 * JSON document at the end).
 */

export type ProgressState =
  | 'running'
  | 'done'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'timed_out'
  | 'cancelled'
  | 'waiting'
  | 'pending'
  | 'info';

export interface ProgressSink {
  write(text: string): void;
}

export interface ProgressOptions {
  /** Colour escapes on; default: the sink is a TTY and NO_COLOR is unset. */
  colour: boolean;
  /** Prints nothing (`--json`). */
  quiet?: boolean;
  /** Injected for tests; default Date.now. */
  now?: () => number;
}

const COLOURS: Partial<Record<ProgressState, string>> = {
  running: '\u001b[36m',
  waiting: '\u001b[36m',
  done: '\u001b[32m',
  succeeded: '\u001b[32m',
  failed: '\u001b[31m',
  timed_out: '\u001b[31m',
  skipped: '\u001b[33m',
  cancelled: '\u001b[33m',
};
const DIM = '\u001b[2m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

/** Whether a stream should get colour: a terminal, and the user did not opt out (no-color.org). */
export function wantsColour(
  stream: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** `12.3s` below a minute, `2m05s` above. */
export function formatElapsed(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export class ProgressDisplay {
  private readonly started: number;
  private readonly now: () => number;
  /** Last state printed per step: the same state is not printed twice. */
  private readonly last = new Map<string, ProgressState>();

  constructor(
    private readonly sink: ProgressSink,
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  /** Milliseconds since the display was created. */
  elapsed(): number {
    return this.now() - this.started;
  }

  /** One line `  [  3.2s] state      step  detail`, unless the step is already in that state. */
  step(step: string, state: ProgressState, detail?: string): void {
    if (this.options.quiet || this.last.get(step) === state) return;
    this.last.set(step, state);
    const time = `[${formatElapsed(this.elapsed()).padStart(6)}]`;
    const label = state.replace('_', ' ').padEnd(10);
    const text = detail ? `${step}  ${detail}` : step;
    this.sink.write(
      this.options.colour
        ? `  ${DIM}${time}${RESET} ${COLOURS[state] ?? ''}${label}${RESET} ${text}\n`
        : `  ${time} ${label} ${text}\n`,
    );
  }

  /** A heading line (bold on a terminal). */
  heading(text: string): void {
    if (this.options.quiet) return;
    this.sink.write(this.options.colour ? `\n${BOLD}${text}${RESET}\n` : `\n${text}\n`);
  }

  /** Free text, as is. */
  print(text: string): void {
    if (this.options.quiet) return;
    this.sink.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}
