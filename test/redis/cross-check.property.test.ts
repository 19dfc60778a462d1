/**
 * The Redis script against the memory store, on random sequences of admissions, forced admissions
 * and reconciliations. Redis TIME cannot be faked, so the memory store runs at a fixed instant and
 * the Redis one in real time: buckets refill at 600 ms per unit and a sequence runs in a few ms,
 * so Redis's levels are the memory store's plus less than one unit. Costs are whole units, so the
 * decisions must match exactly; waits may differ by the time elapsed (slack below).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryLimiterBackend } from '../../src/limiter/memory-store.js';
import { REFUSED } from '../../src/limiter/limiter-store.js';
import { RedisLimiterBackend } from '../../src/redis/index.js';
import { deleteKeys, newClient, redisUp, specOf, uniquePrefix } from './redis-harness.js';

const OPTIONS = { requestsPerMinute: 100, tokensPerMinute: 100, burst: { requestsPerMinute: 5, tokensPerMinute: 40 } }; // 600 ms per unit
const SLACK_MS = 200;

type Step = { kind: 'admit' | 'force'; requests: number; tokens: number } | { kind: 'adjust'; tokens: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('admit' as const), requests: fc.integer({ min: 0, max: 2 }), tokens: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('force' as const), requests: fc.integer({ min: 0, max: 2 }), tokens: fc.integer({ min: 0, max: 30 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('adjust' as const), tokens: fc.integer({ min: -30, max: 30 }) }) },
);

describe.skipIf(!redisUp)('Redis script vs memory store', () => {
  it('makes the same decisions on random sequences', async () => {
    const client = newClient();
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
          const prefix = uniquePrefix();
          const spec = specOf(OPTIONS);
          const redis = new RedisLimiterBackend(client, prefix, 'x', spec, { timeoutMs: 2000 });
          const memory = new MemoryLimiterBackend(spec);
          try {
            for (const s of steps) {
              const c = new Float64Array([s.kind === 'adjust' ? 0 : s.requests, s.tokens, 0, 0, 0, 0]);
              if (s.kind === 'adjust') {
                memory.adjust(c, 0);
                await redis.adjust(c);
                continue;
              }
              const expected = memory.tryAdmit(c, false, 0, s.kind === 'force');
              const actual = await redis.admitOne(c, false, s.kind === 'force');
              expect(actual.admitted).toBe(expected !== REFUSED);
              if (!actual.admitted) {
                expect(Math.abs(actual.waitMs - memory.refusalWaitMs)).toBeLessThan(SLACK_MS);
                const byRequests = memory.waitForCostsMs(new Float64Array([c[0]!, 0, 0, 0, 0, 0]), 0);
                const byTokens = memory.waitForCostsMs(new Float64Array([0, c[1]!, 0, 0, 0, 0]), 0);
                if (Math.abs(byRequests - byTokens) > SLACK_MS) expect(actual.dimension).toBe(memory.refusalDimension);
              }
            }
            const state = await redis.state();
            for (const d of [0, 1]) {
              expect(state.levels[d]! - memory.level(d, 0)).toBeGreaterThanOrEqual(-1e-6);
              expect(state.levels[d]! - memory.level(d, 0)).toBeLessThan(SLACK_MS / 600);
            }
          } finally {
            await deleteKeys(client, prefix);
          }
        }),
        { numRuns: 25 },
      );
    } finally {
      client.disconnect();
    }
  });
});
