import { describe, expect, it } from 'vitest';
import { PAUSE_INDEX } from '../../src/limiter/limiter-store.js';
import type { RedisAdmission } from '../../src/redis/index.js';
import { backendsCleanedAfterEach, costs, redisUp } from './redis-harness.js';

const open = backendsCleanedAfterEach();

function refused(result: RedisAdmission): { waitMs: number; dimension: number } {
  if (result.admitted) throw new Error('expected a refusal');
  return result;
}

describe.skipIf(!redisUp)('Redis admission script', () => {
  it('60 RPM from a full bucket admits 60, then refuses with a wait of about 1000 ms', async () => {
    const { backend } = open({ requestsPerMinute: 60 });
    for (let i = 0; i < 60; i++) expect((await backend.admitOne(costs(), false, false)).admitted).toBe(true);
    const refusal = refused(await backend.admitOne(costs(), false, false));
    expect(refusal.dimension).toBe(0);
    expect(refusal.waitMs).toBeGreaterThan(500);
    expect(refusal.waitMs).toBeLessThanOrEqual(1000);
  });

  it('sleeping the returned wait is enough to be admitted', async () => {
    const { backend } = open({ requestsPerMinute: 600, burst: { requestsPerMinute: 1 } });
    expect((await backend.admitOne(costs(), false, false)).admitted).toBe(true);
    const { waitMs } = refused(await backend.admitOne(costs(), false, false));
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(100);
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMs) + 2));
    expect((await backend.admitOne(costs(), false, false)).admitted).toBe(true);
  });

  it('tokens per minute: admits up to the bucket, refuses the rest with the refill time of the missing tokens', async () => {
    const { backend } = open({ tokensPerMinute: 6000 }); // 10 ms per token
    expect((await backend.admitOne(costs({ tokens: 5000 }), false, false)).admitted).toBe(true);
    expect((await backend.admitOne(costs({ tokens: 1000 }), false, false)).admitted).toBe(true);
    const refusal = refused(await backend.admitOne(costs({ tokens: 100 }), false, false));
    expect(refusal.dimension).toBe(1);
    expect(refusal.waitMs).toBeGreaterThan(800);
    expect(refusal.waitMs).toBeLessThanOrEqual(1000);
  });

  it('all or none: a refusal on one dimension leaves every dimension unchanged (upstash#156)', async () => {
    const { backend } = open({ requestsPerMinute: 100, tokensPerMinute: 1000, requestsPerDay: 1000 });
    expect((await backend.admitOne(costs({ tokens: 900 }), false, false)).admitted).toBe(true);
    const before = await backend.state();
    const refusal = refused(await backend.admitOne(costs({ tokens: 500 }), false, false));
    expect(refusal.dimension).toBe(1);
    const after = await backend.state();
    for (const index of [0, 1, 4]) expect(after.levels[index]! - before.levels[index]!).toBeGreaterThanOrEqual(0);
    expect(after.levels[0]).toBeCloseTo(99, 0);
    expect(after.levels[4]).toBeCloseTo(999, 0);
    expect(after.levels[1]).toBeLessThan(200); // charged, it would be about -400
  });

  it('the refusal names the dimension with the longest wait', async () => {
    const { backend } = open({ requestsPerMinute: 1, tokensPerMinute: 1000 });
    expect((await backend.admitOne(costs({ tokens: 1000 }), false, false)).admitted).toBe(true);
    const refusal = refused(await backend.admitOne(costs({ tokens: 10 }), false, false));
    expect(refusal.dimension).toBe(0);
    expect(refusal.waitMs).toBeGreaterThan(59_000);
  });

  it('force admits regardless and still charges', async () => {
    const { backend } = open({ requestsPerMinute: 2, maxConcurrent: 1 }, { timeoutMs: 2000 });
    await backend.pause(5000);
    expect(refused(await backend.admitOne(costs(), true, false)).dimension).toBe(PAUSE_INDEX);
    for (let i = 0; i < 3; i++) expect((await backend.admitOne(costs(), true, true)).admitted).toBe(true);
    const state = await backend.state();
    expect(state.levels[0]).toBeLessThan(-0.9);
    expect(state.inFlight).toBe(3);
  });

  it('reconcile: a debit moves the bucket down, a refund back up but never above full', async () => {
    const { backend } = open({ tokensPerMinute: 60_000 });
    expect((await backend.admitOne(costs({ tokens: 10_000 }), false, false)).admitted).toBe(true);
    await backend.adjust([0, 5000, 0, 0, 0, 0]);
    expect((await backend.state()).levels[1]).toBeCloseTo(45_000, -3);
    await backend.adjust([0, -8000, 0, 0, 0, 0]);
    expect((await backend.state()).levels[1]).toBeCloseTo(53_000, -3);
    await backend.adjust([0, -1_000_000, 0, 0, 0, 0]);
    expect((await backend.state()).levels[1]).toBe(60_000);
    await backend.adjust([0, 100_000, 0, 0, 0, 0]);
    expect((await backend.state()).levels[1]).toBeCloseTo(-40_000, -3);
    expect(refused(await backend.admitOne(costs({ tokens: 1 }), false, false)).waitMs).toBeGreaterThan(39_000);
  });

  it('pause refuses until it ends, never shortens a longer pause, and force passes it', async () => {
    const { backend } = open({ requestsPerMinute: 100 });
    expect(await backend.pause(800)).toBeGreaterThan(790);
    expect(await backend.pause(10)).toBeGreaterThan(400);
    const refusal = refused(await backend.admitOne(costs(), false, false));
    expect(refusal.dimension).toBe(PAUSE_INDEX);
    expect(refusal.waitMs).toBeGreaterThan(300);
    expect(refusal.waitMs).toBeLessThanOrEqual(800);
    expect(await backend.waitFor(costs())).toMatchObject({ dimension: PAUSE_INDEX });
    expect((await backend.admitOne(costs(), false, true)).admitted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(refusal.waitMs) + 5));
    expect((await backend.admitOne(costs(), false, false)).admitted).toBe(true);
    expect((await backend.state()).pauseRemainingMs).toBe(0);
  });

  it('setLevel lowers a dimension (provider headers) and never raises it', async () => {
    const { backend } = open({ requestsPerMinute: 100, tokensPerMinute: 10_000 });
    expect(await backend.setLevel(1, 2000)).toBe(true);
    expect((await backend.state()).levels[1]).toBeCloseTo(2000, -2);
    expect(await backend.setLevel(1, 5000)).toBe(false);
    expect((await backend.state()).levels[1]).toBeLessThan(2100);
    expect(await backend.setLevel(3, 10)).toBe(false); // not configured
    expect(refused(await backend.admitOne(costs({ tokens: 3000 }), false, false)).dimension).toBe(1);
  });

  it('waitFor is a dry run: it reports the wait and charges nothing', async () => {
    const { backend } = open({ requestsPerMinute: 60 });
    expect(await backend.waitFor(costs({ requests: 61 }))).toMatchObject({ dimension: 0 });
    expect((await backend.waitFor(costs({ requests: 61 }))).waitMs).toBeCloseTo(1000, -1);
    expect(await backend.waitFor(costs())).toEqual({ waitMs: 0, dimension: -1 });
    expect((await backend.state()).levels[0]).toBe(60);
  });

  it('providerDelayMs charges the lead up front, like the memory store', async () => {
    const { backend } = open({ requestsPerMinute: 60, providerDelayMs: 5000 });
    for (let i = 0; i < 55; i++) expect((await backend.admitOne(costs(), false, false)).admitted).toBe(true);
    expect(refused(await backend.admitOne(costs(), false, false)).dimension).toBe(0);
  });

  it('counts the live processes only when asked; its clock is Redis TIME, in ms', async () => {
    const { backend, client } = open({ requestsPerMinute: 60 });
    await backend.hello('p1', 10_000);
    const one = [{ costs: costs(), slot: false, force: false, maxWaitMs: 0 }];
    const [seconds, micros] = (await client.time()).map(Number) as [number, number];
    const counted = await backend.admit(one);
    expect(counted.liveProcesses).toBe(1);
    expect(counted.storeTime! - (seconds * 1000 + micros / 1000)).toBeGreaterThanOrEqual(0);
    expect(counted.storeTime! - (seconds * 1000 + micros / 1000)).toBeLessThan(1000);
    const spared = await backend.admit(one, undefined, false);
    expect(spared.liveProcesses).toBeUndefined();
    expect(spared.admitted).toEqual([{ leaseId: null, delayMs: 0 }]);
    expect(spared.storeTime!).toBeGreaterThanOrEqual(counted.storeTime!);
  });
});
