import { describe, expect, it } from 'vitest';
import { CONCURRENCY_INDEX } from '../../src/limiter/limiter-store.js';
import { backendsCleanedAfterEach, costs, redisUp } from './redis-harness.js';

const open = backendsCleanedAfterEach();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!redisUp)('Redis concurrency leases', () => {
  it('caps leases in flight; a refusal waits for the earliest lease to expire and charges nothing', async () => {
    const { backend } = open({ requestsPerMinute: 100, maxConcurrent: 2, leaseTimeoutMs: 1000 });
    const first = await backend.admitOne(costs(), true, false);
    const second = await backend.admitOne(costs(), true, false);
    expect(first.admitted && second.admitted).toBe(true);
    expect(first.admitted && first.leaseId).toMatch(/.+/);
    const refusal = await backend.admitOne(costs(), true, false);
    expect(refusal).toMatchObject({ admitted: false, dimension: CONCURRENCY_INDEX });
    if (refusal.admitted) return;
    expect(refusal.waitMs).toBeGreaterThan(500);
    expect(refusal.waitMs).toBeLessThanOrEqual(1000);
    expect((await backend.state()).levels[0]).toBeCloseTo(98, 0);
  });

  it('reclaims leases whose TTL expired (a crashed holder) after a real wait', async () => {
    const { backend } = open({ maxConcurrent: 1, leaseTimeoutMs: 200 });
    expect((await backend.admitOne(costs(), true, false)).admitted).toBe(true);
    const refusal = await backend.admitOne(costs(), true, false);
    expect(refusal.admitted).toBe(false);
    await sleep(220);
    expect((await backend.state()).inFlight).toBe(0);
    expect((await backend.admitOne(costs(), true, false)).admitted).toBe(true);
    expect(backend.expiredSlots).toBe(1);
  });

  it('release frees the slot at once and is idempotent', async () => {
    const { backend } = open({ maxConcurrent: 1, leaseTimeoutMs: 60_000 });
    const admission = await backend.admitOne(costs(), true, false);
    if (!admission.admitted || admission.leaseId === null) throw new Error('expected a lease');
    expect((await backend.admitOne(costs(), true, false)).admitted).toBe(false);
    expect(await backend.releaseSlot(admission.leaseId)).toBe(true);
    expect(await backend.releaseSlot(admission.leaseId)).toBe(false);
    expect(await backend.releaseSlot('unknown')).toBe(false);
    expect((await backend.admitOne(costs(), true, false)).admitted).toBe(true);
  });

  it('renew extends a live lease; an expired lease cannot be renewed', async () => {
    const { backend } = open({ maxConcurrent: 1, leaseTimeoutMs: 600 });
    const admission = await backend.admitOne(costs(), true, false);
    if (!admission.admitted || admission.leaseId === null) throw new Error('expected a lease');
    await sleep(350);
    expect(await backend.renewSlot(admission.leaseId)).toBe(true);
    await sleep(350); // 700 ms after admission: alive only thanks to the renewal
    const state = await backend.state();
    expect(state.inFlight).toBe(1);
    expect(state.nextLeaseExpiryMs).toBeGreaterThan(0);
    expect(state.nextLeaseExpiryMs).toBeLessThanOrEqual(600);
    expect((await backend.admitOne(costs(), true, false)).admitted).toBe(false);
    await sleep(state.nextLeaseExpiryMs + 10);
    expect(await backend.renewSlot(admission.leaseId)).toBe(false);
    expect((await backend.admitOne(costs(), true, false)).admitted).toBe(true);
  });

  it('admission without a slot takes no lease', async () => {
    const { backend } = open({ maxConcurrent: 1 });
    expect(await backend.admitOne(costs(), false, false)).toEqual({ admitted: true, leaseId: null });
    expect((await backend.state()).inFlight).toBe(0);
    expect((await backend.state()).nextLeaseExpiryMs).toBe(Infinity);
  });

  it('two processes share one cap', async () => {
    const a = open({ maxConcurrent: 3 }, {}, 'shared');
    const other = a.peer();
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => (i % 2 ? a.backend : other).admitOne(costs(), true, false)));
    expect(results.filter((r) => r.admitted)).toHaveLength(3);
  });
});
