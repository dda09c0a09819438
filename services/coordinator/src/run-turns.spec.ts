import { RunTurns } from './run-turns';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('RunTurns', () => {
  it('runs the work of one run one at a time, in order, and of different runs at once', async () => {
    const turns = new RunTurns();
    const log: string[] = [];
    const job = (run: string, n: number) =>
      turns.take(run, async () => {
        log.push(`${run}${n} start`);
        await tick();
        log.push(`${run}${n} end`);
        return n;
      });
    const results = await Promise.all([job('a', 1), job('a', 2), job('b', 1), job('a', 3)]);
    expect(results).toEqual([1, 2, 1, 3]);
    const a = log.filter((l) => l.startsWith('a'));
    expect(a).toEqual(['a1 start', 'a1 end', 'a2 start', 'a2 end', 'a3 start', 'a3 end']);
    // b did not wait for a.
    expect(log.indexOf('b1 start')).toBeLessThan(log.indexOf('a1 end'));
    expect(turns.busy).toBe(0);
  });

  it('goes on after a failed turn, and goes ahead after the longest wait rather than wait forever', async () => {
    const turns = new RunTurns(30);
    await expect(
      turns.take('a', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await turns.take('a', async () => 'next')).toBe('next');
    // Two runs each waiting inside their turn for the other's: the waits end after 30 ms.
    let releaseB!: () => void;
    const bStarted = new Promise<void>((r) => {
      releaseB = r;
    });
    const a = turns.take('a', async () => {
      await bStarted;
      return turns.take('b', async () => 'a then b');
    });
    const b = turns.take('b', async () => {
      releaseB();
      return turns.take('a', async () => 'b then a');
    });
    expect(await Promise.all([a, b])).toEqual(['a then b', 'b then a']);
  });
});
