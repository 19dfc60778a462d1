import { describe, expect, it } from 'vitest';
import { nextMidnight } from '../../src/core/calendar-day.js';
import { CalendarWindow } from '../../src/mock/calendar-window.js';
import { sampleDelayMs } from '../../src/mock/latency.js';
import { SeededRandom } from '../../src/mock/random.js';
import { TokenBucket } from '../../src/mock/token-bucket.js';
import { formatGoDuration, formatGoogleDuration, formatRfc3339 } from '../../src/mock/durations.js';
import { MockConfigError, promptTokens, startMockServer, textTokens } from '../../src/mock/index.js';

describe('mock formats', () => {
  it('Go durations as OpenAI\'s reset headers write them, rounded up to the millisecond', () => {
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(0.2)).toBe('1ms');
    expect(formatGoDuration(12)).toBe('12ms');
    expect(formatGoDuration(999.5)).toBe('1s');
    expect(formatGoDuration(1000)).toBe('1s');
    expect(formatGoDuration(8710)).toBe('8.71s');
    expect(formatGoDuration(60_000)).toBe('1m0s');
    expect(formatGoDuration(360_000)).toBe('6m0s');
    expect(formatGoDuration(90_500)).toBe('1m30.5s');
    expect(formatGoDuration(3_600_000)).toBe('1h0m0s');
    expect(formatGoDuration(3_723_004)).toBe('1h2m3.004s');
  });

  it('Google durations and RFC 3339 reset times', () => {
    expect(formatGoogleDuration(34_400)).toBe('34.4s');
    expect(formatGoogleDuration(30_000)).toBe('30s');
    expect(formatGoogleDuration(1.2)).toBe('0.002s');
    expect(formatRfc3339(Date.UTC(2025, 7, 21, 12, 40, 58, 1))).toBe('2025-08-21T12:40:59Z');
    expect(formatRfc3339(Date.UTC(2025, 7, 21, 12, 40, 59))).toBe('2025-08-21T12:40:59Z');
  });

  it('the prompt-token rule: 3 per request, 4 per message, characters / 4 rounded up, code points counted', () => {
    expect(textTokens('')).toBe(0);
    expect(textTokens('abcd')).toBe(1);
    expect(textTokens('abcde')).toBe(2);
    expect(textTokens('😀😀😀😀')).toBe(1);
    expect(promptTokens(['Hello there'])).toBe(3 + 4 + 3);
    expect(promptTokens(['a', 'bb'], '[{"x":1}]')).toBe(3 + 5 + 5 + 3);
  });
});

describe('mock building blocks', () => {
  it('a token bucket refills continuously and a check never changes it', () => {
    const bucket = new TokenBucket(10, 10 / 60_000, 0);
    bucket.take(10, 0);
    expect(bucket.msUntil(1, 0)).toBeCloseTo(6000);
    expect(bucket.msUntil(1, 0)).toBeCloseTo(6000);
    expect(bucket.levelAt(3000)).toBeCloseTo(0.5);
    expect(bucket.msUntil(11, 3000)).toBe(Infinity);
    bucket.refund(100, 3000);
    expect(bucket.levelAt(3000)).toBe(10);
  });

  it('the next midnight, in UTC and in Pacific time across daylight saving', () => {
    expect(nextMidnight(Date.UTC(2026, 0, 1, 12), 'midnight-utc')).toBe(Date.UTC(2026, 0, 2));
    expect(nextMidnight(Date.UTC(2026, 0, 1, 12), 'midnight-pacific')).toBe(Date.UTC(2026, 0, 2, 8));
    expect(nextMidnight(Date.UTC(2026, 6, 1, 12), 'midnight-pacific')).toBe(Date.UTC(2026, 6, 2, 7));
    // 1 a.m. PST on the day clocks go forward (2026-03-08): the coming midnight is PDT.
    expect(nextMidnight(Date.UTC(2026, 2, 8, 9), 'midnight-pacific')).toBe(Date.UTC(2026, 2, 9, 7));
    expect(nextMidnight(Date.UTC(2026, 0, 2, 7, 59, 59), 'midnight-pacific')).toBe(Date.UTC(2026, 0, 2, 8));
  });

  it('a day window gives nothing back until midnight, then everything', () => {
    const window = new CalendarWindow(3, 'midnight-utc', Date.UTC(2026, 0, 1, 12), 0);
    window.take(3, 0);
    expect(window.msUntil(1, 0)).toBe(12 * 3_600_000);
    expect(window.levelAt(11 * 3_600_000)).toBe(0);
    expect(window.levelAt(12 * 3_600_000)).toBe(3);
    window.take(1, 12 * 3_600_000);
    expect(window.levelAt(12 * 3_600_000 + 1)).toBe(2);
    expect(window.msUntil(4, 0)).toBe(Infinity);
  });

  it('latency samples are seeded, clamped, and follow their distribution', () => {
    const draws = (seed: number) => {
      const random = new SeededRandom(seed);
      return Array.from({ length: 5 }, () => sampleDelayMs({ kind: 'lognormal', medianMs: 100, sigma: 0.5 }, random));
    };
    expect(draws(1)).toEqual(draws(1));
    expect(draws(1)).not.toEqual(draws(2));
    const random = new SeededRandom(4);
    const uniform = Array.from({ length: 1000 }, () => sampleDelayMs({ kind: 'uniform', minMs: 10, maxMs: 20 }, random));
    expect(Math.min(...uniform)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...uniform)).toBeLessThanOrEqual(20);
    const normal = Array.from({ length: 2000 }, () => sampleDelayMs({ kind: 'normal', meanMs: 100, standardDeviationMs: 10 }, random));
    expect(normal.reduce((a, b) => a + b, 0) / normal.length).toBeGreaterThan(98);
    expect(normal.reduce((a, b) => a + b, 0) / normal.length).toBeLessThan(102);
    expect(sampleDelayMs({ kind: 'normal', meanMs: 0, standardDeviationMs: 1000 }, random)).toBeGreaterThanOrEqual(0);
    expect(sampleDelayMs(5_000_000, random)).toBe(600_000);
    expect(sampleDelayMs(undefined, random)).toBe(0);
  });
});

describe('mock configuration is validated with errors naming the field', () => {
  const rejects = async (options: Parameters<typeof startMockServer>[0], field: string) => {
    const error = await startMockServer(options).then(
      (server) => server.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MockConfigError);
    expect((error as MockConfigError).field).toBe(field);
  };

  it('refuses a non-loopback host', async () => {
    await rejects({ host: '0.0.0.0' }, 'host');
    await rejects({ host: '192.168.1.10' }, 'host');
  });

  it('names the bad field of a key', async () => {
    await rejects({ keys: { k: { provider: 'openia' as 'openai' } } }, 'keys.k.provider');
    await rejects({ keys: { 'sk-x': { provider: 'openai', limits: { requestsPerMinute: -1 } } } }, 'keys["sk-x"].limits.requestsPerMinute');
    await rejects({ keys: { k: { provider: 'openai', limits: { requestPerMinute: 5 } as never } } }, 'keys.k.limits.requestPerMinute');
    await rejects({ keys: { k: { provider: 'openai', accounting: 'tiktoken' as 'openai' } } }, 'keys.k.accounting');
    await rejects({ keys: { k: { provider: 'openai', outputTokens: { min: 10, max: 5 } } } }, 'keys.k.outputTokens.max');
    await rejects({ keys: { k: { provider: 'openai', quotaExhausted: 'billing' } } }, 'keys.k.quotaExhausted');
    await rejects({ keys: { k: { provider: 'openai', latency: { timeToFirstTokenMs: { kind: 'gamma' } as never } } } }, 'keys.k.latency.timeToFirstTokenMs.kind');
    await rejects({ keys: { k: { provider: 'openai', faults: { outages: [{ mode: 'reset', fromMs: 10, untilMs: 5 }] } } } }, 'keys.k.faults.outages[0].untilMs');
    await rejects({ keys: {} }, 'keys');
    await rejects({ port: 70_000 }, 'port');
  });

  it('serves all six providers with no configuration', async () => {
    const server = await startMockServer();
    try {
      expect(new Set(Object.values(server.keys).map((k) => k.provider))).toEqual(new Set(['openai', 'anthropic', 'google', 'xai', 'deepseek', 'moonshot']));
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await server.close();
    }
  });
});
