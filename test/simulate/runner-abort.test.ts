/**
 * An interrupted run (Ctrl+C: the run's signal aborts) ends at once: calls in flight are aborted
 * and settle, alerts not yet due are never sent, every request sent is accounted for, and the
 * verdict says the run was interrupted.
 */
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src/simulate/runner.js';
import { builtInScenario } from '../../src/simulate/scenarios.js';

describe('an interrupted simulation', () => {
  it('settles every request it sent, sends no more, and says it was interrupted', async () => {
    const controller = new AbortController();
    const providers = ['openai', 'anthropic'] as const;
    const started = performance.now();
    let abortedAt = 0;
    const result = await runSimulation(
      { seed: 3, alertsPerDay: 300_000, durationMs: 20_000, speed: 10, scenario: builtInScenario('slow', providers), providers: [...providers], signal: controller.signal },
      {
        progressIntervalMs: 100,
        onProgress: (p) => {
          if (abortedAt === 0 && p.counts.dispatched >= 40) {
            abortedAt = performance.now();
            controller.abort(new Error('interrupted'));
          }
        },
      },
    );
    expect(abortedAt).toBeGreaterThan(0);
    // Ended within a few seconds of the abort, not after the 20 s run and its drain.
    expect(performance.now() - abortedAt).toBeLessThan(5_000);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(result.outcome.requests).toBeGreaterThanOrEqual(40);
    expect(result.outcome.notSent).toBe(result.workload.alerts - result.outcome.requests);
    expect(result.outcome.notSent).toBeGreaterThan(0);
    expect(result.outcome.unaccounted).toBe(0);
    expect(result.outcome.succeeded + result.outcome.failed).toBe(result.outcome.requests);
    expect(result.verdict.status).toBe('fail');
    expect(result.verdict.line).toMatch(/^FAIL: interrupted: \d+ of the run's alerts were never sent/);
  }, 60_000);
});
