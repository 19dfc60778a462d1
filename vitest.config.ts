import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // Property tests and child-process tests are CPU-bound; two cores on CI.
    pool: 'forks',
    reporters: ['default'],
  },
});
