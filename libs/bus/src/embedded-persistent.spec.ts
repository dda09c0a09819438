import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBusContract } from './testing/bus-contract';
import { EmbeddedBus } from './embedded/embedded-bus';

// The same contract with every change journaled to a data directory.
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describeBusContract('embedded with a data directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'af-bus-contract-'));
  dirs.push(dir);
  return new EmbeddedBus({ dataDir: dir });
});
