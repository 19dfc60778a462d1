/**
 * The provider's figures through Redis: one 'follow' call per response, read against what the
 * whole fleet admitted within the provider delay (the store's transit ring), raising the shared
 * level as well as lowering it; a reservation charged before the figure's moment but started after
 * it keeps the figure from raising; a refund of a request admitted before the figures last set the
 * level is dropped. Then three limiters sharing one budget against an independent model of the
 * provider's bucket: no refusal, and the raise is what keeps the goodput.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/limiter/rate-limiter.js';
import { SeededRandom } from '../../src/mock/random.js';
import type { SharedAdmitReply } from '../../src/limiter/shared-store.js';
import { redisStore } from '../../src/redis/index.js';
import { backendsCleanedAfterEach, costs, deleteKeys, redisUp, uniquePrefix } from './redis-harness.js';

const open = backendsCleanedAfterEach();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** 600 tokens per minute (0.01 per ms: refill is negligible over a test) in a bucket of 6 000, read 200 ms behind. */
const LIMITS = { tokensPerMinute: 600, burst: { tokensPerMinute: 6000 }, providerDelayMs: 200 };
const DELAY_PAST = 250;

function tokens(n: number, count = 1) {
  return Array.from({ length: count }, () => ({ costs: costs({ tokens: n }), slot: false, force: false, maxWaitMs: 0 }));
}

function storeTime(reply: SharedAdmitReply): number {
  expect(reply.storeTime).toBeDefined();
  return reply.storeTime!;
}

describe.skipIf(!redisUp)('the provider’s figures through Redis', () => {
  it('a figure is read against every process’s admissions within the provider delay, not only the caller’s', async () => {
    const { backend, peer } = open(LIMITS);
    const other = peer();
    await other.admit(tokens(100));
    await sleep(DELAY_PAST);
    // Another process admits ten requests the provider has not seen yet; this one follows a figure
    // that lacks them (the provider also charged someone else 100).
    await other.admit(tokens(100, 10));
    await backend.follow(undefined, [{ index: 1, remaining: 5800, exact: true, ownCost: 0 }]);
    const level = (await backend.state()).levels[1]!;
    // 5 800 less the ten in transit: at most 4 800 (taking only this process's transit, it stayed near 4 900).
    expect(level).toBeLessThanOrEqual(4801);
    expect(level).toBeGreaterThan(4000);
  });

  it('a figure showing the provider charged less raises the shared level, never above what it allows', async () => {
    const { backend } = open(LIMITS);
    await backend.admit(tokens(100, 11));
    await sleep(DELAY_PAST);
    // Admitted after the others had surely arrived: its figure holds every one of them.
    const reply = await backend.admit(tokens(100));
    const before = (await backend.state()).levels[1]!;
    expect(before).toBeLessThan(4810);
    // The provider charged the twelve 40 each (input only, say): 6 000 - 480.
    await backend.follow(undefined, [{ index: 1, remaining: 5520, exact: true, refillPerMs: 0.01, refillCap: 6000, admittedAt: storeTime(reply), ownCost: 100 }]);
    const after = (await backend.state()).levels[1]!;
    expect(after).toBeGreaterThan(5400);
    expect(after).toBeLessThanOrEqual(5521);
  });

  it('without a provider delay, a figure only lowers: nothing says what is still travelling to the provider', async () => {
    const { backend } = open({ ...LIMITS, providerDelayMs: 0 });
    await backend.admit(tokens(100, 11));
    await sleep(DELAY_PAST);
    const reply = await backend.admit(tokens(100));
    const before = (await backend.state()).levels[1]!;
    await backend.follow(undefined, [{ index: 1, remaining: 5520, exact: true, refillPerMs: 0.01, refillCap: 6000, admittedAt: storeTime(reply), ownCost: 100 }]);
    // The same figure raises the level to about 5 400 with a provider delay (the test above).
    expect((await backend.state()).levels[1]!).toBeLessThan(before + 10);
  });

  it('a reservation charged before the figure’s moment and started after it is not forgotten when the figure raises the level', async () => {
    const { backend } = open(LIMITS);
    await backend.admit(tokens(100, 11));
    await sleep(DELAY_PAST);
    // Reserved now for about ten seconds ahead: the provider will not see it for a while.
    const reserved = await backend.admit([{ costs: costs({ tokens: 5000 }), slot: false, force: false, maxWaitMs: 60_000 }]);
    expect(reserved.admitted[0]!.delayMs).toBeGreaterThan(5_000);
    await sleep(DELAY_PAST);
    const critical = await backend.admit([{ costs: costs({ tokens: 100 }), slot: false, force: true, maxWaitMs: 0 }]);
    await backend.follow(undefined, [{ index: 1, remaining: 5520, exact: true, refillPerMs: 0.01, refillCap: 6000, admittedAt: storeTime(critical), ownCost: 100 }]);
    // The figure lacks the reservation (not started): 5 520 less 5 000 at most, less the critical
    // request's transit; taking it as started before the figure, the 5 000 would be forgotten.
    const level = (await backend.state()).levels[1]!;
    expect(level).toBeLessThanOrEqual(521);
  });

  it('a refund of a request admitted before the figures set the level is dropped; a later one, or one of unknown age, is applied', async () => {
    const { backend } = open(LIMITS);
    const early = await backend.admit(tokens(1000));
    await sleep(DELAY_PAST);
    await backend.admit(tokens(100));
    await backend.follow(undefined, [{ index: 1, remaining: 3000, exact: false, ownCost: 0 }]);
    const synced = (await backend.state()).levels[1]!;
    expect(synced).toBeLessThan(3001);
    await backend.settle(null, [0, -500, 0, 0, 0, 0], storeTime(early));
    expect((await backend.state()).levels[1]!).toBeLessThan(synced + 5);
    const afterSync = await backend.admit(tokens(100));
    await backend.settle(null, [0, -500, 0, 0, 0, 0], storeTime(afterSync));
    expect((await backend.state()).levels[1]!).toBeGreaterThan(synced + 350);
    await backend.settle(null, [0, -50, 0, 0, 0, 0]);
    expect((await backend.state()).levels[1]!).toBeGreaterThan(synced + 440);
  });
});

/** The provider: a bucket of `tpm` refilled continuously, charging `share` of what we reserve. */
class ProviderBucket {
  refused = 0;
  charged = 0;
  private level: number;
  private last = performance.now();
  constructor(private readonly tpm: number) {
    this.level = tpm;
  }
  arrive(cost: number): number | undefined {
    this.refill();
    if (this.level + 1e-6 < cost) {
      this.refused++;
      return undefined;
    }
    this.level -= cost;
    this.charged += cost;
    return Math.floor(this.level);
  }
  remaining(): number {
    this.refill();
    return Math.floor(this.level);
  }
  private refill(): void {
    const now = performance.now();
    this.level = Math.min(this.tpm, this.level + ((now - this.last) * this.tpm) / 60_000);
    this.last = now;
  }
}

describe.skipIf(!redisUp)('three limiters sharing one budget against a provider charging less than they reserve', () => {
  const client = new Redis({ host: '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) });
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeys(client, prefix);
    client.disconnect();
  });

  const TPM = 6000;
  const RUN_MS = 6000;

  async function run(figureTaken: 'at-admission' | 'at-response') {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const provider = new ProviderBucket(TPM);
    const limiters = Array.from({ length: 3 }, () => new RateLimiter({ name: 'follow', tokensPerMinute: TPM, providerDelayMs: 250, maxWaitMs: RUN_MS, store: redisStore(client, { prefix }) }));
    const random = new SeededRandom(figureTaken === 'at-admission' ? 7 : 11);
    const endAt = performance.now() + RUN_MS;
    await Promise.all(
      limiters.flatMap((limiter) =>
        Array.from({ length: 6 }, async () => {
          while (performance.now() < endAt) {
            const lease = await limiter.acquire({ tokens: 100, maxWaitMs: Math.max(0, endAt - performance.now()) }).catch(() => undefined);
            if (!lease) return;
            // It reaches the provider at once (well within the provider delay), which charges 60 of the 100 reserved.
            const atAdmission = provider.arrive(60);
            await sleep(20 + random.next() * 300);
            if (atAdmission === undefined) limiter.applyProviderState({ limitTokens: TPM, retryAfterMs: 500 }, lease);
            else limiter.applyProviderState({ limitTokens: TPM, remainingTokens: figureTaken === 'at-admission' ? atAdmission : provider.remaining() }, lease);
            lease.release();
          }
        }),
      ),
    );
    for (const limiter of limiters) limiter.close();
    // What the provider allowed over the run: its bucket and the refill.
    return { refused: provider.refused, goodput: provider.charged / (TPM + (RUN_MS * TPM) / 60_000) };
  }

  for (const figureTaken of ['at-admission', 'at-response'] as const) {
    it(`figures taken ${figureTaken.replace('-', ' ')}: no refusal, and more admitted than the 100 reserved each would allow`, async () => {
      const { refused, goodput } = await run(figureTaken);
      expect(refused).toBe(0);
      // Reserving 100 for each 60 charged, without raising the shared level, stays near 0.6 of it.
      expect(goodput).toBeGreaterThan(0.75);
    }, 30_000);
  }
});
