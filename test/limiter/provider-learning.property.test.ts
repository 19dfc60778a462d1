/**
 * The learned and raised view never admits what the provider refuses (fast-check), against an
 * independent model of the provider's bucket: requests reach it up to `providerDelayMs` after our
 * admission, it charges them by its own rule (the sum, max(input, max_tokens) or input only,
 * on its own input count, at most our estimate), and its `remaining` figure comes back on each
 * response, taken either when it admitted the request or when the response left; each call is
 * reconciled with the provider's input count, below our estimate (refunds). Our client
 * starts from the conservative sum, told the limit or told nothing (careful until the first
 * response); its view of the bucket moves up and down with the figures and its charge rule is
 * learned from them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { type ChargeRule, chargeOf } from '../../src/limiter/charge-learner.js';
import { RateLimiter } from '../../src/limiter/rate-limiter.js';

const TPM = 6000;
const PER_MS = TPM / 60_000;
const DELAY_MS = 80;
/** Timers a run may fire: its requests set three each, the limiter a few per admission. */
const MAX_TIMERS = 50_000;

interface Request {
  at: number;
  input: number;
  maxOutput: number;
  /** The provider's own input count, as a share of our estimate. */
  providerShare: number;
  delay: number;
  latency: number;
}

/** The provider: a bucket of TPM tokens refilled continuously, charging by its own rule. */
class ProviderBucket {
  level = TPM;
  private last = 0;
  refused = 0;
  admitted = 0;

  constructor(private readonly rule: ChargeRule) {}

  /** Charges a request arriving now; returns the remaining figure (floored, as headers are), or undefined when refused. */
  arrive(now: number, input: number, maxOutput: number): number | undefined {
    this.refill(now);
    const cost = chargeOf(this.rule, input, maxOutput);
    if (this.level + 1e-6 < cost) {
      this.refused++;
      return undefined;
    }
    this.level -= cost;
    this.admitted++;
    return Math.floor(this.level);
  }

  remainingAt(now: number): number {
    this.refill(now);
    return Math.floor(this.level);
  }

  private refill(now: number): void {
    this.level = Math.min(TPM, this.level + (now - this.last) * PER_MS);
    this.last = now;
  }
}

async function simulate(requests: Request[], rule: ChargeRule, told: boolean, figureTaken: 'at-admission' | 'at-response') {
  const clock = new ManualClock();
  // The charge rule is learned from figures taken at the provider's admission (charge-learner.ts):
  // against figures taken as the response leaves, a window's edges can make a cheaper rule look
  // right, so it is off there (a known limit: such a provider's first 429 would send it back to the sum).
  const learnChargeRule = figureTaken === 'at-admission';
  const limiter = new RateLimiter(
    told
      ? { tokensPerMinute: TPM, providerDelayMs: DELAY_MS, clock, maxWaitMs: Infinity, maxQueue: Infinity, learnChargeRule }
      : { initialConcurrency: 1, providerDelayMs: DELAY_MS, clock, maxWaitMs: Infinity, maxQueue: Infinity, learnChargeRule },
  );
  const provider = new ProviderBucket(rule);
  let settled = 0;
  for (const r of requests) {
    clock.setTimer(() => {
      const rule = limiter.chargeRule;
      const charge = chargeOf(rule, r.input, r.maxOutput);
      const providerInput = Math.floor(r.input * r.providerShare);
      void limiter.acquire({ tokens: charge, inputTokens: r.input, outputTokens: r.maxOutput }).then((lease) => {
        clock.setTimer(() => {
          const atAdmission = provider.arrive(clock.now(), providerInput, r.maxOutput);
          clock.setTimer(() => {
            if (atAdmission !== undefined) {
              const remaining = figureTaken === 'at-admission' ? atAdmission : provider.remainingAt(clock.now());
              limiter.applyProviderState({ limitTokens: TPM, remainingTokens: remaining }, lease);
            } else {
              limiter.applyProviderState({ limitTokens: TPM, retryAfterMs: 1000 }, lease);
            }
            // Reconciled as the client does: the reported input replaces our estimate (a refund).
            lease.release({ tokens: chargeOf(rule, providerInput, r.maxOutput), inputTokens: providerInput, outputTokens: r.maxOutput });
            settled++;
          }, r.latency);
        }, r.delay);
      }, () => undefined);
    }, r.at);
  }
  // Bounded: at most 20 000 steps of a quarter second (about 83 minutes of the manual clock), and
  // a timer that keeps re-arming itself is a failure with its counterexample, not a test timeout.
  for (let i = 0; i < 20_000 && clock.pendingTimers > 0; i++) {
    await clock.advanceAsync(250);
    if (clock.firedTimers > MAX_TIMERS) throw new Error(`runaway: ${clock.firedTimers} timers fired by ${clock.now()} ms, ${settled} of ${requests.length} settled`);
  }
  return { provider, limiter, settled };
}

const requestArbitrary = fc.record({
  at: fc.integer({ min: 0, max: 15_000 }),
  input: fc.integer({ min: 10, max: 400 }),
  maxOutput: fc.integer({ min: 1, max: 600 }),
  providerShare: fc.double({ min: 0.8, max: 1, noNaN: true }),
  delay: fc.double({ min: 0, max: DELAY_MS, noNaN: true }),
  latency: fc.integer({ min: 0, max: 4000 }),
});

describe('learning from the provider never runs ahead of it', () => {
  const property = (figureTaken: 'at-admission' | 'at-response', maxRefusals: number) =>
    fc.assert(
      fc.asyncProperty(
        fc.array(requestArbitrary, { minLength: 40, maxLength: 160 }),
        fc.constantFrom<ChargeRule>('input+max_tokens', 'max(input,max_tokens)', 'input'),
        fc.boolean(),
        async (requests, rule, told) => {
          const { provider, limiter, settled } = await simulate(requests, rule, told, figureTaken);
          expect(settled).toBe(requests.length);
          expect(provider.refused).toBeLessThanOrEqual(maxRefusals);
          // Told nothing, the limit comes from the first response's headers.
          expect(limiter.stats().maxTokensPerMinute).toBe(TPM);
          limiter.close();
        },
      ),
      // PROPERTY_RUNS (and PROPERTY_TIMEOUT, ms) for a deeper search than CI's; PROPERTY_SEED replays a reported seed.
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 150), ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}) },
    );

  it('figures taken when the provider admits the request (OpenAI, the mock): whatever it charges, told its limit or not, zero refusals', async () => {
    await property('at-admission', 0);
  }, Number(process.env.PROPERTY_TIMEOUT ?? 120_000));

  // Once pinned at one refusal: a view above both readings fell to the higher one, which after a
  // long call adds refill a fresh figure does not owe. It now falls to the lower one
  // (provider-following.test.ts pins the case). Then one refusal in 1 500 runs (seed 543845755):
  // the request that taught a limit was refunded on top of a full bucket's figure (pinned there too).
  it('figures taken as the response leaves: zero refusals', async () => {
    await property('at-response', 0);
  }, Number(process.env.PROPERTY_TIMEOUT ?? 120_000));

  it('a busy stream against a provider charging less than the sum: the rule is learned, and never one cheaper than the provider uses', async () => {
    const learned: Record<string, string> = {};
    for (const rule of ['input+max_tokens', 'max(input,max_tokens)', 'input'] as const) {
      // 400 requests arriving faster than the bucket refills: the figures run low and tell.
      const requests: Request[] = Array.from({ length: 400 }, (_, i) => ({
        at: i * 500,
        input: 120 + ((i * 37) % 60),
        maxOutput: 300,
        providerShare: 0.9,
        delay: (i * 13) % DELAY_MS,
        latency: 500 + ((i * 71) % 1500),
      }));
      const { provider, limiter, settled } = await simulate(requests, rule, true, 'at-admission');
      expect(settled).toBe(requests.length);
      expect(provider.refused).toBe(0);
      learned[rule] = limiter.chargeRule;
      limiter.close();
    }
    expect(learned).toEqual({ 'input+max_tokens': 'input+max_tokens', 'max(input,max_tokens)': 'max(input,max_tokens)', input: 'input' });
  }, 60_000);
});
