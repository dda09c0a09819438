// One worker: the machines have 2 cores and the integration suites share one NATS and one PostgreSQL.
const { readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');

// Tests run on the TypeScript sources of the workspaces, not on their dist/ builds.
const moduleNameMapper = {};
for (const group of ['libs', 'services']) {
  for (const name of readdirSync(join(__dirname, group))) {
    if (existsSync(join(__dirname, group, name, 'src', 'index.ts'))) {
      moduleNameMapper[`^@agentflow/${name}$`] = `<rootDir>/${group}/${name}/src/index.ts`;
    }
  }
}

// ESM-only packages that Jest must transform (toolchain pitfall 1); extend when a new one appears.
const esmOnly = [
  '@nestjs',
  '@octokit',
  'universal-user-agent',
  'universal-github-app-jwt',
  'before-after-hook',
  'content-type',
  'fast-content-type-parse',
  'file-type',
  'load-esm',
  'uid',
  '@standard-schema',
  'strtok3',
  'token-types',
  'peek-readable',
  '@tokenizer',
  'uint8array-extras',
  '@borewit',
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/libs', '<rootDir>/services', '<rootDir>/cli', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper,
  setupFiles: ['<rootDir>/scripts/jest.setup.js'],
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
  maxWorkers: 1,
  testTimeout: 30000,
};
