// Compiles every workspace's src/ to dist/ with swc (decorator metadata included, which
// Nest's dependency injection needs; tsx/esbuild would drop it). Type-checking is `npm run typecheck`.
import { transformFile } from '@swc/core';
import { chmod, mkdir, readdir, rm, writeFile, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: true,
};

async function* sourceFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.ts$/.test(entry.name) && !/\.(spec|test|d)\.ts$/.test(entry.name)) yield path;
  }
}

async function exists(path) {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function buildPackage(pkgDir) {
  const src = join(pkgDir, 'src');
  const out = join(pkgDir, 'dist');
  if (!(await exists(src))) return 0;
  await rm(out, { recursive: true, force: true });
  let count = 0;
  for await (const file of sourceFiles(src)) {
    const rel = relative(src, file).replace(/\.ts$/, '.js');
    const target = join(out, rel);
    const { code, map } = await transformFile(file, {
      ...swcOptions,
      filename: file,
      sourceFileName: relative(dirname(target), file),
    });
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, `${code}\n//# sourceMappingURL=${rel.split('/').pop()}.map\n`);
    if (map) await writeFile(`${target}.map`, map);
    // npm links bins before `prepare` builds them, so the executable bit is ours to set.
    if (code.startsWith('#!')) await chmod(target, 0o755);
    count++;
  }
  return count;
}

const groups = ['libs', 'services'];
const packages = ['cli'];
for (const group of groups) {
  for (const entry of await readdir(join(root, group), { withFileTypes: true })) {
    if (entry.isDirectory()) packages.push(join(group, entry.name));
  }
}
const started = Date.now();
const counts = await Promise.all(packages.map((p) => buildPackage(join(root, p))));
const total = counts.reduce((a, b) => a + b, 0);
process.stderr.write(
  `agentflow build: ${total} files in ${packages.length} packages, ${Date.now() - started} ms\n`,
);
