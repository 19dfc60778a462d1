import { describe, expect, it } from 'vitest';
import { runFixture } from '../run-fixture.js';

describe('No leaked timers or handles', () => {
  it('a process that used the engine and went idle exits by itself', async () => {
    const result = await runFixture('./fixtures/engine-then-idle.ts', { timeoutMs: 20_000 });
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull(); // not killed by the test's guard
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as { settled: number; stats: { requests: number; succeeded: number; failed: number } };
    expect(output.settled).toBe(20);
    expect(output.stats.succeeded + output.stats.failed).toBe(output.stats.requests);
  }, 30_000);
});
