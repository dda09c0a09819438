/**
 * A freshly initialised PGlite cluster, made once per machine and PGlite version and copied into
 * each new data directory. PGlite's initdb runs PostgreSQL's bootstrap in WebAssembly: 5 s on an
 * idle machine, 40 s on a loaded one; copying the result takes under a second. Every new
 * directory (a first `agentflow up`, each test suite) starts from the copy.
 */
import { PGlite } from '@electric-sql/pglite';
import { cp, copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const MARKER = 'PG_VERSION';
const ARCHIVE = 'template.tar.gz';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function pgliteVersion(): Promise<string> {
  const pkg = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  return (JSON.parse(await readFile(pkg, 'utf8')) as { version: string }).version;
}

let templateDir: Promise<string> | undefined;

/** The template directory (`<tmp>/agentflow-pglite-template/<version>/cluster`), made when missing. */
export function pgliteTemplate(): Promise<string> {
  templateDir ??= buildTemplate().catch((error: unknown) => {
    templateDir = undefined;
    throw error;
  });
  return templateDir;
}

async function buildTemplate(): Promise<string> {
  const root = join(tmpdir(), 'agentflow-pglite-template', await pgliteVersion());
  const final = join(root, 'cluster');
  if (await exists(join(final, ARCHIVE))) return final;
  // Built aside and renamed into place, so a reader never sees half a template; two processes
  // building at once both succeed and one rename wins.
  const building = join(root, `building-${process.pid}-${Date.now()}`);
  await mkdir(building, { recursive: true });
  try {
    const pg = await PGlite.create(building);
    const archive = await pg.dumpDataDir('gzip');
    await pg.close();
    await writeFile(join(building, ARCHIVE), Buffer.from(await archive.arrayBuffer()));
    await rename(building, final).catch(async (error: NodeJS.ErrnoException) => {
      if (!(await exists(join(final, ARCHIVE)))) throw error;
    });
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return final;
}

/**
 * Copies the template into `dataDir` unless it already holds a cluster. `PG_VERSION` is copied
 * last: a copy cut short leaves no `PG_VERSION`, and the next start copies again.
 */
export async function seedDataDir(dataDir: string): Promise<void> {
  if (await exists(join(dataDir, MARKER))) return;
  const template = await pgliteTemplate();
  await cp(template, dataDir, {
    recursive: true,
    force: true,
    filter: (source) => source !== join(template, MARKER) && source !== join(template, ARCHIVE),
  });
  await copyFile(join(template, MARKER), join(dataDir, MARKER));
}

/** The template as an archive PGlite loads into memory (`loadDataDir`), for databases without a directory. */
export async function templateArchive(): Promise<Blob> {
  const template = await pgliteTemplate();
  return new Blob([await readFile(join(template, ARCHIVE))]);
}
