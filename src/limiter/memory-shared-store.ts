/**
 * `new MemorySharedStore({ clock })`: a shared limiter store kept in this process, for tests and
 * for simulating a fleet in one process. It answers exactly as the Redis store's admission script
 * would (batches, reservations, leases with a TTL, the provider's figures read against the
 * fleet's transit, live processes, configuration mismatches), but asynchronously, after a round
 * trip on the given clock: with a ManualClock shared with the limiters, the shared path runs
 * deterministically. Every limiter opened on the same key shares one state: each is a process of
 * the fleet.
 *
 * ```ts
 * const clock = new ManualClock();
 * const store = new MemorySharedStore({ clock, latencyMs: 2 });
 * const a = new RateLimiter({ name: 'openai', requestsPerMinute: 60, clock, store });
 * const b = new RateLimiter({ name: 'openai', requestsPerMinute: 60, clock, store }); // the same budget
 * store.down = true; // every call fails: the limiters fall back to their fail mode
 * ```
 */
import type { Clock } from '../core/clock.js';
import { ConfigError, messageOf, StoreError } from '../core/errors.js';
import { noUnknownKeys, nonNegativeNumber } from '../core/validate.js';
import type { LimiterSpec } from './limiter-store.js';
import { MemorySharedBackend, type StoreLink } from './memory-shared-backend.js';
import { callerSpec, MemoryLimiterKeys } from './memory-shared-keys.js';
import type { SharedLimiterStore, SharedStorePolicy } from './shared-store.js';
import { SHARED_STORE_POLICY_DEFAULTS, SHARED_STORE_POLICY_KEYS, sharedStorePolicy, type SharedStorePolicyOptions } from './shared-store-policy.js';

/** The clock and latency, and the policy options every shared store takes (failMode, localShare, ...: as for redisStore). */
export interface MemorySharedStoreOptions extends SharedStorePolicyOptions {
  /** The store's clock (what Redis TIME would answer). Share the limiters' ManualClock to run deterministically. */
  readonly clock: Clock;
  /** Round trip of every call, in ms: the call runs in the store halfway through it. Default 0: it answers on a microtask. */
  readonly latencyMs?: number;
}

/** The defaults: the shared stores' policy (redisStore's too), so that a test on this store exercises what production runs. */
export const MEMORY_SHARED_STORE_DEFAULTS = { latencyMs: 0, ...SHARED_STORE_POLICY_DEFAULTS } as const;

const KNOWN = ['clock', 'latencyMs', ...SHARED_STORE_POLICY_KEYS];
const PATH = 'memorySharedStore';

/**
 * A {@link SharedLimiterStore} in memory, for tests and single-process fleet simulations (not for
 * production: it shares nothing across processes). Fault injection: {@link down} makes every call
 * fail with a StoreError; {@link freeze} holds every call until {@link thaw}, which runs them in
 * order, as a Redis stopped with SIGSTOP does when it resumes.
 */
export class MemorySharedStore implements SharedLimiterStore {
  readonly kind = 'memory-shared' as const;
  readonly policy: SharedStorePolicy;
  readonly clock: Clock;
  readonly latencyMs: number;
  /** While true, every call fails with a StoreError (the store is unreachable); checked when a call reaches the store. */
  down = false;
  /** Calls made, by operation ('admit', 'settle', 'renew', 'hello', 'follow', 'unpause', 'state'). */
  readonly calls: Record<string, number> = {};
  private frozen = false;
  /** Calls that reached the frozen store, in arrival order. */
  private readonly held: (() => void)[] = [];
  private readonly limiters = new Map<string, MemoryLimiterKeys>();
  private leaseSerial = 0;
  private readonly link: StoreLink;

  constructor(options: MemorySharedStoreOptions) {
    if (options === null || typeof options !== 'object') throw new ConfigError(PATH, options, 'an object of MemorySharedStore options');
    noUnknownKeys(PATH, options, KNOWN);
    const clock = options.clock as Clock | undefined;
    if (!clock || typeof clock.now !== 'function' || typeof clock.setTimer !== 'function') throw new ConfigError(`${PATH}.clock`, clock, 'a Clock (systemClock, or a ManualClock shared with the limiters)');
    this.clock = clock;
    this.latencyMs = nonNegativeNumber(`${PATH}.latencyMs`, options.latencyMs ?? MEMORY_SHARED_STORE_DEFAULTS.latencyMs);
    this.policy = sharedStorePolicy(PATH, options);
    this.link = {
      clock,
      call: (op, operation) => this.call(op, operation),
      newLeaseId: () => `lease-${++this.leaseSerial}`,
    };
  }

  /** The shared state of limiter `key`: every backend opened on the same key shares it (one per process of a fleet). */
  openShared(key: string, spec: LimiterSpec): MemorySharedBackend {
    let keys = this.limiters.get(key);
    if (!keys) {
      keys = new MemoryLimiterKeys();
      this.limiters.set(key, keys);
    }
    return new MemorySharedBackend(this.link, keys, callerSpec(spec, this.policy.leaseTtlMs));
  }

  /** Holds every call that reaches the store from now on (a store that stopped answering, connections open). */
  freeze(): void {
    this.frozen = true;
  }

  /** Runs the calls held since {@link freeze}, in arrival order, at the clock's now; their answers follow a half round trip later. */
  thaw(): void {
    this.frozen = false;
    for (const arrive of this.held.splice(0)) arrive();
  }

  get isFrozen(): boolean {
    return this.frozen;
  }

  /** Calls held by a freeze, not run yet. */
  get heldCalls(): number {
    return this.held.length;
  }

  /**
   * One call: it reaches the store half a round trip after it is made and runs there atomically
   * (held while frozen, failed while down); the answer travels the other half. A failure is a
   * StoreError, as from the Redis store, never a rate-limit error.
   */
  private call<T>(op: string, operation: (now: number) => T): Promise<T> {
    this.calls[op] = (this.calls[op] ?? 0) + 1;
    const half = this.latencyMs / 2;
    return new Promise<T>((resolve, reject) => {
      const arrive = (): void => {
        if (this.frozen) {
          this.held.push(arrive);
          return;
        }
        let answer: () => void;
        if (this.down) {
          const error = new StoreError(op, 'error', 'the memory store is down (fault injected)');
          answer = () => reject(error);
        } else {
          try {
            const value = operation(this.clock.now());
            answer = () => resolve(value);
          } catch (error) {
            answer = () => reject(new StoreError(op, 'error', messageOf(error), { cause: error }));
          }
        }
        this.after(half, answer);
      };
      this.after(half, arrive);
    });
  }

  private after(ms: number, run: () => void): void {
    if (ms > 0) this.clock.setTimer(run, ms);
    else queueMicrotask(run);
  }
}
