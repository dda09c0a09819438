import { Periodic } from './periodic';

describe('Periodic', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs every interval, never two runs at once, and stop() waits for the one in flight', async () => {
    let runs = 0;
    let finish!: () => void;
    const periodic = new Periodic(
      () => {
        runs += 1;
        return new Promise<void>((resolve) => (finish = resolve));
      },
      { intervalMs: 1000, failure: 'the test task failed', log: { warn: () => undefined } },
    );
    periodic.start();
    expect(runs).toBe(0);
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(3000);
    expect(runs).toBe(1);
    let stopped = false;
    const stopping = periodic.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    finish();
    await stopping;
    await jest.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(1);
  });

  it('runs at once when asked, logs a failed run and tries again next interval', async () => {
    const warnings: string[] = [];
    let runs = 0;
    const periodic = new Periodic(
      async () => {
        runs += 1;
        throw new Error('database down');
      },
      {
        intervalMs: 1000,
        immediately: true,
        failure: 'the test task failed',
        log: { warn: (m) => warnings.push(m) },
      },
    );
    periodic.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    expect(warnings).toEqual(['notifier: the test task failed: Error: database down']);
    await jest.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(2);
    await periodic.stop();
  });

  it('never runs with an interval of 0', async () => {
    let runs = 0;
    const periodic = new Periodic(async () => void (runs += 1), {
      intervalMs: 0,
      immediately: true,
      failure: 'x',
      log: { warn: () => undefined },
    });
    periodic.start();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(0);
  });
});
