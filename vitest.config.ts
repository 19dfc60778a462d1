import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // Child-process and property tests are CPU-bound; CI has two cores.
    pool: 'forks',
    // On CI, also keep a machine-readable result for .ci/summarize-tests.mjs.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'artifacts/vitest-results.json' }]] : ['default'],
  },
});
