import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Real tool outputs shared beside the repository (`../shared/samples`), or where
 * `AGENTFLOW_SAMPLES_DIR` points. Tests read them when present and say they skipped otherwise.
 */
export const SAMPLES_DIR =
  process.env.AGENTFLOW_SAMPLES_DIR ?? resolve(__dirname, '../../../../../shared/samples');

export const samplesPresent = existsSync(SAMPLES_DIR);

export function readSample(name: string): string {
  return readFileSync(join(SAMPLES_DIR, name), 'utf8');
}

/** `describe` over the shared samples, or one skipped test that names the missing folder. */
export function describeSamples(title: string, body: () => void): void {
  if (samplesPresent) describe(`${title} (shared samples)`, body);
  else
    describe(`${title} (shared samples)`, () =>
      it.skip(`skipped: ${SAMPLES_DIR} does not exist`, () => undefined));
}

/** The project's own fixtures, in `libs/mobile/fixtures`. */
export function readFixture(relativePath: string): string {
  return readFileSync(resolve(__dirname, '../../fixtures', relativePath), 'utf8');
}
