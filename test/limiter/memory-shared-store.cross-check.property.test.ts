/**
 * MemorySharedStore against the Redis admission script, on random sequences of batches (forced
 * requests, slots, reservations), settles, renewals, follows, pauses and hellos. Both run in real
 * time (the memory store on the system clock, Redis on TIME), a few ms per sequence, on buckets
 * that refill at 600 ms per unit: costs are whole units and the maxWaits sit halfway between whole
 * units' waits, so the decisions must match exactly; times and levels differ by the time between
 * the two calls (slack below). Provider delay 0: a figure only lowers (the figures read against the
 * transit ring, which need time to pass, are covered in memory-shared-store.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { resolveLimiterOptions } from '../../src/limiter/limiter-options.js';
import { MemorySharedStore } from '../../src/limiter/memory-shared-store.js';
import type { SharedAdmitReply, SharedLimiterBackend } from '../../src/limiter/shared-store.js';
import { RedisLimiterBackend } from '../../src/redis/index.js';
import { deleteKeys, newClient, redisUp, uniquePrefix } from '../redis/redis-harness.js';

const OPTIONS = { requestsPerMinute: 100, tokensPerMinute: 100, burst: { requestsPerMinute: 5, tokensPerMinute: 40 }, maxConcurrent: 2 }; // 600 ms per unit
const LEASE_TTL_MS = 30_000;
const SLACK_MS = 100;

type Request = { requests: number; tokens: number; slot: boolean; force: boolean; maxWaitMs: number };
type Op =
  | { kind: 'admit'; requests: Request[]; baseLeadMs: number | undefined; countLive: boolean }
  | { kind: 'settle'; lease: number; tokens: number }
  | { kind: 'renew'; lease: number }
  | { kind: 'follow'; pauseMs: number | undefined; index: number; remaining: number; exact: boolean; leadMs: number | undefined }
  | { kind: 'clearPause' }
  | { kind: 'hello'; process: string };

const request: fc.Arbitrary<Request> = fc.record({
  requests: fc.integer({ min: 0, max: 2 }),
  tokens: fc.integer({ min: 0, max: 30 }),
  slot: fc.boolean(),
  force: fc.integer({ min: 0, max: 6 }).map((n) => n === 0),
  maxWaitMs: fc.constantFrom(0, 300, 900, 2_100, Infinity),
});

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('admit' as const),
      requests: fc.array(request, { minLength: 1, maxLength: 4 }),
      baseLeadMs: fc.option(fc.constantFrom(0, 50, 300, 1_500), { nil: undefined }),
      // The live processes are counted only when asked (the limiter asks once a second).
      countLive: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('settle' as const), lease: fc.integer({ min: -1, max: 6 }), tokens: fc.integer({ min: -30, max: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('renew' as const), lease: fc.integer({ min: 0, max: 6 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('follow' as const),
      pauseMs: fc.option(fc.constantFrom(0, 400, 2_000), { nil: undefined }),
      // A learned lead of the caller (provider-lead.ts); undefined: the spec's.
      leadMs: fc.option(fc.constantFrom(0, 50, 300, 1_500), { nil: undefined }),
      index: fc.constantFrom(0, 1),
      // Mostly near the levels (up to 5 requests, 40 tokens), where the +-1 unit rule decides.
      remaining: fc.oneof(fc.integer({ min: -2, max: 6 }), fc.integer({ min: -3, max: 40 })),
      exact: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'clearPause' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hello' as const), process: fc.constantFrom('p1', 'p2') }) },
);

/** One store under test and the leases it granted, in grant order. */
interface Side {
  readonly backend: SharedLimiterBackend;
  readonly leases: (string | null)[];
}

async function apply(side: Side, o: Op): Promise<unknown> {
  const { backend, leases } = side;
  switch (o.kind) {
    case 'admit': {
      const reply = await backend.admit(
        o.requests.map((r) => ({ costs: [r.requests, r.tokens, 0, 0, 0, 0], slot: r.slot, force: r.force, maxWaitMs: r.maxWaitMs })),
        o.baseLeadMs,
        o.countLive,
      );
      for (const grant of reply.admitted) leases.push(grant.leaseId);
      return reply;
    }
    case 'settle':
      return backend.settle(o.lease < 0 ? null : (leases[o.lease] ?? null), [0, o.tokens, 0, 0, 0, 0]);
    case 'renew': {
      const id = leases[o.lease];
      return id ? backend.renew([id]) : 0;
    }
    case 'follow':
      return backend.follow(o.pauseMs, [{ index: o.index, remaining: o.remaining, exact: o.exact, ownCost: 0 }], o.leadMs);
    case 'clearPause':
      return backend.clearPause();
    case 'hello':
      return backend.hello(o.process, 60_000);
  }
}

/** `levels`: the memory store's levels just before the batch (to tell a tie between the two rates). */
function expectSameAdmission(memory: SharedAdmitReply, redis: SharedAdmitReply, batch: readonly Request[], levels: readonly number[]): void {
  expect(memory.admitted.map((g) => g.leaseId === null)).toEqual(redis.admitted.map((g) => g.leaseId === null));
  memory.admitted.forEach((g, i) => expect(Math.abs(g.delayMs - redis.admitted[i]!.delayMs)).toBeLessThan(SLACK_MS));
  expect(memory.refused).toBe(redis.refused);
  if (memory.dimension !== redis.dimension && [0, 1].includes(memory.dimension) && [0, 1].includes(redis.dimension)) {
    // The request refused (or delayed: the last admitted) would wait as long on both rates, to
    // rounding: either may name itself, in Redis as in memory.
    const held = memory.refused ? memory.admitted.length : memory.admitted.length - 1;
    const before = batch.slice(0, held);
    const request = batch[held]!;
    const left = [levels[0]! - before.reduce((sum, r) => sum + r.requests, 0), levels[1]! - before.reduce((sum, r) => sum + r.tokens, 0)];
    expect(Math.abs((request.requests - left[0]!) * 600 - (request.tokens - left[1]!) * 600)).toBeLessThan(SLACK_MS);
  } else {
    expect(memory.dimension).toBe(redis.dimension);
  }
  expect(Math.abs(memory.waitMs - redis.waitMs)).toBeLessThan(SLACK_MS);
  expect(memory.liveProcesses).toBe(redis.liveProcesses);
  expect(memory.charged).toEqual(redis.charged);
  expect(memory.base).toEqual(redis.base);
}

describe.skipIf(!redisUp)('MemorySharedStore vs the Redis admission script', () => {
  it('gives the same answers on random sequences', async () => {
    const client = newClient();
    const spec = resolveLimiterOptions(OPTIONS).spec;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40, size: 'max' }), async (ops) => {
          const prefix = uniquePrefix();
          const redis: Side = { backend: new RedisLimiterBackend(client, prefix, 'x', spec, { timeoutMs: 2000, leaseTtlMs: LEASE_TTL_MS }), leases: [] };
          const memory: Side = { backend: new MemorySharedStore({ clock: systemClock, leaseTtlMs: LEASE_TTL_MS }).openShared('x', spec), leases: [] };
          try {
            for (const o of ops) {
              const levels = o.kind === 'admit' ? (await memory.backend.state()).levels : [];
              const fromMemory = await apply(memory, o);
              const fromRedis = await apply(redis, o);
              if (o.kind === 'admit') {
                expectSameAdmission(fromMemory as SharedAdmitReply, fromRedis as SharedAdmitReply, o.requests, levels);
                expect((fromRedis as SharedAdmitReply).liveProcesses === undefined).toBe(!o.countLive);
              }
              else expect(fromMemory).toEqual(fromRedis);
            }
            const [m, r] = [await memory.backend.state(), await redis.backend.state()];
            expect(m.inFlight).toBe(r.inFlight);
            expect(Math.abs(m.pauseRemainingMs - r.pauseRemainingMs)).toBeLessThan(SLACK_MS);
            for (const d of [0, 1]) expect(Math.abs(m.levels[d]! - r.levels[d]!)).toBeLessThan(SLACK_MS / 600);
            expect(memory.backend.expiredSlots).toBe(redis.backend.expiredSlots);
          } finally {
            await deleteKeys(client, prefix);
          }
        }),
        { numRuns: 100 },
      );
    } finally {
      client.disconnect();
    }
  });
});
