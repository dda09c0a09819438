import { Writable } from 'node:stream';
import { createLogger } from './logger';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

describe('createLogger', () => {
  it('redacts credentials and prompt text at the top level and one level down', () => {
    const out = capture();
    const log = createLogger('test', { level: 'info', destination: out.stream });
    log.info(
      {
        apiKey: 'sk-live-123',
        headers: { authorization: 'Bearer abc', 'x-hub-signature-256': 'sha256=ff', accept: 'json' },
        request: {
          prompt: 'review this secret code',
          messages: [{ role: 'user', content: 'hi' }],
          model: 'claude',
        },
        provider: { token: 'ghs_xyz' },
        runId: 'run-1',
      },
      'calling vendor',
    );
    const [line] = out.lines();
    const text = JSON.stringify(line);
    for (const secret of [
      'sk-live-123',
      'Bearer abc',
      'sha256=ff',
      'review this secret code',
      'ghs_xyz',
      '"hi"',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(line).toMatchObject({
      name: 'test',
      msg: 'calling vendor',
      runId: 'run-1',
      request: { model: 'claude' },
      headers: { accept: 'json' },
    });
  });

  it('honours the level and falls back to info for an unknown one', () => {
    const quiet = capture();
    createLogger('q', { level: 'warn', destination: quiet.stream }).info('hidden');
    expect(quiet.lines()).toEqual([]);
    const fallback = capture();
    const log = createLogger('f', { level: 'loud', destination: fallback.stream });
    log.debug('hidden');
    log.info('shown');
    expect(fallback.lines().map((l) => l.msg)).toEqual(['shown']);
  });
});
