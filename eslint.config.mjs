import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The run actor is a pure function (state, event) -> (state, commands) that replay tests re-run:
// no I/O, no clock, no timers, no randomness (issue 30). Time comes in on the events (`at`).
const IMPURE = 'the run actor is pure: no I/O, timers, clock or randomness (time comes in on the events)';
const runActorPurity = {
  files: ['libs/run-actor/src/**/*.ts'],
  ignores: ['**/*.spec.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: builtinModules.filter((m) => !m.startsWith('_')).map((name) => ({ name, message: IMPURE })),
        patterns: [{ group: ['node:*'], message: IMPURE }],
      },
    ],
    'no-restricted-globals': [
      'error',
      ...[
        'setTimeout',
        'setInterval',
        'setImmediate',
        'clearTimeout',
        'clearInterval',
        'clearImmediate',
        'queueMicrotask',
        'performance',
        'process',
        'fetch',
        'require',
      ].map((name) => ({ name, message: IMPURE })),
    ],
    'no-restricted-syntax': [
      'error',
      {
        selector: "MemberExpression[object.name='Date'][property.name='now']",
        message: `Date.now: ${IMPURE}`,
      },
      { selector: "MemberExpression[object.name='globalThis']", message: `globalThis: ${IMPURE}` },
      { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: `new Date(): ${IMPURE}` },
      { selector: "CallExpression[callee.name='Date']", message: `Date(): ${IMPURE}` },
      {
        selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']",
        message: `Math.random(): ${IMPURE}`,
      },
      { selector: 'ImportExpression', message: `import(): ${IMPURE}` },
    ],
  },
};

// Services talk over the bus, never by importing each other (issue 29): a test that needs two
// services together lives in test/, not in one service's folder.
const SERVICES = ['ingress', 'coordinator', 'agents', 'gateway', 'notifier'];
const serviceBoundaries = SERVICES.map((service) => ({
  files: [`services/${service}/src/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: SERVICES.filter((other) => other !== service).map((other) => ({
          regex: `^(@agentflow/${other}(/.*)?|(\\.\\./)+(services/)?${other}/src(/.*)?)$`,
          message: `services/${service} must not import services/${other}: talk over the bus, or put a test of both in test/`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', '.agentflow/**', 'k8s/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
        module: 'writable',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  runActorPurity,
  ...serviceBoundaries,
);
