/**
 * Learning the provider (issue 11): against the mock over real HTTP, in compressed time, the
 * client reaches zero 429s at full goodput when it is told nothing, told too much, or told the
 * limits but not how the provider charges. Goodput is the time the limits allow for what the
 * provider charged, over the time the run took (1 = every bit of the allowance used).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeSteadyRun, record, RPM, runSteady as run, TPM } from './steady-harness.js';

afterEach(closeSteadyRun);

// These bounds guard against regressions; the targets (goodput >= 0.97) are measured in real
// time by `npm run bench -- accuracy`. Here, compressed time stretches the delay allowance to 8 s
// of provider time (400 ms of real stall x 20, see steady-harness.ts; 3.2 s for the input-only run,
// whose charge rule is learned from windows spaced by the delay): the corrections' uncertainty (what may still be
// travelling) is up to twice the rate times that delay, a pessimism that costs a few seconds at the
// end of a seven-minute run, and the suite's other files, in parallel on two cores, stall this
// process (alone: 0.96-0.98 told nothing, 0.99 max-of, 0.98 input only, 0.94-0.98 too high; in the full
// suite down to 0.90-0.95). The bounds still fail what came before: 1 810 failures told nothing,
// 0.75 max-of, about 0.3 input only, 0.81 too high.
describe('learning the provider: zero 429s at full goodput', () => {
  // The issue allows 1 % of 429s for the learned case's first seconds. The few 429s this run drew
  // (0 to 21 of 1 200) came from requests reaching the mock later than the provider delay after
  // their admission (a saturated event loop, twenty times longer in compressed time), not from the
  // learning: with the delay covering 400 ms of real stall, none.
  it('told nothing: limits learned from the first response, 429s at most 1 %, goodput >= 0.9', async () => {
    const requests = 1200;
    const { ledger, failed, goodput, stats } = await run({ requests, accounting: 'openai', told: 'nothing' });
    record('learning-not-told', { goodput, rejected: ledger.rejectedTotal, violations: ledger.violations, limits: stats.limitSources });
    expect(failed).toBe(0);
    expect(ledger.rejectedTotal).toBeLessThanOrEqual(requests * 0.01);
    expect(ledger.violations).toBe(0);
    expect(stats.maxRequestsPerMinute).toBe(RPM);
    expect(stats.maxTokensPerMinute).toBe(TPM);
    expect(stats.limitSources).toEqual({ requestsPerMinute: 'provider', tokensPerMinute: 'provider' });
    expect(stats.chargeRule).toBe('input+max_tokens');
    expect(goodput).toBeGreaterThanOrEqual(0.9);
  }, 120_000);

  it('a provider charging max(input, max_tokens): the rule is learned, no 429, goodput >= 0.9 (0.75 when we kept reserving the sum)', async () => {
    const { ledger, failed, goodput, stats } = await run({ requests: 1200, accounting: 'openai-max', told: 1, maxTokens: 400 });
    record('learning-charge-max', { goodput, rejected: ledger.rejectedTotal, violations: ledger.violations, chargeRule: stats.chargeRule });
    expect(failed).toBe(0);
    expect(ledger.rejectedTotal).toBe(0);
    expect(ledger.violations).toBe(0);
    expect(stats.chargeRule).toBe('max(input,max_tokens)');
    expect(goodput).toBeGreaterThanOrEqual(0.9);
  }, 120_000);

  it('a provider charging input only: the rule is learned, no 429, goodput >= 0.85 (0.3 when we kept reserving the sum)', async () => {
    const { ledger, failed, goodput, stats } = await run({ requests: 4000, accounting: 'gemini', told: 1, maxTokens: 400, stallMs: 160 });
    record('learning-charge-input', { goodput, rejected: ledger.rejectedTotal, violations: ledger.violations, chargeRule: stats.chargeRule });
    expect(failed).toBe(0);
    expect(ledger.rejectedTotal).toBe(0);
    expect(ledger.violations).toBe(0);
    expect(stats.chargeRule).toBe('input');
    expect(goodput).toBeGreaterThanOrEqual(0.85);
  }, 120_000);

  it('limits told 50 % too high: lowered by the headers, no 429, goodput >= 0.88', async () => {
    const { ledger, failed, goodput, stats } = await run({ requests: 1200, accounting: 'openai', told: 1.5 });
    record('learning-told-too-high', { goodput, rejected: ledger.rejectedTotal, violations: ledger.violations });
    expect(failed).toBe(0);
    expect(ledger.rejectedTotal).toBe(0);
    expect(ledger.violations).toBe(0);
    expect(stats.maxTokensPerMinute).toBe(TPM);
    expect(stats.limitSources.tokensPerMinute).toBe('configured');
    expect(goodput).toBeGreaterThanOrEqual(0.88);
  }, 120_000);
});
