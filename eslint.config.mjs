// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Workflows run in Temporal's deterministic sandbox and sop/ is pure policy code: neither may touch
// I/O, a framework or Node builtins (CONVENTIONS.md "Workflows"; samples-typescript hello-world).
const nodeBuiltins = [
  'assert',
  'async_hooks',
  'buffer',
  'child_process',
  'cluster',
  'console',
  'crypto',
  'dgram',
  'diagnostics_channel',
  'dns',
  'domain',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'inspector',
  'module',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'punycode',
  'querystring',
  'readline',
  'repl',
  'stream',
  'string_decoder',
  'timers',
  'tls',
  'trace_events',
  'tty',
  'url',
  'util',
  'v8',
  'vm',
  'wasi',
  'worker_threads',
  'zlib',
];
const deterministicImports = {
  paths: [
    ...nodeBuiltins.map((name) => ({
      name,
      message: 'Node builtins are banned in workflows/ and sop/: move I/O into activities/.',
    })),
    { name: 'pg', message: 'Database access belongs in activities/, not in workflows/ or sop/.' },
    {
      name: 'typeorm',
      message: 'Database access belongs in activities/, not in workflows/ or sop/.',
    },
    { name: 'nodemailer', message: 'Email is sent by activities/, not by workflows/ or sop/.' },
    { name: 'reflect-metadata', message: 'Framework code is banned in workflows/ and sop/.' },
  ],
  patterns: [
    {
      group: ['node:*'],
      message: 'Node builtins are banned in workflows/ and sop/: move I/O into activities/.',
    },
    { group: ['@nestjs/*'], message: 'NestJS belongs in api/, not in workflows/ or sop/.' },
    {
      group: ['pg/*', 'typeorm/*', 'nodemailer/*'],
      message: 'I/O libraries are banned in workflows/ and sop/.',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'var/**',
      'node_modules/**',
      'coverage/**',
      'test/lint-fixtures/**',
      '*.config.js',
      'eslint.config.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The fixture path lets test/lint/restricted-imports.spec.ts prove the ban fires.
    files: ['workflows/**/*.ts', 'sop/**/*.ts', 'test/lint-fixtures/workflows/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': ['error', deterministicImports] },
  },
  {
    // sop/ is the SOP as pure data and arithmetic: luxon, date-holidays, zod and its own files only
    // (and sop/holidays.ts, the one user of date-holidays, is never imported by a workflow).
    files: ['sop/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...deterministicImports,
          patterns: [
            ...deterministicImports.patterns,
            {
              regex: '^(?!(luxon|date-holidays|zod)$)(?!\\./)',
              message: 'sop/ imports only luxon, date-holidays, zod and its own files.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...deterministicImports,
          paths: [
            ...deterministicImports.paths,
            {
              name: 'date-holidays',
              message: 'Resolve the calendar before the workflow and pass it in as data.',
            },
          ],
          patterns: [
            ...deterministicImports.patterns,
            {
              group: ['**/sop/holidays'],
              message: 'Resolve the calendar before the workflow and pass it in as data.',
            },
          ],
        },
      ],
    },
  },
  prettier,
  {
    // Plain Node scripts (the test OIDC provider): linted without type information.
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      parserOptions: { projectService: false, program: null },
      globals: { process: 'readonly' },
    },
  },
);
