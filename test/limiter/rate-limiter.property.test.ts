/**
 * Invariants under random traffic: the conformance bound on every dimension over every interval,
 * the concurrency cap, every request settling exactly once, and nothing held once all is released.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { RateLimiter } from '../../src/limiter/rate-limiter.js';
import type { Lease } from '../../src/limiter/lease.js';

const LIMITS = { requestsPerMinute: 30, tokensPerMinute: 3000, inputTokensPerMinute: 2000, outputTokensPerMinute: 1500 };
const BURSTS = { requestsPerMinute: 5, tokensPerMinute: 3000, inputTokensPerMinute: 800, outputTokensPerMinute: 1500 };
const MAX_CONCURRENT = 4;
const EPSILON = 1e-6;

type Op =
  | { kind: 'acquire'; input: number; output: number; priority: 'high' | 'normal' | 'low'; maxWaitMs: number; abortAfterMs: number | null }
  | { kind: 'release'; pick: number; reconcile: boolean; inputUsed: number; outputUsed: number }
  | { kind: 'advance'; ms: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({
    kind: fc.constant('acquire' as const),
    input: fc.integer({ min: 0, max: 700 }),
    output: fc.integer({ min: 0, max: 700 }),
    priority: fc.constantFrom('high' as const, 'normal' as const, 'low' as const),
    maxWaitMs: fc.constantFrom(0, 300, 4000, 60_000),
    abortAfterMs: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null, freq: 4 }),
  }) },
  { weight: 2, arbitrary: fc.record({
    kind: fc.constant('release' as const),
    pick: fc.nat(),
    reconcile: fc.boolean(),
    inputUsed: fc.integer({ min: 0, max: 900 }),
    outputUsed: fc.integer({ min: 0, max: 900 }),
  }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 1500 }) }) },
);

interface Flow {
  at: number;
  /** Units per dimension: positive for admissions and debits, negative for refunds. */
  units: Record<keyof typeof LIMITS, number>;
  admission: boolean;
}

async function runScenario(ops: Op[], withReconcile: boolean) {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ ...LIMITS, burst: BURSTS, maxConcurrent: MAX_CONCURRENT, maxQueue: 50, clock });
  const held: { lease: Lease; input: number; output: number }[] = [];
  const flows: Flow[] = [];
  let settledCount = 0;
  let started = 0;
  const settledTwice: number[] = [];
  let maxInFlight = 0;

  for (const op of ops) {
    if (op.kind === 'acquire') {
      const controller = new AbortController();
      const id = started++;
      let settled = false;
      const markSettled = () => {
        if (settled) settledTwice.push(id);
        settled = true;
        settledCount++;
      };
      limiter.acquire({ inputTokens: op.input, outputTokens: op.output, priority: op.priority, maxWaitMs: op.maxWaitMs, signal: controller.signal }).then(
        (lease) => {
          markSettled();
          held.push({ lease, input: op.input, output: op.output });
          maxInFlight = Math.max(maxInFlight, held.length);
          flows.push({ at: clock.now(), admission: true, units: { requestsPerMinute: 1, tokensPerMinute: op.input + op.output, inputTokensPerMinute: op.input, outputTokensPerMinute: op.output } });
        },
        markSettled,
      );
      if (op.abortAfterMs !== null) clock.setTimer(() => controller.abort(), op.abortAfterMs);
      await clock.advanceAsync(0);
    } else if (op.kind === 'release') {
      if (held.length === 0) continue;
      const [entry] = held.splice(op.pick % held.length, 1);
      if (withReconcile && op.reconcile) {
        entry!.lease.release({ inputTokens: op.inputUsed, outputTokens: op.outputUsed });
        const dIn = op.inputUsed - entry!.input;
        const dOut = op.outputUsed - entry!.output;
        flows.push({ at: clock.now(), admission: false, units: { requestsPerMinute: 0, tokensPerMinute: dIn + dOut, inputTokensPerMinute: dIn, outputTokensPerMinute: dOut } });
      } else {
        entry!.lease.release();
      }
      await clock.advanceAsync(0);
    } else {
      await clock.advanceAsync(op.ms);
    }
  }
  // Drain: release everything as it comes, until every request has settled.
  for (let i = 0; i < 200 && settledCount < started; i++) {
    while (held.length) held.pop()!.lease.release();
    await clock.advanceAsync(1000);
  }
  while (held.length) held.pop()!.lease.release();
  await clock.advanceAsync(5000); // lets the test's own abort timers fire
  return { limiter, clock, flows, settledCount, started, settledTwice, maxInFlight };
}

function checkBound(flows: Flow[], onlyWindowsEndingAtAdmission: boolean) {
  for (const dimension of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) {
    const rate = LIMITS[dimension] / 60_000;
    const burst = BURSTS[dimension];
    for (let i = 0; i < flows.length; i++) {
      let sum = 0;
      for (let j = i; j < flows.length; j++) {
        sum += flows[j]!.units[dimension];
        if (onlyWindowsEndingAtAdmission && !flows[j]!.admission) continue;
        const bound = burst + rate * (flows[j]!.at - flows[i]!.at);
        if (sum > bound + EPSILON) {
          throw new Error(`${dimension}: ${sum} units in [${flows[i]!.at}, ${flows[j]!.at}] > bound ${bound}`);
        }
      }
    }
  }
}

describe('RateLimiter properties (fast-check)', () => {
  it('admitted cost <= burst + rate x T on every dimension and interval; concurrency <= cap; every request settles exactly once; nothing held after', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArbitrary, { minLength: 10, maxLength: 120, size: 'max' }), async (ops) => {
        const r = await runScenario(ops, false);
        checkBound(r.flows, false);
        expect(r.maxInFlight).toBeLessThanOrEqual(MAX_CONCURRENT);
        expect(r.settledTwice).toEqual([]);
        expect(r.settledCount).toBe(r.started);
        expect(r.limiter.stats()).toMatchObject({ concurrentRequests: 0, queued: 0 });
        expect(r.clock.pendingTimers).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it('with reconciliation (refunds and debits), the net flow keeps the bound at every admission', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArbitrary, { minLength: 10, maxLength: 120, size: 'max' }), async (ops) => {
        const r = await runScenario(ops, true);
        checkBound(r.flows, true);
        expect(r.maxInFlight).toBeLessThanOrEqual(MAX_CONCURRENT);
        expect(r.settledCount).toBe(r.started);
        expect(r.limiter.stats()).toMatchObject({ concurrentRequests: 0, queued: 0 });
      }),
      { numRuns: 150 },
    );
  });
});
