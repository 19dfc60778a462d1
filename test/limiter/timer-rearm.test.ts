import { describe, expect, it } from 'vitest';
import { ManualClock, type TimerHandle } from '../../src/core/clock.js';
import { RateLimiter } from '../../src/limiter/rate-limiter.js';
import type { Lease } from '../../src/limiter/lease.js';

/** A ManualClock that counts the timers set on it. */
class CountingClock extends ManualClock {
  timersSet = 0;
  override setTimer(callback: () => void, delayMs: number): TimerHandle {
    this.timersSet++;
    return super.setTimer(callback, delayMs);
  }
}

describe('RateLimiter: one timer per batch, not per admission (issue 11)', () => {
  it('a refill that admits many waiters at once sets one timer for the rest', async () => {
    const clock = new CountingClock();
    const limiter = new RateLimiter({ requestsPerMinute: 60, clock, maxWaitMs: 600_000, maxQueue: 1_000 });
    const leases: Lease[] = [];
    for (let i = 0; i < 60; i++) leases.push(limiter.tryAcquire()!);
    const waiting = Array.from({ length: 100 }, () => limiter.acquire().then((lease) => leases.push(lease)));
    const before = clock.timersSet;
    await clock.advanceAsync(10_000);
    expect(leases.length).toBe(70);
    // One timer per second elapsed at most (each second admits one): not one per queued request.
    expect(clock.timersSet - before).toBeLessThanOrEqual(10);
    limiter.close();
    await Promise.allSettled(waiting);
  });

  it('queueing behind a waiter re-arms nothing', async () => {
    const clock = new CountingClock();
    const limiter = new RateLimiter({ requestsPerMinute: 1, clock, maxWaitMs: 600_000, maxQueue: 1_000 });
    limiter.tryAcquire();
    const first = limiter.acquire();
    const set = clock.timersSet;
    const rest = Array.from({ length: 5 }, () => limiter.acquire());
    expect(clock.timersSet).toBe(set);
    limiter.close();
    await Promise.allSettled([first, ...rest]);
  });

  it('releasing leases one by one admits waiters without re-arming the timer each time', async () => {
    const clock = new CountingClock();
    const limiter = new RateLimiter({ maxConcurrent: 10, clock, maxWaitMs: 600_000, maxQueue: 1_000 });
    const leases: Lease[] = [];
    for (let i = 0; i < 10; i++) {
      leases.push(limiter.tryAcquire()!);
      clock.advance(10);
    }
    const waiting = Array.from({ length: 50 }, () => limiter.acquire().then((lease) => leases.push(lease)));
    await clock.advanceAsync(0);
    const before = clock.timersSet;
    for (let i = 0; i < 40; i++) {
      leases[i]!.release();
      await clock.advanceAsync(1);
    }
    expect(leases.length).toBe(50);
    expect(clock.timersSet - before).toBeLessThanOrEqual(1);
    limiter.close();
    await Promise.allSettled(waiting);
  });

  it('a released batch of slots is admitted in one pump: all waiters admitted, one timer', async () => {
    const clock = new CountingClock();
    const limiter = new RateLimiter({ tokensPerMinute: 6_000, clock, maxWaitMs: 600_000, maxQueue: 1_000 });
    const big = limiter.tryAcquire({ tokens: 6_000 })!;
    const admitted: Lease[] = [];
    const waiting = Array.from({ length: 30 }, () => limiter.acquire({ tokens: 100 }).then((lease) => admitted.push(lease)));
    await clock.advanceAsync(0);
    const before = clock.timersSet;
    big.release({ tokens: 3_000 }); // a refund of 3 000 tokens: room for 30 at once
    await clock.advanceAsync(0);
    expect(admitted.length).toBe(30);
    expect(clock.timersSet - before).toBeLessThanOrEqual(1);
    await Promise.allSettled(waiting);
    expect(clock.pendingTimers).toBe(0);
  });
});
