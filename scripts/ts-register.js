// Lets a child process (crash tests, `agentflow up` tests, benches) run the TypeScript sources
// directly: `node -r ./scripts/ts-register.js file.ts`. Compiles with swc (decorator metadata kept)
// and maps `@agentflow/<name>` to libs/<name>/src or services/<name>/src, as Jest does.
const { transformSync } = require('@swc/core');
const Module = require('node:module');
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolve(request, parent, ...rest) {
  const match = /^@agentflow\/([a-z0-9-]+)$/.exec(request);
  if (match) {
    for (const group of ['libs', 'services']) {
      const candidate = join(root, group, match[1], 'src', 'index.ts');
      if (existsSync(candidate)) return candidate;
    }
  }
  return originalResolve.call(this, request, parent, ...rest);
};

require.extensions['.ts'] = function compile(module, filename) {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
