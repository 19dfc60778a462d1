/**
 * The server's state: keys, faults, timers and the requests in flight, with the operations the
 * server object and the control endpoint share.
 */
import type { ServerResponse } from 'node:http';
import { wallTimeOf } from './clock.js';
import { FaultStore } from './fault-store.js';
import { KeyState } from './key-state.js';
import type { KeyLedgerReport } from './ledger.js';
import type { MockFaults } from './options.js';
import { randomFor, type SeededRandom } from './random.js';
import type { ResolvedConfig } from './resolve-config.js';
import { TimerRegistry } from './timers.js';
import { MockConfigError } from './validation.js';

/** The ledger of every key, with totals. */
export interface MockLedgerReport {
  readonly keys: Readonly<Record<string, KeyLedgerReport>>;
  /** Requests refused before any key was known (missing or unknown key). */
  readonly unauthorized: number;
  readonly totals: { readonly received: number; readonly admitted: number; readonly rejected: number; readonly violations: number };
}

/** The running server's state. */
export class MockRuntime {
  readonly clock: ResolvedConfig['clock'];
  readonly wallNow: () => number;
  readonly timers: TimerRegistry;
  readonly faults = new FaultStore();
  readonly keys = new Map<string, KeyState>();
  readonly startedAt: number;
  private readonly ids: SeededRandom;
  private readonly open = new Map<ServerResponse, AbortController>();
  private unauthorizedCount = 0;
  closed = false;

  constructor(readonly config: ResolvedConfig) {
    this.clock = config.clock;
    this.wallNow = wallTimeOf(config.clock);
    this.timers = new TimerRegistry(config.clock);
    this.startedAt = config.clock.now();
    this.ids = randomFor(config.seed, 'request-ids');
    const now = () => this.clock.now();
    const wallOffsetMs = this.wallNow() - this.startedAt;
    for (const [apiKey, key] of config.keys) this.keys.set(apiKey, new KeyState(key, config.seed, this.startedAt, this.timers, now, wallOffsetMs));
    this.installConfiguredFaults();
  }

  /** A new request id (`req_` and 24 hex digits). */
  requestId(): string {
    return `req_${this.ids.hex(24)}`;
  }

  /** A request that cannot be tied to a key. */
  unauthorized(): void {
    this.unauthorizedCount++;
  }

  /** Follows a response until it closes; the signal aborts if the client leaves first or the server closes. */
  track(res: ServerResponse): AbortSignal {
    const controller = new AbortController();
    this.open.set(res, controller);
    res.once('close', () => {
      this.open.delete(res);
      if (!res.writableFinished) controller.abort();
    });
    return controller.signal;
  }

  /** Replaces the faults of one key, or the global faults. */
  setFaults(faults: MockFaults, key?: string): void {
    if (key !== undefined && !this.keys.has(key)) throw new MockConfigError('key', `unknown key ${JSON.stringify(key)}`);
    this.faults.set(faults, key, this.clock.now());
  }

  /** Clears one key's faults, or every fault. */
  clearFaults(key?: string): void {
    if (key !== undefined && !this.keys.has(key)) throw new MockConfigError('key', `unknown key ${JSON.stringify(key)}`);
    this.faults.clear(key);
  }

  /** Clears ledgers and faults and refills every bucket; the configured faults apply again. */
  reset(): void {
    this.faults.clear();
    this.unauthorizedCount = 0;
    for (const key of this.keys.values()) key.reset();
    this.installConfiguredFaults();
  }

  /** The ledger of every key. */
  ledger(): MockLedgerReport {
    const keys = Object.fromEntries([...this.keys].map(([apiKey, key]) => [apiKey, key.report()]));
    const all = Object.values(keys);
    const sum = (pick: (r: KeyLedgerReport) => number) => all.reduce((total, r) => total + pick(r), 0);
    return {
      keys,
      unauthorized: this.unauthorizedCount,
      totals: { received: sum((r) => r.received), admitted: sum((r) => r.admitted), rejected: sum((r) => r.rejectedTotal), violations: sum((r) => r.violations) },
    };
  }

  /** One key's ledger. */
  keyLedger(apiKey: string): KeyLedgerReport {
    const key = this.keys.get(apiKey);
    if (!key) throw new MockConfigError('key', `unknown key ${JSON.stringify(apiKey)}`);
    return key.report();
  }

  /** Ends every request in flight and cancels every timer. */
  shutdown(): void {
    this.closed = true;
    for (const [res, controller] of this.open) {
      controller.abort();
      res.destroy();
    }
    this.open.clear();
    this.timers.clearAll();
  }

  private installConfiguredFaults(): void {
    const now = this.clock.now();
    if (this.config.faults) this.faults.set(this.config.faults, undefined, now);
    for (const [apiKey, key] of this.config.keys) if (key.faults) this.faults.set(key.faults, apiKey, now);
  }
}
