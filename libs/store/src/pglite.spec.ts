import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError } from './errors';
import { openDatabase } from './open';
import { PgliteDatabase } from './pglite';
import { describeStoreContract } from './testing/store-contract';

describeStoreContract('PGlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'agentflow-pglite-'));
  return {
    open: () => openDatabase({ dataDir: dir }),
    multipleHandles: false,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('PGlite data directory', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agentflow-pglite-lock-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second open of a directory that is open, and allows it after close', async () => {
    const db = await PgliteDatabase.open({ dataDir: dir });
    try {
      await expect(PgliteDatabase.open({ dataDir: dir })).rejects.toBeInstanceOf(DataDirInUseError);
    } finally {
      await db.close();
    }
    const again = await PgliteDatabase.open({ dataDir: dir });
    expect(await again.ping()).toBe(true);
    await again.close();
  }, 60_000);
});

describe('PGlite without a data directory', () => {
  it('starts in memory from the template, migrated on request', async () => {
    const db = await openDatabase({ migrate: true });
    try {
      expect((db as PgliteDatabase).dataDir).toBeUndefined();
      const { rows } = await db.query(`SELECT to_regclass('runs') IS NOT NULL AS present`);
      expect(rows).toEqual([{ present: true }]);
    } finally {
      await db.close();
    }
  }, 60_000);
});
