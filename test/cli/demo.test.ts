import { describe, expect, it } from 'vitest';
import { runFixture } from '../run-fixture.js';

describe('llm-resilience demo (the main job until the simulation lands)', () => {
  it('runs against the stand-in providers with no 429 but the injected one, and accounts for every request', async () => {
    const result = await runFixture('../src/cli/main.ts', { timeoutMs: 60_000, args: ['demo', '--json'] });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as {
      requests: number;
      succeeded: number;
      failed: number;
      provider429s: number;
      breakerTransitions: string[];
      pausedCallersHeld: number;
      waitMsByPriority: { high: number; normal: number; low: number };
      health: { status: string };
    };
    expect(output.requests).toBe(111);
    expect(output.succeeded + output.failed).toBe(output.requests);
    expect(output.provider429s).toBe(1);
    expect(output.breakerTransitions).toContain('closed->open');
    expect(output.breakerTransitions.at(-1)).toBe('half_open->closed');
    expect(output.pausedCallersHeld).toBe(10);
    expect(output.waitMsByPriority.high).toBeLessThan(output.waitMsByPriority.normal);
    expect(output.waitMsByPriority.normal).toBeLessThan(output.waitMsByPriority.low);
    expect(output.health.status).toBe('healthy');
  }, 70_000);
});
