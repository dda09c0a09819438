import { formatElapsed, ProgressDisplay, wantsColour } from './progress';

describe('ProgressDisplay', () => {
  function display(colour: boolean, quiet = false) {
    let t = 1000;
    let out = '';
    const d = new ProgressDisplay({ write: (s) => void (out += s) }, { colour, quiet, now: () => t });
    return { d, out: () => out, advance: (ms: number) => void (t += ms) };
  }

  it('prints one plain line per state change with the elapsed time, and nothing for a repeated state', () => {
    const { d, out, advance } = display(false);
    d.step('acme/ios-app#42 pr-review / security-agent', 'running', 'dispatched');
    advance(2500);
    d.step('acme/ios-app#42 pr-review / security-agent', 'running', 'dispatched');
    d.step('acme/ios-app#42 pr-review / security-agent', 'succeeded');
    expect(out()).toBe(
      '  [  0.0s] running    acme/ios-app#42 pr-review / security-agent  dispatched\n  [  2.5s] succeeded  acme/ios-app#42 pr-review / security-agent\n',
    );
  });

  it('colours the state on a terminal and prints nothing when quiet', () => {
    const coloured = display(true);
    coloured.d.step('x', 'failed');
    expect(coloured.out()).toContain('\u001b[31mfailed');
    const quiet = display(false, true);
    quiet.d.step('x', 'failed');
    quiet.d.print('text');
    expect(quiet.out()).toBe('');
  });

  it('uses colour only on a terminal without NO_COLOR', () => {
    expect(wantsColour({ isTTY: true }, {})).toBe(true);
    expect(wantsColour({ isTTY: false }, {})).toBe(false);
    expect(wantsColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
  });

  it('formats seconds below a minute and minutes above', () => {
    expect(formatElapsed(12_345)).toBe('12.3s');
    expect(formatElapsed(125_000)).toBe('2m05s');
  });
});
