/**
 * The yardstick: secretlint 13 with its recommended preset (dev dependencies of this bench), run
 * in-process on the same inputs as our detectors. Its own test inputs, when a copy is given by path,
 * come with their expected findings (`output.json` beside each input): the ground truth there.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface Span {
  start: number;
  end: number;
}

interface SecretlintMessage {
  range: [number, number];
  ruleId: string;
}

interface SecretlintModules {
  lintSource: (args: {
    source: { filePath: string; content: string; contentType: string; ext?: string };
    options: { config: { rules: unknown[] } };
  }) => Promise<{ messages: SecretlintMessage[] }>;
  preset: unknown;
  createRawSource: (
    filePath: string,
  ) => Promise<{ filePath: string; content: string; contentType: string; ext: string }>;
}

let modules: Promise<SecretlintModules> | undefined;

function load(): Promise<SecretlintModules> {
  // ES modules only: loaded on first use so `--no-secretlint` runs need none of it.
  modules ??= (async () => {
    const core = (await import('@secretlint/core')) as unknown as Pick<SecretlintModules, 'lintSource'>;
    const preset = (await import('@secretlint/secretlint-rule-preset-recommend')) as unknown as {
      creator: unknown;
    };
    const source = (await import('@secretlint/source-creator')) as unknown as Pick<
      SecretlintModules,
      'createRawSource'
    >;
    return { lintSource: core.lintSource, preset: preset.creator, createRawSource: source.createRawSource };
  })();
  return modules;
}

async function lint(source: {
  filePath: string;
  content: string;
  contentType: string;
  ext?: string;
}): Promise<Span[]> {
  const m = await load();
  const result = await m.lintSource({
    source,
    options: { config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: m.preset }] } },
  });
  return result.messages.map((msg) => ({ start: msg.range[0], end: msg.range[1] }));
}

/** secretlint's findings on a text as if it were the file at `path`. */
export async function secretlintText(path: string, text: string): Promise<Span[]> {
  return lint({
    filePath: join('/corpus', path),
    content: text,
    contentType: 'text',
    ext: path.slice(path.lastIndexOf('.')),
  });
}

/** One input of secretlint's rule tests with the findings its snapshot expects. */
export interface SecretlintInput {
  /** The rule the test belongs to, without the `secretlint-rule-` prefix: the "kind". */
  rule: string;
  name: string;
  file: string;
  /** The file name as the test saw it (rules look at `.npmrc`, `.p12`, ...). */
  fileName: string;
  text: string;
  binary: boolean;
  expected: Span[];
}

/**
 * Reads the snapshot inputs of the rules in the recommended preset from a secretlint checkout
 * (`PATH` is the repository root or its `packages/@secretlint`). Tests that configure rule options
 * (`.secretlintrc.json`) are left out: the same text is expected to pass or fail by option there.
 */
export function readSecretlintInputs(root: string): { inputs: SecretlintInput[]; skipped: string[] } {
  const packages = existsSync(join(root, 'packages', '@secretlint'))
    ? join(root, 'packages', '@secretlint')
    : root;
  const presetPackage = join(packages, 'secretlint-rule-preset-recommend', 'package.json');
  // The preset bundles its rules, so a checkout lists them as dev dependencies, a release as dependencies.
  const preset = JSON.parse(readFileSync(presetPackage, 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const rules = Object.keys({ ...preset.dependencies, ...preset.devDependencies })
    .filter((d) => d.startsWith('@secretlint/secretlint-rule-'))
    .map((d) => d.replace('@secretlint/secretlint-rule-', ''))
    .filter(
      (r) =>
        r !== 'filter-comments' && existsSync(join(packages, `secretlint-rule-${r}`, 'test', 'snapshots')),
    );
  const inputs: SecretlintInput[] = [];
  const skipped: string[] = [];
  for (const rule of rules.sort()) {
    const snapshots = join(packages, `secretlint-rule-${rule}`, 'test', 'snapshots');
    for (const name of readdirSync(snapshots).sort()) {
      const dir = join(snapshots, name);
      const outputFile = join(dir, 'output.json');
      if (!existsSync(outputFile)) continue;
      if (existsSync(join(dir, '.secretlintrc.json'))) {
        skipped.push(`${rule}/${name}`);
        continue;
      }
      const output = JSON.parse(readFileSync(outputFile, 'utf8')) as {
        filePath: string;
        messages: SecretlintMessage[];
        sourceContentType?: string;
      };
      const fileName = basename(output.filePath);
      const file = join(dir, fileName);
      if (!existsSync(file)) continue;
      const binary = output.sourceContentType === 'binary';
      inputs.push({
        rule,
        name,
        file,
        fileName,
        binary,
        text: readFileSync(file).toString(binary ? 'latin1' : 'utf8'),
        expected: output.messages.map((m) => ({ start: m.range[0], end: m.range[1] })),
      });
    }
  }
  return { inputs, skipped };
}

/** secretlint's findings on one of its own inputs, read the way its CLI reads files. */
export async function secretlintFile(file: string): Promise<Span[]> {
  const m = await load();
  return lint(await m.createRawSource(file));
}
