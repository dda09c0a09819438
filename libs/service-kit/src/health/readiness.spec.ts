import { Readiness } from './readiness';

describe('Readiness', () => {
  it('is ready when every check passes', async () => {
    const readiness = new Readiness();
    readiness.add('bus', async () => undefined);
    readiness.add('database', async () => undefined);
    expect(await readiness.report()).toEqual({ ready: true, reasons: [] });
  });

  it('names each failing check with its reason, including a check that throws', async () => {
    const readiness = new Readiness();
    readiness.add('bus', async () => 'jetstream bus is not connected');
    readiness.add('database', async () => {
      throw new Error('connection refused');
    });
    expect(await readiness.report()).toEqual({
      ready: false,
      reasons: ['bus: jetstream bus is not connected', 'database: connection refused'],
    });
  });

  it('reports not ready once shutting down, whatever the checks say', async () => {
    const readiness = new Readiness();
    readiness.add('bus', async () => undefined);
    readiness.markShuttingDown();
    expect(await readiness.report()).toEqual({ ready: false, reasons: ['process: shutting down'] });
  });

  it('counts a check that does not answer as failed', async () => {
    jest.useFakeTimers();
    try {
      const readiness = new Readiness();
      readiness.add('database', () => new Promise(() => undefined));
      const report = readiness.report();
      await jest.advanceTimersByTimeAsync(2000);
      expect(await report).toEqual({ ready: false, reasons: ['database: no answer within 2000 ms'] });
    } finally {
      jest.useRealTimers();
    }
  });

  it('lists notes beside the checks without making the process unready', async () => {
    const readiness = new Readiness();
    readiness.add('bus', async () => undefined);
    readiness.note(
      'models',
      async () => 'anthropic/claude-sonnet-4-5 off (retired), served by claude-sonnet-5-5',
    );
    readiness.note('quiet', async () => undefined);
    expect(await readiness.report()).toEqual({
      ready: true,
      reasons: [],
      notes: ['models: anthropic/claude-sonnet-4-5 off (retired), served by claude-sonnet-5-5'],
    });
  });
});
