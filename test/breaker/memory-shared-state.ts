/**
 * An in-memory fleet for the shared-breaker tests: the semantics of the Redis breaker script on the
 * test's ManualClock (store time = clock time + an offset, so nothing may compare the two), with
 * switches to make the store fail or hang.
 */
import type { FleetView, ProbeGrant, SharedBreakerState } from '../../src/breaker/index.js';
import type { ManualClock } from '../../src/core/clock.js';
import { MAX_SHARED_QUORUM } from '../../src/breaker/index.js';

/** The store's clock starts far from the process's, as Redis TIME would. */
const STORE_OFFSET_MS = 1_700_000_000_000;

export class MemoryFleet {
  readonly reports = new Map<string, number>();
  readonly probes = new Map<string, number>();
  closedAt = 0;
  closedUntil = 0;
  /** Every call rejects (Redis unreachable). */
  down = false;
  /** Every call stays pending forever (a store without a timeout). */
  hang = false;
  /** Calls made, by operation. */
  readonly calls: Record<string, number> = {};
  private tokens = 0;

  constructor(
    readonly clock: ManualClock,
    readonly service = 'openai',
  ) {}

  get now(): number {
    return this.clock.now() + STORE_OFFSET_MS;
  }

  /** The state as process `processId` sees it. */
  state(processId: string, service = this.service): SharedBreakerState {
    return {
      service,
      processId,
      read: () => this.op('read', processId, () => undefined),
      reportOpen: (openMs) => this.op('reportOpen', processId, () => this.reports.set(processId, this.now + openMs)),
      reportClosed: (rememberMs) =>
        this.op('reportClosed', processId, () => {
          this.reports.clear();
          this.probes.clear();
          this.closedAt = this.now;
          this.closedUntil = this.now + rememberMs;
        }),
      acquireProbe: (maxInFlight, ttlMs) => {
        let token: string | null = null;
        return this.op('acquireProbe', processId, () => {
          if (this.live(this.probes) < maxInFlight) {
            token = `${processId}:${++this.tokens}`;
            this.probes.set(token, this.now + ttlMs);
          }
        }).then((view): ProbeGrant => ({ token, view }));
      },
      releaseProbe: (token) => this.op('releaseProbe', processId, () => this.probes.delete(token)),
    };
  }

  /** Live open reports (all processes). */
  get openReports(): number {
    return this.live(this.reports);
  }

  /** Live probe tokens. */
  get probesInFlight(): number {
    return this.live(this.probes);
  }

  private live(entries: Map<string, number>): number {
    let n = 0;
    for (const until of entries.values()) if (until > this.now) n++;
    return n;
  }

  private op(name: string, processId: string, effect: () => unknown): Promise<FleetView> {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    if (this.hang) return new Promise<FleetView>(() => undefined);
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1'));
    effect();
    return Promise.resolve(this.view(processId));
  }

  private view(processId: string): FleetView {
    const now = this.now;
    const remaining = [...this.reports].filter(([id, until]) => id !== processId && until > now).map(([, until]) => until - now);
    remaining.sort((a, b) => b - a);
    return {
      storeTimeMs: now,
      openReports: remaining.length,
      openRemainingMs: remaining.slice(0, MAX_SHARED_QUORUM),
      closedAtMs: this.closedUntil > now ? this.closedAt : 0,
      probesInFlight: this.probesInFlight,
    };
  }
}
