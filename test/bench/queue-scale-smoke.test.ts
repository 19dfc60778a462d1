import { describe, expect, it } from 'vitest';
import { measureQueueScale } from '../../bench/queue-scale.js';

describe('queue-scale benchmark: a minimal run through its own code path', () => {
  it('computes every figure (no timing thresholds: those are the benchmark\'s)', { timeout: 60_000 }, async () => {
    const data = await measureQueueScale({ waiters: 200, depths: [10, 200], adds: 50, rounds: 1, services: 20, serviceRounds: 1, roundMs: 1 }, () => undefined);
    const positive = (n: number): boolean => Number.isFinite(n) && n > 0;
    expect(positive(data.heap.oursBytes) && positive(data.heap.pQueueBytes) && positive(data.heap.oursWithSignalBytes)).toBe(true);
    expect(data.enqueue.map((r) => r.depth)).toEqual([10, 200]);
    for (const r of data.enqueue) expect([r.oursNs, r.pQueueNs, r.ratio].every(positive)).toBe(true);
    expect(data.services.map((r) => r.mode)).toEqual(['sequential', 'inFlight']);
    for (const r of data.services) expect([r.oneNs, r.manyNs, r.ratio].every(positive)).toBe(true);
  });
});
