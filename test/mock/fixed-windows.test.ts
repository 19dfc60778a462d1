import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CalendarWindow } from '../../src/mock/calendar-window.js';
import { startMockServer, type MockServer } from '../../src/mock/index.js';
import { LimitAudit } from '../../src/mock/limit-audit.js';
import type { BucketSpec } from '../../src/mock/resolve-config.js';
import { ACCOUNTING_MODELS, auditedReplay, oneMessagePrompt, openaiChat, startOnManualClock, statuses, trafficArbitrary } from './helpers.js';

let mock: MockServer | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

/** A fixed-minute spec of the mock's resolved form. */
const fixed = (dimension: BucketSpec['dimension'], limit: number): BucketSpec => ({ dimension, limit, periodMs: 60_000, capacity: limit, ratePerMs: limit / 60_000, dailyReset: 'continuous', window: 'fixed-minute' });

describe("mock limits: 'fixed-minute' windows", () => {
  // The manual clock's wall time starts at 12:00:00 UTC, on a minute boundary.
  it('a minute allows the whole limit at once, nothing comes back within it, and everything at the boundary', async () => {
    const started = await startOnManualClock({ keys: { k: { provider: 'openai', limits: { requestsPerMinute: 6, window: 'fixed-minute' }, outputTokens: 1 } } });
    mock = started.mock;
    const { clock } = started;
    clock.advance(15_000); // 12:00:15
    expect(await statuses(6, () => openaiChat(mock!, 'k', {}))).toEqual([200, 200, 200, 200, 200, 200]);
    // A continuous bucket would give one back every 10 s; a fixed window gives nothing before 12:01.
    clock.advance(40_000); // 12:00:55
    const refused = await openaiChat(mock, 'k', {});
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after-ms')).toBe('5000');
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(refused.headers.get('x-ratelimit-reset-requests')).toBe('5s');
    await refused.arrayBuffer();
    clock.advance(5_000); // 12:01:00
    const first = await openaiChat(mock, 'k', {});
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('5');
    expect(first.headers.get('x-ratelimit-reset-requests')).toBe('1m0s');
    await first.arrayBuffer();
    expect(await statuses(6, () => openaiChat(mock!, 'k', {}))).toEqual([200, 200, 200, 200, 200, 429]);
    expect(mock.ledger('k')).toMatchObject({ admitted: 12, rejectedTotal: 2, violations: 0 });
  });

  it('tokens: remaining in the current minute, reset at the next boundary', async () => {
    const started = await startOnManualClock({ keys: { k: { provider: 'openai', limits: { tokensPerMinute: 1_000, window: 'fixed-minute' }, outputTokens: 1 } } });
    mock = started.mock;
    started.clock.advance(42_500); // 12:00:42.5
    const charge = oneMessagePrompt('Hello there'.length) + 100;
    const response = await openaiChat(mock, 'k', { max_tokens: 100 });
    expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('1000');
    expect(response.headers.get('x-ratelimit-remaining-tokens')).toBe(String(1_000 - charge));
    expect(response.headers.get('x-ratelimit-reset-tokens')).toBe('17.5s');
    await response.arrayBuffer();
    expect(mock.keys.k!.buckets).toEqual([{ dimension: 'tokens', limit: 1_000, capacity: 1_000, window: 'fixed-minute' }]);
  });

  it('the audit allows a whole limit on each side of a boundary (what a bucket audit would call a violation)', async () => {
    const started = await startOnManualClock({ keys: { k: { provider: 'openai', limits: { requestsPerMinute: 6, window: 'fixed-minute' }, outputTokens: 1 } } });
    mock = started.mock;
    started.clock.advance(59_900); // 12:00:59.9
    expect(await statuses(6, () => openaiChat(mock!, 'k', {}))).toEqual(Array(6).fill(200));
    started.clock.advance(100); // 12:01:00
    expect(await statuses(7, () => openaiChat(mock!, 'k', {}))).toEqual([...Array(6).fill(200), 429]);
    expect(mock.ledger('k')).toMatchObject({ admitted: 12, violations: 0 });
  });

  it('the audit still finds more than the limit in one minute', () => {
    const audit = new LimitAudit([fixed('requests', 6)], undefined, 0, Date.UTC(2026, 0, 1, 12));
    for (let i = 0; i < 6; i++) audit.record('requests', 1, 59_000);
    expect(audit.violationCount).toBe(0);
    audit.record('requests', 1, 59_999);
    expect(audit.violations[0]).toMatchObject({ dimension: 'requests', observed: 7, allowed: 6 });
  });

  it('a refund goes back only to the window its charge went to', () => {
    const window = new CalendarWindow(1_000, 'minute', Date.UTC(2026, 0, 1, 12), 0);
    window.take(800, 59_000);
    window.take(900, 61_000); // the next minute
    window.refund(700, 62_000, 59_000); // charged in the minute before: gone with it
    expect(window.levelAt(62_000)).toBe(100);
    window.refund(500, 62_000, 61_000);
    expect(window.levelAt(62_000)).toBe(600);
    const audit = new LimitAudit([fixed('outputTokens', 1_000)], undefined, 0, Date.UTC(2026, 0, 1, 12));
    audit.record('outputTokens', 800, 59_000);
    audit.record('outputTokens', 900, 61_000);
    audit.record('outputTokens', -700, 62_000, 59_000);
    audit.record('outputTokens', 200, 62_000);
    expect(audit.violationCount).toBe(1);
  });

  it('a burst cannot be set with fixed windows', async () => {
    await expect(startMockServer({ keys: { k: { provider: 'openai', limits: { requestsPerMinute: 6, window: 'fixed-minute', burst: { requests: 2 } } } } })).rejects.toThrow(/keys\.k\.limits\.burst/);
    await expect(startMockServer({ keys: { k: { provider: 'openai', limits: { requestsPerMinute: 6, window: 'fixed-hour' as 'fixed-minute' } } } })).rejects.toThrow(/keys\.k\.limits\.window/);
  });

  it('property: whatever the traffic and refunds across boundaries, the limiter never admits what the audit forbids', () => {
    fc.assert(
      fc.property(ACCOUNTING_MODELS, trafficArbitrary(4000), (model, steps) => {
        const specs = [fixed('requests', 30), fixed('tokens', 3000), fixed('inputTokens', 2000), fixed('outputTokens', 1200)];
        // 20 s before a minute boundary: the traffic crosses several.
        return auditedReplay(model, specs, Date.UTC(2026, 0, 1, 11, 59, 40), steps) === 0;
      }),
      { numRuns: 300 },
    );
  });
});
