/**
 * A lock file in a PGlite data directory. PGlite writes no postmaster.pid, and two processes on one
 * directory would corrupt it, so we keep our own: the owner's pid, removed on close. A lock left
 * by a process that died (SIGKILL, power loss) is taken over.
 */
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataDirInUseError } from './errors';

const LOCK_FILE = 'agentflow.lock';

/** Directories this process holds: a restarted container is pid 1 again, so pid alone can't tell. */
const heldHere = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DataDirLock {
  private constructor(private readonly dir: string) {}

  static async acquire(dir: string): Promise<DataDirLock> {
    const path = join(dir, LOCK_FILE);
    if (heldHere.has(dir)) {
      throw new DataDirInUseError(
        `the data directory ${dir} is already open in this process; close the other database first`,
      );
    }
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new DataDirInUseError(
          `the data directory ${dir} is in use by process ${owner}; stop it, or set AGENTFLOW_DATA_DIR to another directory`,
        );
      }
      // The owner is gone: the lock is stale.
      await writeFile(path, String(process.pid));
    }
    heldHere.add(dir);
    return new DataDirLock(dir);
  }

  async release(): Promise<void> {
    heldHere.delete(this.dir);
    await rm(join(this.dir, LOCK_FILE), { force: true });
  }
}
