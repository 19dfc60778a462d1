import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { LimitAudit } from '../../src/mock/limit-audit.js';
import { startMockServer, type KeyLedgerReport, type MockServer } from '../../src/mock/index.js';
import type { BucketSpec } from '../../src/mock/resolve-config.js';
import { ACCOUNTING_MODELS, anthropicMessage, auditedReplay, dataJson, openaiChat, parseSse, trafficArbitrary } from './helpers.js';

let mock: MockServer | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

const spec = (dimension: BucketSpec['dimension'], limit: number, capacity = limit): BucketSpec => ({ dimension, limit, periodMs: 60_000, capacity, ratePerMs: limit / 60_000, dailyReset: 'continuous' });

/** Runs `tasks` with at most `parallel` in flight. */
async function pool<T>(count: number, parallel: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await task(index);
      }
    }),
  );
  return results;
}

function checkArithmetic(ledger: KeyLedgerReport) {
  expect(ledger.received).toBe(ledger.invalid + ledger.abandoned + ledger.rejectedTotal + ledger.admitted + ledger.queued);
  expect(ledger.admitted).toBe(ledger.succeeded + ledger.failed + ledger.inFlight);
  expect(ledger.timeline.reduce((sum, s) => sum + s.admitted, 0)).toBe(ledger.admitted);
  expect(ledger.timeline.reduce((sum, s) => sum + s.rejected, 0)).toBe(ledger.rejectedTotal);
  expect(ledger.violations).toBe(0);
  expect(ledger.violationDetails).toEqual([]);
}

describe('mock ledger and its independent audit', () => {
  it('500 requests, 50 in flight, on two keys: the numbers add up and no admission breaks a limit', async () => {
    mock = await startMockServer({
      keys: {
        o: {
          provider: 'openai',
          limits: { requestsPerMinute: 3000, tokensPerMinute: 60_000, maxConcurrent: 20, burst: { requests: 40, tokens: 3000 } },
          outputTokens: { min: 1, max: 40 },
          tokensPerChunk: 4,
          latency: { timeToFirstTokenMs: { kind: 'uniform', minMs: 0, maxMs: 4 }, perChunkMs: { kind: 'lognormal', medianMs: 0.5, sigma: 1 } },
          faults: { errorRates: { '500': 0.05 } },
        },
        a: {
          provider: 'anthropic',
          limits: { requestsPerMinute: 3000, inputTokensPerMinute: 30_000, outputTokensPerMinute: 12_000, maxConcurrent: 15, burst: { requests: 40, inputTokens: 1000, outputTokens: 600 } },
          outputTokens: { min: 1, max: 60 },
          latency: { timeToFirstTokenMs: { kind: 'normal', meanMs: 2, standardDeviationMs: 1 } },
        },
      },
    });
    const server = mock;
    const seen = { o: { ok: 0, refused: 0, failed: 0, output: 0 }, a: { ok: 0, refused: 0, failed: 0, output: 0 } };
    await pool(500, 50, async (i) => {
      const key = i % 2 === 0 ? 'o' : 'a';
      const stream = i % 3 === 0;
      const response =
        key === 'o'
          ? await openaiChat(server, 'o', { max_tokens: 20 + (i % 7) * 10, stream, stream_options: { include_usage: true } })
          : await anthropicMessage(server, 'a', { max_tokens: 30 + (i % 5) * 20, stream });
      const text = await response.text();
      const tally = seen[key];
      if (response.status === 429) tally.refused++;
      else if (response.status !== 200) tally.failed++;
      else {
        tally.ok++;
        if (!stream) {
          const usage = (JSON.parse(text) as { usage: { completion_tokens?: number; output_tokens?: number } }).usage;
          tally.output += usage.completion_tokens ?? usage.output_tokens ?? 0;
        }
        else if (key === 'o') tally.output += (dataJson(parseSse(text)).at(-1)!.usage as { completion_tokens: number }).completion_tokens;
        else tally.output += (JSON.parse(parseSse(text).find((b) => b.event === 'message_delta')!.data!) as { usage: { output_tokens: number } }).usage.output_tokens;
      }
    });
    const report = server.ledger();
    expect(report.totals).toMatchObject({ received: 500, violations: 0 });
    for (const key of ['o', 'a'] as const) {
      const ledger = server.ledger(key);
      checkArithmetic(ledger);
      expect(ledger.inFlight).toBe(0);
      expect(ledger.succeeded).toBe(seen[key].ok);
      expect(ledger.failed).toBe(seen[key].failed);
      expect(ledger.rejectedTotal).toBe(seen[key].refused);
      expect(ledger.reported.outputTokens).toBe(seen[key].output);
      // The hammering did hit the limits, in more than one dimension.
      expect(seen[key].refused).toBeGreaterThan(0);
    }
    expect(server.ledger('o').peakConcurrency).toBeLessThanOrEqual(20);
    expect(server.ledger('a').peakConcurrency).toBeLessThanOrEqual(15);
    expect(server.ledger('o').failed).toBeGreaterThan(0);
    const rejectedDimensions = (ledger: KeyLedgerReport) => Object.entries(ledger.rejected).filter(([, n]) => n > 0).map(([reason]) => reason);
    expect([...rejectedDimensions(server.ledger('o')), ...rejectedDimensions(server.ledger('a'))].length).toBeGreaterThanOrEqual(2);
    // Anthropic's refunds happened: less output stays charged than was reserved.
    expect(server.ledger('a').charged.outputTokens).toBe(server.ledger('a').reported.outputTokens);
  }, 60_000);

  it('the audit flags an admission beyond capacity + rate × window, and a concurrency overrun', () => {
    const audit = new LimitAudit([spec('tokens', 600)], 2, 0, 0);
    audit.record('tokens', 600, 0);
    audit.record('tokens', 10, 1000); // 1 s refills 10 tokens: exactly allowed
    expect(audit.violationCount).toBe(0);
    audit.record('tokens', 1, 1000);
    expect(audit.violationCount).toBe(1);
    expect(audit.violations[0]).toMatchObject({ dimension: 'tokens', atMs: 1000, allowed: 600 });
    audit.enter(0);
    audit.enter(0);
    audit.enter(0);
    expect(audit.violationCount).toBe(2);
    expect(audit.violations[1]).toMatchObject({ dimension: 'concurrency', observed: 3, allowed: 2 });
  });

  it('a refund lets the same amount in again, but only once', () => {
    const audit = new LimitAudit([spec('outputTokens', 600)], undefined, 0, 0);
    audit.record('outputTokens', 600, 0);
    audit.record('outputTokens', -400, 0);
    audit.record('outputTokens', 400, 0);
    expect(audit.violationCount).toBe(0);
    audit.record('outputTokens', 1, 0);
    expect(audit.violationCount).toBe(1);
  });

  it('a daily quota that resets at midnight is audited per calendar day', () => {
    const daily: BucketSpec = { dimension: 'requestsPerDay', limit: 1500, periodMs: 86_400_000, capacity: 1500, ratePerMs: 1500 / 86_400_000, dailyReset: 'midnight-utc' };
    const audit = new LimitAudit([daily], undefined, 0, Date.UTC(2026, 0, 1, 23, 59));
    audit.record('requestsPerDay', 1500, 0);
    audit.record('requestsPerDay', 1500, 120_000); // 00:01 the next day: a new quota
    expect(audit.violationCount).toBe(0);
    audit.record('requestsPerDay', 1, 180_000);
    expect(audit.violations[0]).toMatchObject({ dimension: 'requestsPerDay', observed: 1501, allowed: 1500 });
  });

  it('property: whatever the traffic, the limiter never admits what the audit forbids', () => {
    fc.assert(
      fc.property(ACCOUNTING_MODELS, trafficArbitrary(3000), (model, steps) => {
        const daily: BucketSpec = { dimension: 'tokensPerDay', limit: 20_000, periodMs: 86_400_000, capacity: 20_000, ratePerMs: 20_000 / 86_400_000, dailyReset: 'midnight-utc' };
        const specs = [spec('requests', 30, 5), spec('tokens', 3000, 1500), spec('inputTokens', 2000), spec('outputTokens', 1200, 700), daily];
        // Five minutes before midnight UTC: the traffic crosses it.
        return auditedReplay(model, specs, Date.UTC(2026, 0, 1, 23, 55), steps) === 0;
      }),
      { numRuns: 300 },
    );
  });
});
