/**
 * `simulate --redis`: three worker processes, one Redis, one set of mock providers. The fleet
 * sends far more than openai's 30 000 TPM allows (about 210 000 a minute): with the limits shared
 * in Redis the provider refuses nothing for its limits, every alert is accounted for, and the
 * overflow goes to the fallbacks. Real HTTP, real Redis, real processes.
 */
import { describe, expect, it } from 'vitest';
import { runSimulateCommand } from '../../src/cli/simulate-command.js';
import type { SimulationResult } from '../../src/simulate/result.js';
import { redisUp } from '../redis/redis-harness.js';

describe.skipIf(!redisUp)('simulate --redis (3 processes)', () => {
  it('shares the providers\' limits across the processes: 0 429s from limits, 0 violations, all accounted for', async () => {
    let stdout = '';
    let stderr = '';
    const code = await runSimulateCommand(['--redis', '--workers', '3', '--rate', '300', '--duration', '12', '--providers', 'openai,anthropic,xai', '--scenario', 'steady', '--json'], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      interactive: false,
    });
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as SimulationResult;
    expect(result.workers).toBe(3);
    expect(result.speed).toBe(1);
    expect(result.outcome.unaccounted).toBe(0);
    expect(result.outcome.succeeded + result.outcome.failed).toBe(result.outcome.requests);
    expect(result.totals.limitViolations).toBe(0);
    expect(result.totals.provider429s).toBe(0);
    // openai's TPM was the binding limit and the fleet used most of what it allowed, never more
    // (three processes each with its own 30 000 TPM would have sent up to three times that).
    const openai = result.perProvider.openai!;
    expect(openai.busiestLimit?.limit, JSON.stringify(openai)).toBe('TPM');
    console.info(`fleet: openai used ${Math.round(openai.busiestLimit!.share * 100)} % of its TPM allowance, ${result.totals.provider429s} 429s`);
    expect(openai.busiestLimit!.share).toBeGreaterThan(0.6);
    expect(openai.busiestLimit!.share).toBeLessThanOrEqual(1);
    // Each process served its share.
    expect(stderr).toContain('3 processes sharing redis://127.0.0.1:6379');
  }, 120_000);

  it('refuses a compressed clock, which Redis does not share', async () => {
    let stderr = '';
    const code = await runSimulateCommand(['--redis', '--speed', '10'], { stdout: () => {}, stderr: (t) => (stderr += t), interactive: false });
    expect(code).toBe(2);
    expect(stderr).toMatch(/--speed.*10.*1 with --redis/);
  });
});
