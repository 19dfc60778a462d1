/**
 * A fleet of processes sharing one budget through Redis (real processes, real Redis, real time):
 * four workers push as hard as they can; every admission Redis grants is replayed, in Redis time,
 * through an exact token bucket of the configured limits. No over-admission at all, and at least
 * 97 % of what the limits allow. Against the mock provider: zero 429s, zero violations, at least
 * 97 % of the provider's token allowance.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RateLimitExceededError } from '../../src/core/errors.js';
import { RateLimiter } from '../../src/limiter/rate-limiter.js';
import { type MockServer, startMockServer } from '../../src/mock/index.js';
import { redisStore } from '../../src/redis/index.js';
import { checkBucket, runWorkers, startWorker } from './fleet-harness.js';
import { deleteKeys, newClient, redisUp, uniquePrefix } from './redis-harness.js';

const RPM = 600;
const TPM = 40_000;
const DURATION_MS = 20_000;
const WORKERS = 4;
/**
 * The fleet against the mock provider: 8 processes × 16 callers, as issue 11 asks (override with
 * `FLEET_PROCESSES` / `FLEET_CALLERS`). On a 2-core machine their start lags admissions by several
 * hundred ms, more than the client's provider delay (100 ms): read against it, the first burst's
 * figures drew 37-58 × 429; the lead each process learns (provider-lead.ts) covers it.
 */
const MOCK_WORKERS = Number(process.env.FLEET_PROCESSES ?? 8);
const MOCK_CALLERS = Number(process.env.FLEET_CALLERS ?? 16);
const PORT = Number(process.env.REDIS_PORT ?? 6379);

const client = newClient();
const prefixes: string[] = [];
let mock: MockServer | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
  for (const prefix of prefixes.splice(0)) await deleteKeys(client, prefix);
});
afterAll(() => client.disconnect());

function freshPrefix(): string {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  return prefix;
}

function record(name: string, figures: Record<string, number>): void {
  mkdirSync('artifacts', { recursive: true });
  writeFileSync(`artifacts/fleet-${name}.json`, `${JSON.stringify(figures, null, 2)}\n`);
}

describe.skipIf(!redisUp)('a fleet of processes shares one budget through Redis', () => {
  it('600 RPM / 40 000 TPM for 20 s: no over-admission in any window, at least 97 % of the allowance', async () => {
    const prefix = freshPrefix();
    const results = await runWorkers(
      Array.from({ length: WORKERS }, (_, i) => ({ mode: 'limiter', prefix, redisPort: PORT, requestsPerMinute: RPM, tokensPerMinute: TPM, durationMs: DURATION_MS, callers: 8, seed: i + 1 })),
      DURATION_MS + 30_000,
    );
    const admissions = results.flatMap((r) => r.admissions);
    const requests = checkBucket(
      admissions.map(([t]) => [t, 1] as const),
      RPM,
      RPM,
    );
    const tokens = checkBucket(admissions, TPM, TPM);
    const used = Math.max(requests.used / requests.allowed, tokens.used / tokens.allowed);
    record('limiter', { admitted: admissions.length, tokens: tokens.used, tokensAllowed: Math.round(tokens.allowed), share: +used.toFixed(4), worstExcessTokens: tokens.worstExcess, worstExcessRequests: requests.worstExcess });
    expect(results.map((r) => ({ failed: r.failed, storeErrors: r.storeErrors, errors: r.errors }))).toEqual(Array.from({ length: WORKERS }, () => ({ failed: 0, storeErrors: 0, errors: [] })));
    // Every worker got a part of the budget.
    for (const r of results) expect(r.admissions.length).toBeGreaterThan(20);
    expect(requests.worstExcess).toBeLessThanOrEqual(0.01);
    expect(tokens.worstExcess).toBeLessThanOrEqual(0.01);
    expect(used).toBeGreaterThanOrEqual(0.97);
  }, 60_000);

  it(`${MOCK_WORKERS} processes × ${MOCK_CALLERS} callers against the mock provider: zero 429s, zero violations in its ledger, at least 97 % of its token allowance`, async () => {
    const prefix = freshPrefix();
    mock = await startMockServer({ seed: 5, keys: { 'sk-fleet': { provider: 'openai', limits: { requestsPerMinute: RPM, tokensPerMinute: TPM }, outputTokens: { min: 20, max: 100 } } } });
    const results = await runWorkers(
      Array.from({ length: MOCK_WORKERS }, (_, i) => ({ mode: 'mock', prefix, redisPort: PORT, requestsPerMinute: RPM, tokensPerMinute: TPM, durationMs: DURATION_MS, callers: MOCK_CALLERS, seed: i + 1, mockUrl: mock!.url })),
      DURATION_MS + 60_000,
    );
    const ledger = mock.ledger('sk-fleet');
    const succeeded = results.reduce((sum, r) => sum + (r.succeeded ?? 0), 0);
    const cutAtEnd = results.reduce((sum, r) => sum + (r.cutAtEnd ?? 0), 0);
    // What the provider allowed while the fleet ran: its bucket plus the refill from the first
    // second with an admission to the end of the last (whole seconds: an upper bound, so the share is a lower one).
    const busy = ledger.timeline.filter((second) => second.admitted > 0);
    const spanSeconds = busy.at(-1)!.second - busy[0]!.second + 1;
    const allowance = TPM + (TPM / 60) * spanSeconds;
    const share = ledger.charged.tokens / allowance;
    record('mock', { processes: MOCK_WORKERS, callers: MOCK_CALLERS, succeeded, rejected: ledger.rejectedTotal, violations: ledger.violations, tokensCharged: ledger.charged.tokens, allowance: Math.round(allowance), share: +share.toFixed(4) });
    expect(results.map((r) => ({ failed: r.failed, storeErrors: r.storeErrors, errors: r.errors }))).toEqual(Array.from({ length: MOCK_WORKERS }, () => ({ failed: 0, storeErrors: 0, errors: [] })));
    expect(ledger.rejectedTotal).toBe(0);
    expect(ledger.violations).toBe(0);
    expect(share).toBeGreaterThanOrEqual(0.97);
    // Every success the provider counted reached a caller, except calls the run's end cut while
    // the answer was on its way (the provider counted them; the caller stopped listening).
    expect(ledger.succeeded).toBeGreaterThanOrEqual(succeeded);
    expect(ledger.succeeded - succeeded).toBeLessThanOrEqual(cutAtEnd);
  }, 90_000);

  it('a worker killed (SIGKILL) while holding leases frees them when their TTL expires', async () => {
    const prefix = freshPrefix();
    const ttlMs = 1_500;
    const worker = startWorker({ mode: 'hold', prefix, redisPort: PORT, requestsPerMinute: RPM, maxConcurrent: 3, hold: 3, leaseTtlMs: ttlMs, durationMs: 0, callers: 1, seed: 9 }, 20_000);
    await worker.line('held');
    const limiter = new RateLimiter({ name: 'fleet', maxConcurrent: 3, store: redisStore(client, { prefix, leaseTtlMs: ttlMs }) });
    try {
      // While the worker lives, it renews its leases: nothing for us, even after a full TTL.
      await expect(limiter.acquire({ maxWaitMs: ttlMs * 1.5 })).rejects.toBeInstanceOf(RateLimitExceededError);
      worker.child.kill('SIGKILL');
      const killedAt = performance.now();
      const leases = await Promise.all([limiter.acquire({ maxWaitMs: ttlMs * 3 }), limiter.acquire({ maxWaitMs: ttlMs * 3 }), limiter.acquire({ maxWaitMs: ttlMs * 3 })]);
      const freedAfterMs = performance.now() - killedAt;
      record('sigkill', { ttlMs, freedAfterMs: Math.round(freedAfterMs) });
      expect(freedAfterMs).toBeLessThanOrEqual(ttlMs + 500);
      expect(limiter.stats().expiredLeases).toBe(3);
      for (const lease of leases) lease.release();
    } finally {
      limiter.close();
      worker.child.kill('SIGKILL');
    }
  }, 30_000);
});
