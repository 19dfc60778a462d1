/**
 * The adaptive concurrency limit against simulated servers that hold requests over capacity (the
 * DeepSeek, vLLM, Ollama shape) or refuse them, driven in a closed loop with discrete events: the
 * client keeps `limit` calls in flight, the earliest to finish is reported, time jumps to it.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError } from '../../src/core/errors.js';
import { AdaptiveConcurrency, type AdaptiveConcurrencyOptions, type SampleOutcome } from '../../src/limiter/adaptive-concurrency.js';

const BASE_MS = 100;

interface Server {
  /** Capacity before the `index`-th sample. */
  capacity: (index: number) => number;
  /** No-load latency before the `index`-th sample. Default BASE_MS. */
  baseMs?: (index: number) => number;
  /** Latency varies uniformly by +- this fraction (seeded). Default 0. */
  jitter?: number;
  seed?: number;
  /** 'hold': latency = base * max(1, inFlight / C). 'refuse': over C, a fast 429 ('dropped'). */
  kind?: 'hold' | 'refuse';
}

/** Runs `samples` calls through a closed loop; returns the limit and latency after each. */
function simulate(server: Server, samples: number, options: AdaptiveConcurrencyOptions = {}) {
  const clock = new ManualClock();
  const adaptive = new AdaptiveConcurrency({ ...options, clock });
  const calls: { endsAt: number; latencyMs: number; inFlight: number; outcome: SampleOutcome }[] = [];
  let seed = server.seed ?? 1;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  const limits: number[] = [];
  const latencies: number[] = [];
  for (let index = 0; index < samples; index++) {
    const capacity = server.capacity(index);
    const baseMs = server.baseMs?.(index) ?? BASE_MS;
    while (calls.length < adaptive.limit) {
      const inFlight = calls.length + 1;
      const noise = server.jitter ? 1 - server.jitter + 2 * server.jitter * random() : 1;
      const refused = server.kind === 'refuse' && inFlight > capacity;
      const latencyMs = refused ? baseMs / 10 : baseMs * Math.max(1, inFlight / capacity) * noise;
      calls.push({ endsAt: clock.now() + latencyMs, latencyMs, inFlight, outcome: refused ? 'dropped' : 'success' });
    }
    let next = 0;
    for (let i = 1; i < calls.length; i++) if (calls[i]!.endsAt < calls[next]!.endsAt) next = i;
    const call = calls.splice(next, 1)[0]!;
    clock.advance(call.endsAt - clock.now());
    adaptive.onSample(call.latencyMs, call.inFlight, call.outcome); // time from the injected clock
    limits.push(adaptive.limit);
    latencies.push(call.latencyMs);
  }
  return { limits, latencies, adaptive };
}

/** The first index from which every limit stays within [low, high] (limits.length if none). */
function settledFrom(limits: number[], low: number, high: number, from = 0): number {
  let settled = from;
  for (let i = from; i < limits.length; i++) if (limits[i]! < low || limits[i]! > high) settled = i + 1;
  return settled;
}

function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(0.95 * (sorted.length - 1))]!;
}

describe('AdaptiveConcurrency: gradient against a server that holds requests', () => {
  // Measured: settled after 0, 49 and 149 samples; then the limit holds at 1.5 C, p95 = 1.5 x base.
  it.each([4, 16, 64])('converges to [0.7 C, 1.5 C] from 4 for C = %i, latency near its floor', (capacity) => {
    const { limits, latencies, adaptive } = simulate({ capacity: () => capacity }, 3000);
    const settled = settledFrom(limits, 0.7 * capacity, 1.5 * capacity);
    expect(settled).toBeLessThanOrEqual(300);
    expect(p95(latencies.slice(settled))).toBeLessThanOrEqual(2 * BASE_MS);
    expect(adaptive.stats()).toMatchObject({ rttNoLoadMs: BASE_MS, samples: 3000, algorithm: 'gradient' });
  });

  // Measured over 5 seeds: 99.8-100 % of limits in the band, p95 1.50-1.75 x base, mean 1.2 C.
  it.each([4, 16, 64])('stays near C = %i when latency is noisy (+-20 %)', (capacity) => {
    const { limits, latencies } = simulate({ capacity: () => capacity, jitter: 0.2, seed: 3 }, 5000);
    const tail = limits.slice(1000);
    const inBand = tail.filter((limit) => limit >= 0.7 * capacity && limit <= 1.5 * capacity).length;
    expect(inBand / tail.length).toBeGreaterThanOrEqual(0.97);
    expect(p95(latencies.slice(1000))).toBeLessThanOrEqual(2 * BASE_MS);
  });

  // Measured: back in [5.6, 12] 229 samples after the drop (109 with noise).
  it('follows the capacity down when it drops mid-run (64 to 8)', () => {
    const { limits } = simulate({ capacity: (i) => (i < 2000 ? 64 : 8) }, 4000);
    expect(limits[1999]).toBeGreaterThan(0.7 * 64);
    expect(settledFrom(limits, 0.7 * 8, 1.5 * 8, 2000) - 2000).toBeLessThanOrEqual(400);
  });

  it('follows the capacity up when it rises (8 to 64)', () => {
    const { limits } = simulate({ capacity: (i) => (i < 2000 ? 8 : 64) }, 4000);
    expect(settledFrom(limits, 0.7 * 64, 1.5 * 64, 2000) - 2000).toBeLessThanOrEqual(400);
  });

  it('re-bases its floor when the server gets slower whatever the load (a slower model, longer answers)', () => {
    const { limits, adaptive } = simulate({ capacity: () => 16, baseMs: (i) => (i < 2000 ? BASE_MS : 2.5 * BASE_MS) }, 5000);
    expect(adaptive.stats().rttNoLoadMs).toBe(2.5 * BASE_MS);
    expect(settledFrom(limits, 0.7 * 16, 1.5 * 16, 2000) - 2000).toBeLessThanOrEqual(600);
  });
});

describe('AdaptiveConcurrency: probing, drops, ignored samples', () => {
  it('probes upward while latency holds at its floor and the limit is full, up to maxLimit', () => {
    const adaptive = new AdaptiveConcurrency({ maxLimit: 100 });
    const seen: number[] = [];
    for (let i = 0; i < 400; i++) {
      adaptive.onSample(BASE_MS, adaptive.limit, 'success', i);
      seen.push(adaptive.limit);
    }
    expect(seen.every((limit, i) => i === 0 || limit >= seen[i - 1]!)).toBe(true);
    expect(adaptive.limit).toBe(100);
  });

  it('does not grow for a caller that leaves its limit unused', () => {
    const adaptive = new AdaptiveConcurrency({ initialLimit: 20 });
    for (let i = 0; i < 500; i++) adaptive.onSample(BASE_MS, 5, 'success', i);
    expect(adaptive.limit).toBe(20);
  });

  it('a dropped sample lowers the limit by backoffRatio at once; a burst from one overload counts once', () => {
    const adaptive = new AdaptiveConcurrency({ initialLimit: 20 });
    expect(adaptive.onSample(5_000, 20, 'dropped', 0)).toBe(true);
    expect(adaptive.limit).toBe(18);
    adaptive.onSample(5_000, 19, 'dropped', 1); // started over the new limit: already paid for
    expect(adaptive.limit).toBe(18);
    adaptive.onSample(5_000, 12, 'dropped', 2); // started within it, but this window already decreased
    expect(adaptive.limit).toBe(18);
    for (let i = 3; i < 10; i++) adaptive.onSample(BASE_MS, 10, 'success', i); // closes the window, no growth
    expect(adaptive.limit).toBe(18);
    adaptive.onSample(5_000, 18, 'dropped', 10); // a new window, a call within the limit
    expect(adaptive.limit).toBe(16);
  });

  it('a drop gives back at least one slot, and never goes below minLimit', () => {
    const adaptive = new AdaptiveConcurrency({ initialLimit: 2, windowSamples: 1 });
    adaptive.onSample(100, 2, 'success', 0); // the floor; no queueing seen: probes to 3
    adaptive.onSample(130, 3, 'success', 1); // 1.3 x the floor: room for 3 x 1.5 / 1.3 = 3.46
    expect(adaptive.limit).toBe(3);
    adaptive.onSample(5_000, 3, 'dropped', 2); // 3.46 x 0.9 = 3.1 would keep all 3 slots
    expect(adaptive.limit).toBe(2);
    adaptive.onSample(5_000, 2, 'dropped', 3);
    adaptive.onSample(5_000, 1, 'dropped', 4);
    expect(adaptive.limit).toBe(1);
  });

  it('an ignored sample changes nothing, not even the window', () => {
    const adaptive = new AdaptiveConcurrency({ initialLimit: 8 });
    const before = adaptive.stats();
    for (let i = 0; i < 50; i++) expect(adaptive.onSample(100_000, 8, 'ignored', i)).toBe(false);
    expect(adaptive.stats()).toEqual(before);
    expect(before).toEqual({ limit: 8, algorithm: 'gradient', rttNoLoadMs: undefined, shortRttMs: undefined, samples: 0 });
  });

  it('updates at most once per windowMs of the clock', () => {
    const clock = new ManualClock();
    const adaptive = new AdaptiveConcurrency({ windowSamples: 1, windowMs: 1_000, clock });
    for (let i = 0; i < 20; i++) adaptive.onSample(BASE_MS, adaptive.limit, 'success');
    expect(adaptive.limit).toBe(4);
    clock.advance(1_000);
    expect(adaptive.onSample(BASE_MS, adaptive.limit, 'success')).toBe(true);
    expect(adaptive.limit).toBe(6);
  });
});

describe('AdaptiveConcurrency: aimd against a server that refuses over capacity', () => {
  // Measured: +1 a window from 4, in [27, 33] after 479 samples, then 29 to 33 (one decrease per overload).
  it('saw-tooths just under and at the capacity', () => {
    const { limits } = simulate({ capacity: () => 32, kind: 'refuse' }, 6000, { algorithm: 'aimd' });
    expect(settledFrom(limits, 0.85 * 32, 33)).toBeLessThanOrEqual(600);
  });
});

describe('AdaptiveConcurrency: options', () => {
  it.each([
    [{ initialLimit: 0 }, 'adaptiveConcurrency.initialLimit'],
    [{ initialLimit: 2.5 }, 'adaptiveConcurrency.initialLimit'],
    [{ initialLimit: 300 }, 'adaptiveConcurrency.initialLimit'],
    [{ minLimit: 0 }, 'adaptiveConcurrency.minLimit'],
    [{ minLimit: 8, maxLimit: 4 }, 'adaptiveConcurrency.maxLimit'],
    [{ maxLimit: Infinity }, 'adaptiveConcurrency.maxLimit'],
    [{ algorithm: 'vegas' }, 'adaptiveConcurrency.algorithm'],
    [{ tolerance: 1 }, 'adaptiveConcurrency.tolerance'],
    [{ tolerance: NaN }, 'adaptiveConcurrency.tolerance'],
    [{ backoffRatio: 1 }, 'adaptiveConcurrency.backoffRatio'],
    [{ backoffRatio: 0 }, 'adaptiveConcurrency.backoffRatio'],
    [{ windowSamples: 0 }, 'adaptiveConcurrency.windowSamples'],
    [{ windowMs: -1 }, 'adaptiveConcurrency.windowMs'],
    [{ smoothing: 0.2 }, 'adaptiveConcurrency.smoothing'],
  ])('%j throws a ConfigError naming %s', (options, path) => {
    const attempt = () => new AdaptiveConcurrency(options as AdaptiveConcurrencyOptions);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(`Invalid ${path}:`);
  });

  it('says what is valid', () => {
    expect(() => new AdaptiveConcurrency({ backoffRatio: 2 })).toThrow('expected a number > 0 and < 1');
    expect(() => new AdaptiveConcurrency({ initialLimit: 300 })).toThrow('from minLimit to maxLimit (1 to 256)');
  });
});
