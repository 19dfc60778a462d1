/**
 * MemorySharedStore's backends on their own, on a ManualClock: the admission script's semantics
 * (the Redis store tests in test/redis, exact here), the fleet in one process, and the store's
 * round trip and fault injection.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError, StoreError } from '../../src/core/errors.js';
import { resolveLimiterOptions, type RateLimiterOptions } from '../../src/limiter/limiter-options.js';
import { CONCURRENCY_INDEX, PAUSE_INDEX } from '../../src/limiter/limiter-store.js';
import { MemorySharedStore, type MemorySharedStoreOptions } from '../../src/limiter/memory-shared-store.js';
import type { SharedAdmitRequest } from '../../src/limiter/shared-store.js';
import { drive } from './clock-drive.js';

const START = 1_000_000;

function open(options: RateLimiterOptions, storeOptions: Omit<MemorySharedStoreOptions, 'clock'> = {}) {
  const clock = new ManualClock({ startMs: START });
  const store = new MemorySharedStore({ clock, ...storeOptions });
  const backend = store.openShared('svc', resolveLimiterOptions(options).spec);
  return { clock, store, backend, run: <T>(promise: Promise<T>) => drive(clock, promise) };
}

/** Costs indexed like RATE_DIMENSIONS. */
function costs(values: { requests?: number; tokens?: number; output?: number } = {}): number[] {
  return [values.requests ?? 1, values.tokens ?? 0, 0, values.output ?? 0, 1, 0];
}

function request(overrides: Partial<SharedAdmitRequest> = {}): SharedAdmitRequest {
  return { costs: costs(), slot: false, force: false, maxWaitMs: 0, ...overrides };
}

describe('MemorySharedStore: the admission script in memory', () => {
  it('60 RPM from a full bucket admits 60 in one batch, then refuses with the exact wait, charging nothing', async () => {
    const { backend, run } = open({ requestsPerMinute: 60 });
    const reply = await run(backend.admit(Array.from({ length: 61 }, () => request())));
    expect(reply.admitted).toHaveLength(60);
    expect(reply).toMatchObject({ refused: true, waitMs: 1000, dimension: 0, storeTime: START, liveProcesses: 0 });
    expect(reply.charged![0]).toBe(60);
    expect((await run(backend.state())).levels[0]).toBe(0);
  });

  it('a request that fits within its maxWait is reserved with a delay and the batch stops there', async () => {
    const { backend, run } = open({ requestsPerMinute: 600, burst: { requestsPerMinute: 2 } });
    const reply = await run(backend.admit([request(), request(), request({ maxWaitMs: 150 }), request({ maxWaitMs: 10_000 })]));
    expect(reply.admitted).toEqual([
      { leaseId: null, delayMs: 0 },
      { leaseId: null, delayMs: 0 },
      { leaseId: null, delayMs: 100 },
    ]);
    // Not refused: stopped after the reservation, which names the dimension that delayed it.
    expect(reply).toMatchObject({ refused: false, waitMs: 0, dimension: 0 });
    // The reservation is charged, but has not started: the started charges leave it out until it does.
    expect(reply.charged![0]).toBe(2);
    const next = await run(backend.admit([request({ maxWaitMs: 150 })]));
    expect(next).toMatchObject({ refused: true, waitMs: 200, dimension: 0 });
    expect(next.admitted).toEqual([]);
  });

  it('all or none: a refusal on one dimension leaves every dimension unchanged; the longest wait names the dimension', async () => {
    const { backend, run } = open({ requestsPerMinute: 1, tokensPerMinute: 1000 });
    expect((await run(backend.admit([request({ costs: costs({ tokens: 900 }) })]))).admitted).toHaveLength(1);
    const refusal = await run(backend.admit([request({ costs: costs({ tokens: 500 }) })]));
    expect(refusal).toMatchObject({ refused: true, dimension: 0, waitMs: 60_000 });
    const { levels } = await run(backend.state());
    expect(levels[0]).toBe(0);
    expect(levels[1]).toBe(100);
    expect(levels[2]).toBeNaN();
  });

  it('force admits through a pause and the concurrency cap, and still charges and takes a lease', async () => {
    const { backend, run } = open({ requestsPerMinute: 2, maxConcurrent: 1 });
    await run(backend.follow(5000, []));
    expect(await run(backend.admit([request({ slot: true })]))).toMatchObject({ refused: true, dimension: PAUSE_INDEX, waitMs: 5000 });
    const forced = await run(backend.admit([1, 2, 3].map(() => request({ slot: true, force: true }))));
    expect(forced.admitted.map((g) => g.leaseId)).toEqual(['lease-1', 'lease-2', 'lease-3']);
    const state = await run(backend.state());
    expect(state).toMatchObject({ inFlight: 3, pauseRemainingMs: 5000 });
    expect(state.levels[0]).toBe(-1);
    await run(backend.clearPause());
    expect(await run(backend.admit([request({ slot: true, maxWaitMs: Infinity })]))).toMatchObject({ refused: true, dimension: CONCURRENCY_INDEX, waitMs: 15_000 });
  });

  it('settle: a debit moves the bucket down, a refund up but never above full', async () => {
    const { backend, run } = open({ tokensPerMinute: 60_000 });
    await run(backend.admit([request({ costs: costs({ tokens: 10_000 }) })]));
    await run(backend.settle(null, [0, 5000, 0, 0, 0, 0]));
    expect((await run(backend.state())).levels[1]).toBe(45_000);
    await run(backend.settle(null, [0, -8000, 0, 0, 0, 0]));
    expect((await run(backend.state())).levels[1]).toBe(53_000);
    await run(backend.settle(null, [0, -1_000_000, 0, 0, 0, 0]));
    expect((await run(backend.state())).levels[1]).toBe(60_000);
  });

  it('leases: a refusal waits for the earliest to expire; an expired one is reclaimed and counted, a renewed one lives on', async () => {
    const { clock, backend, run } = open({ maxConcurrent: 2 }, { leaseTtlMs: 1000 });
    const [a, b] = (await run(backend.admit([request({ slot: true }), request({ slot: true })]))).admitted.map((g) => g.leaseId!);
    await clock.advanceAsync(400);
    expect(await run(backend.renew([a!, 'unknown']))).toBe(1);
    expect(await run(backend.admit([request({ slot: true })]))).toMatchObject({ refused: true, dimension: CONCURRENCY_INDEX, waitMs: 600 });
    await clock.advanceAsync(600);
    // b expired (never renewed): reclaimed by the next admission that wants a slot.
    expect((await run(backend.admit([request({ slot: true })]))).admitted).toHaveLength(1);
    expect(backend.expiredSlots).toBe(1);
    expect(await run(backend.renew([b!]))).toBe(0);
    await run(backend.settle(a!, null));
    expect((await run(backend.state())).inFlight).toBe(1);
  });

  it('follow: a retry-after never shortens a pause; a bound only lowers, and a level within one unit of it is left alone', async () => {
    const { clock, backend, run } = open({ requestsPerMinute: 600, burst: { requestsPerMinute: 5 } });
    await run(backend.follow(800, []));
    await run(backend.follow(10, []));
    expect((await run(backend.state())).pauseRemainingMs).toBe(800);
    const figure = (remaining: number) => [{ index: 0, remaining, exact: false, ownCost: 0 }];
    await run(backend.follow(undefined, figure(4)));
    expect((await run(backend.state())).levels[0]).toBe(5);
    await run(backend.follow(undefined, figure(3)));
    expect((await run(backend.state())).levels[0]).toBe(3);
    await run(backend.follow(undefined, figure(5)));
    expect((await run(backend.state())).levels[0]).toBe(3);
    // A figure for a dimension this limiter does not enforce is ignored.
    await run(backend.follow(undefined, [{ index: 1, remaining: 0, exact: false, ownCost: 0 }]));
    expect((await run(backend.state())).levels[1]).toBeNaN();
    await clock.advanceAsync(800);
    expect((await run(backend.state())).pauseRemainingMs).toBe(0);
  });

  it("keys expire as Redis's do: leases gone with their key are not counted as reclaimed, and an idle limiter's hash starts over", async () => {
    const { clock, backend, run } = open({ requestsPerMinute: 60, maxConcurrent: 5 }, { leaseTtlMs: 2000 });
    const three = () => run(backend.admit([1, 2, 3].map(() => request({ slot: true }))));
    expect((await three()).charged![0]).toBe(3);
    // Within the leases key's TTL (lease TTL + 1 s margin) an expired lease is reclaimed and counted...
    await clock.advanceAsync(2_500);
    expect((await three()).charged![0]).toBe(6);
    expect(backend.expiredSlots).toBe(3);
    // ...past it, the key is gone with them: nothing to reclaim.
    await clock.advanceAsync(3_001);
    expect((await three()).charged![0]).toBe(9);
    expect(backend.expiredSlots).toBe(3);
    // The hash lives until its furthest TAT + 1 s, set with 60 s of slack and only moved when that
    // is not enough: first 3 s ahead of the start (the first admission's TAT), so until 64 s.
    // (An empty batch reads the charges and writes nothing.)
    await clock.advanceAsync(START + 63_999 - clock.now());
    expect((await run(backend.admit([request()]))).charged![0]).toBe(10);
    // That admission's TAT (64.999 s) needed more: now until 64.999 + 1 + 60 s.
    await clock.advanceAsync(START + 125_999 - clock.now());
    expect((await run(backend.admit([]))).charged![0]).toBe(10);
    await clock.advanceAsync(1);
    expect((await run(backend.admit([]))).charged![0]).toBe(0);
  });

  it("a refund of a request admitted before the provider's figures set the level is dropped (output tokens aside)", async () => {
    const { clock, backend, run } = open({ tokensPerMinute: 600, outputTokensPerMinute: 600, burst: { tokensPerMinute: 6000, outputTokensPerMinute: 6000 }, providerDelayMs: 200 });
    const early = await run(backend.admit([request({ costs: costs({ tokens: 1000, output: 1000 }) })]));
    await clock.advanceAsync(250);
    await run(backend.follow(undefined, [{ index: 1, remaining: 3000, exact: false, ownCost: 0 }, { index: 3, remaining: 3000, exact: false, ownCost: 0 }]));
    const synced = await run(backend.state());
    expect(synced.levels[1]).toBe(3000);
    await run(backend.settle(null, [0, -500, 0, -500, 0, 0], early.storeTime));
    const after = await run(backend.state());
    expect(after.levels[1]).toBeCloseTo(3000, 9);
    expect(after.levels[3]).toBeCloseTo(3500, 9);
    // Unknown age: applied.
    await run(backend.settle(null, [0, -50, 0, 0, 0, 0]));
    expect((await run(backend.state())).levels[1]).toBeCloseTo(3050, 9);
  });

  it("a figure is read against every backend's admissions within the provider delay, and can raise the level", async () => {
    const LIMITS = { tokensPerMinute: 600, burst: { tokensPerMinute: 6000 }, providerDelayMs: 200 };
    const { clock, store, backend, run } = open(LIMITS);
    const other = store.openShared('svc', resolveLimiterOptions(LIMITS).spec);
    const tokens = (n: number, count = 1) => Array.from({ length: count }, () => request({ costs: costs({ tokens: n }) }));
    await run(other.admit(tokens(100)));
    await clock.advanceAsync(250);
    await run(other.admit(tokens(100, 10)));
    // The figure lacks the other backend's ten (in transit): 5 800 - 1 000.
    await run(backend.follow(undefined, [{ index: 1, remaining: 5800, exact: true, ownCost: 0 }]));
    expect((await run(backend.state())).levels[1]).toBeCloseTo(4800, 9);
    await clock.advanceAsync(250);
    // Admitted after the others arrived, its figure holds them all, and itself (it was served:
    // not travelling, though admitted within the delay): the provider charged less than reserved.
    const reply = await run(backend.admit(tokens(100)));
    await run(backend.follow(undefined, [{ index: 1, remaining: 5520, exact: true, refillPerMs: 0.01, refillCap: 6000, admittedAt: reply.storeTime, ownCost: 100 }]));
    expect((await run(backend.state())).levels[1]).toBeCloseTo(5520, 9);
  });
});

describe('MemorySharedStore: a fleet in one process', () => {
  it('backends on one key share one budget, count the live processes, and see a configuration mismatch', async () => {
    const { store, backend, run } = open({ requestsPerMinute: 10 });
    const peer = store.openShared('svc', resolveLimiterOptions({ requestsPerMinute: 10 }).spec);
    const stranger = store.openShared('svc', resolveLimiterOptions({ requestsPerMinute: 20 }).spec);
    const elsewhere = store.openShared('other', resolveLimiterOptions({ requestsPerMinute: 10 }).spec);
    expect((await run(backend.admit(Array.from({ length: 6 }, () => request())))).admitted).toHaveLength(6);
    expect((await run(peer.admit(Array.from({ length: 6 }, () => request())))).admitted).toHaveLength(4);
    expect((await run(elsewhere.admit([request()]))).admitted).toHaveLength(1);
    expect(await run(backend.hello('p1', 5000))).toBe(1);
    expect(await run(peer.hello('p2', 5000))).toBe(2);
    expect((await run(backend.admit([]))).liveProcesses).toBe(2);
    // Not asked, not counted (the Redis script spares a ZCOUNT).
    expect((await run(backend.admit([], undefined, false))).liveProcesses).toBeUndefined();
    expect([backend.configMismatch, peer.configMismatch]).toEqual([false, false]);
    await run(stranger.state());
    expect(stranger.configMismatch).toBe(true);
  });

  it('calls run halfway through the round trip and answer after it; down fails them, freeze holds them until thaw', async () => {
    const { clock, store, backend, run } = open({ requestsPerMinute: 60 }, { latencyMs: 10 });
    let answeredAt: number | undefined;
    const reply = backend.admit([request()]).then((r) => ((answeredAt = clock.now()), r));
    await clock.advanceAsync(9);
    expect(answeredAt).toBeUndefined();
    await clock.advanceAsync(1);
    expect((await reply).storeTime).toBe(START + 5);
    expect(answeredAt).toBe(START + 10);
    store.down = true;
    const failed = await run(backend.state()).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(StoreError);
    expect(failed).toMatchObject({ operation: 'state', reason: 'error' });
    store.down = false;
    store.freeze();
    const held = backend.admit([request()]);
    await clock.advanceAsync(1_000);
    expect(store.heldCalls).toBe(1);
    store.thaw();
    const late = await run(held);
    // Run at the thaw, as a stopped Redis does when it resumes.
    expect(late.storeTime).toBe(START + 1_020);
    expect(store.calls).toEqual({ admit: 2, state: 1 });
  });

  it('validates its options', () => {
    const clock = new ManualClock();
    expect(() => new MemorySharedStore({ clock, latencyMs: -1 })).toThrow(ConfigError);
    expect(() => new MemorySharedStore({ clock, localShare: 2 })).toThrow(ConfigError);
    expect(() => new MemorySharedStore({ clock, failMode: 'maybe' as 'open' })).toThrow(ConfigError);
    expect(() => new MemorySharedStore({ clock, timeoutMs: 5 } as MemorySharedStoreOptions)).toThrow(ConfigError);
    expect(() => new MemorySharedStore({} as MemorySharedStoreOptions)).toThrow(ConfigError);
    expect(new MemorySharedStore({ clock }).policy).toEqual({ failMode: 'local', localShare: undefined, probeIntervalMs: 1000, leaseTtlMs: 15_000, maxBatch: 64, concurrencyPollMs: 25 });
  });
});
