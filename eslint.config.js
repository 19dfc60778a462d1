import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Use the injected Clock.' },
      ],
    },
  },
  {
    // The engine must run on edge runtimes: no Node-only modules below src/{core,limiter,breaker,retry,policy}.
    files: ['src/core/**', 'src/limiter/**', 'src/breaker/**', 'src/retry/**', 'src/policy/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'net', 'events', 'timers'], message: 'The core engine has no Node-only imports.' }] }],
      'no-restricted-globals': ['error', { name: 'process', message: 'The core engine has no Node-only globals.' }, { name: 'Buffer', message: 'The core engine has no Node-only globals.' }],
    },
  },
  {
    // The dashboard is exposed by the engine (Resilience.dashboardHandler): only `import type` from node:http, no Node globals.
    files: ['src/dashboard/**', 'src/http/respond.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'path', 'os', 'child_process', 'http', 'net', 'events', 'timers'].map((name) => ({ name, allowTypeImports: true, message: 'The dashboard has no Node-only runtime imports.' })),
          patterns: [{ group: ['node:*'], allowTypeImports: true, message: 'The dashboard has no Node-only runtime imports.' }],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'The dashboard has no Node-only globals.' }, { name: 'Buffer', message: 'The dashboard has no Node-only globals.' }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: { 'no-restricted-syntax': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
