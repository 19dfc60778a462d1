import { defineConfig } from 'vitest/config';

/**
 * Files that must not share CI's two cores with others: fleets of processes (or a private Redis
 * they freeze) load both cores for seconds at a time, and real-time and compressed-time runs are
 * built around a provider delay that stalls beside them exceed (a compressed-time learning run
 * drew 429s next to the rest of the suite, none alone). They run after the rest, one at a time.
 */
const ALONE = [
  'test/integration/learning.test.ts',
  'test/integration/steady-load.test.ts',
  'test/redis/fleet.test.ts',
  'test/redis/outage.test.ts',
  'test/redis/provider-follow.test.ts',
  'test/simulate/fleet.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    // Child-process and property tests are CPU-bound; CI has two cores.
    pool: 'forks',
    // On CI, also keep a machine-readable result for .ci/summarize-tests.mjs.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'artifacts/vitest-results.json' }]] : ['default'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ALONE, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'alone', include: ALONE, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
