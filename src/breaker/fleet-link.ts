/**
 * A breaker's link to its fleet through a {@link SharedBreakerState}: the cached fleet view, the
 * probe tokens this process holds, and the store's health. The call path never waits on the store:
 * the view is refreshed in the background (at most every `refreshMs`, only while the breaker is
 * used, and by the reply to each of its own transitions) and the breaker reads it synchronously.
 * A store failure only leaves the breaker on its local state until the store answers again.
 */
import type { Clock } from '../core/clock.js';
import { StoreError, messageOf } from '../core/errors.js';
import { type CircuitState, EventChannel } from '../core/events.js';
import type { FleetView, SharedBreakerHealthEvent, SharedBreakerState, SharedBreakerStats } from './shared-breaker-state.js';

/** What the fleet asks of the breaker now: nothing, open (or stay open until {@link FleetLink.openUntil}), or close. */
export type FleetAdvice = 'none' | 'open' | 'close';

export interface FleetLinkOptions {
  readonly quorum: number;
  readonly refreshMs: number;
  readonly halfOpenMaxCalls: number;
  /** A probe token's lifetime in the store: a probe is declared hung after this anyway. */
  readonly probeTtlMs: number;
  /** How long a close is remembered: the longest a breaker may stay open. */
  readonly closeMemoryMs: number;
}

/** A view older than this many refresh periods is not acted on (the store stopped answering, or nobody called). */
const STALE_REFRESHES = 3;
/** Tokens of probes whose outcome never came are forgotten beyond this many times halfOpenMaxCalls (the store's TTL frees them). */
const IN_USE_MULTIPLE = 4;

interface ProbeInUse {
  readonly epoch: number;
  readonly token: string;
}

export class FleetLink {
  /** Health changes of the store, as this process sees them. */
  readonly onHealth = new EventChannel<SharedBreakerHealthEvent>();
  private readonly staleMs: number;
  // The last view applied; `viewAt` is local time. A reply is dropped when a newer one was applied,
  // or when it was sent before this breaker's last own transition (it may still count our report).
  private viewAt = Number.NEGATIVE_INFINITY;
  private viewStoreTimeMs = 0;
  private quorumUntil = Number.NEGATIVE_INFINITY;
  private closedAtStoreMs = 0;
  private openReports = 0;
  private fleetProbes = 0;
  private nextSeq = 1;
  private appliedSeq = 0;
  private minSeq = 0;
  private nextReadAt = Number.NEGATIVE_INFINITY;
  private reads = 0;
  private readSentAt: number | null = null;
  // This breaker's current open: whether the fleet caused it, and its store time once known.
  private openedByFleet = false;
  private openedAtStoreMs: number | null = null;
  private generation = 0;
  private halfOpen = false;
  // Probe tokens: acquired and not used yet, and used by probes still running (with their epoch).
  private readonly ready: string[] = [];
  private inUse: ProbeInUse[] = [];
  private acquiring = false;
  private nextAcquireAt = Number.NEGATIVE_INFINITY;
  private healthy = true;
  private downSince = 0;
  private failures = 0;
  private lastError: StoreError | null = null;
  private lastSyncAt: number | null = null;

  constructor(
    private readonly store: SharedBreakerState,
    private readonly options: FleetLinkOptions,
    private readonly clock: Clock,
  ) {
    this.staleMs = options.refreshMs * STALE_REFRESHES;
  }

  /** Local deadline of the fleet's open, when {@link advise} said 'open'. */
  get openUntil(): number {
    return this.quorumUntil;
  }

  /** Other processes' live reports in the last view. */
  get reports(): number {
    return this.openReports;
  }

  /** The last store failure, or null (always a StoreError, whatever the store rejected with). */
  get storeError(): StoreError | null {
    return this.lastError;
  }

  /** Starts a background refresh when one is due. */
  poll(now: number): void {
    if (now < this.nextReadAt) return;
    // A read that never settles (a store without a timeout) does not stop the refreshes for long.
    if (this.readSentAt !== null && now - this.readSentAt < this.staleMs) return;
    this.nextReadAt = now + this.options.refreshMs;
    this.readSentAt = now;
    const read = ++this.reads;
    this.send('read', () => this.store.read(), (view, seq) => this.apply(seq, view), () => {
      if (read === this.reads) this.readSentAt = null;
    });
  }

  /**
   * The rule, in one place. A live quorum of other processes' reports opens a breaker that is not
   * open on its own evidence (closed, half-open, or opened by the fleet: it stays open as long as
   * the quorum lasts). Without one, a close published since this breaker opened closes it when the
   * fleet opened it or when it is half-open; a breaker opened by its own failures serves its open time.
   */
  advise(state: CircuitState, now: number): FleetAdvice {
    if (state === 'isolated' || (state === 'open' && !this.openedByFleet) || now - this.viewAt > this.staleMs) return 'none';
    if (this.quorumUntil > now) return 'open';
    if (state !== 'closed' && this.openedAtStoreMs !== null && this.closedAtStoreMs > this.openedAtStoreMs) return 'close';
    return 'none';
  }

  /** The breaker changed state; `fromFleet` when the fleet's advice made it. Publishes this process's own openings and closings. */
  onTransition(to: CircuitState, fromFleet: boolean, openMs: number): void {
    this.halfOpen = to === 'half_open';
    // Half-open keeps the open's origin and store time: a close published since still applies.
    if (this.halfOpen) return;
    this.releaseReady();
    this.generation++;
    this.openedByFleet = to === 'open' && fromFleet;
    this.openedAtStoreMs = this.openedByFleet ? this.viewStoreTimeMs : null;
    // What the fleet said is not evidence to publish again; isolation is a local, manual act.
    if (fromFleet || to === 'isolated') return;
    if (to === 'open') this.publishOpen(openMs);
    else this.publishClosed();
  }

  /**
   * A fleet token for a half-open probe: true when one is held (or when the store is unhealthy:
   * probes are then limited locally only). Otherwise asks the store for one in the background and
   * answers false; the call is refused, and a later call takes the token.
   */
  takeProbeToken(now: number, epoch: number): boolean {
    if (!this.healthy) return true;
    const token = this.ready.pop();
    if (token !== undefined) {
      this.inUse.push({ epoch, token });
      if (this.inUse.length > this.options.halfOpenMaxCalls * IN_USE_MULTIPLE) this.inUse.shift();
      return true;
    }
    if (!this.acquiring && now >= this.nextAcquireAt) this.acquire(now);
    return false;
  }

  /**
   * A call permitted in `epoch` ended: if it was a probe holding a token, the token goes back. Outcomes
   * do not say which probe they belong to, so the oldest token of that epoch is returned.
   */
  probeEnded(epoch: number): void {
    if (this.inUse.length === 0) return;
    const index = this.inUse.findIndex((probe) => probe.epoch === epoch);
    if (index < 0) return;
    const [probe] = this.inUse.splice(index, 1);
    this.release(probe!.token);
  }

  stats(now: number): SharedBreakerStats {
    const fresh = now - this.viewAt <= this.staleMs;
    return {
      processId: this.store.processId,
      healthy: this.healthy,
      quorum: this.options.quorum,
      openReports: fresh ? this.openReports : null,
      fleetProbesInFlight: fresh ? this.fleetProbes : null,
      openedByFleet: this.openedByFleet,
      storeFailures: this.failures,
      lastError: this.lastError?.message ?? null,
      lastSyncAt: this.lastSyncAt,
    };
  }

  private publishOpen(openMs: number): void {
    this.invalidate();
    const generation = this.generation;
    this.send('reportOpen', () => this.store.reportOpen(openMs), (view, seq) => {
      this.apply(seq, view);
      // Closes published after our report (in the store's order) are the ones that may close us.
      if (generation === this.generation) this.openedAtStoreMs = view.storeTimeMs;
    });
  }

  private publishClosed(): void {
    this.invalidate();
    // The close clears every token in the store.
    this.ready.length = 0;
    this.inUse = [];
    this.send('reportClosed', () => this.store.reportClosed(this.options.closeMemoryMs), (view, seq) => this.apply(seq, view));
  }

  private acquire(now: number): void {
    this.acquiring = true;
    // Refused or failed: ask again after a refresh period, not on every call.
    this.nextAcquireAt = now + this.options.refreshMs;
    const { halfOpenMaxCalls, probeTtlMs } = this.options;
    this.send(
      'acquireProbe',
      () => this.store.acquireProbe(halfOpenMaxCalls, probeTtlMs),
      (grant, seq) => {
        this.apply(seq, grant.view);
        if (grant.token === null) return;
        if (typeof grant.token !== 'string') throw new TypeError(`a probe token must be a string or null, got ${typeof grant.token}`);
        if (!this.halfOpen) {
          this.release(grant.token);
          return;
        }
        this.ready.push(grant.token);
        this.nextAcquireAt = Number.NEGATIVE_INFINITY;
      },
      () => {
        this.acquiring = false;
      },
    );
  }

  private release(token: string): void {
    this.send('releaseProbe', () => this.store.releaseProbe(token), (view, seq) => this.apply(seq, view));
  }

  private releaseReady(): void {
    for (let token = this.ready.pop(); token !== undefined; token = this.ready.pop()) this.release(token);
  }

  /** Replies to requests sent before now are not applied (they may still count this process's own report). */
  private invalidate(): void {
    this.minSeq = this.nextSeq;
    this.viewAt = Number.NEGATIVE_INFINITY;
    this.quorumUntil = Number.NEGATIVE_INFINITY;
  }

  private apply(seq: number, view: FleetView): void {
    checkView(view);
    if (seq < this.minSeq || seq < this.appliedSeq) return;
    this.appliedSeq = seq;
    const at = this.clock.now();
    this.viewAt = at;
    this.viewStoreTimeMs = view.storeTimeMs;
    this.closedAtStoreMs = view.closedAtMs;
    this.openReports = view.openReports;
    this.fleetProbes = view.probesInFlight;
    const remaining = view.openRemainingMs[this.options.quorum - 1];
    this.quorumUntil = remaining !== undefined && remaining > 0 ? at + remaining : Number.NEGATIVE_INFINITY;
    this.lastSyncAt = this.clock.wallTime();
  }

  /**
   * Starts a store call in the background. Whatever the store does (rejects, throws synchronously,
   * answers nonsense) ends as a counted StoreError: nothing reaches the caller or goes unhandled.
   */
  private send<T>(operation: string, start: () => Promise<T>, onReply: (reply: T, seq: number) => void, onSettled?: () => void): void {
    const seq = this.nextSeq++;
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(start());
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (reply) => {
        onSettled?.();
        try {
          onReply(reply, seq);
        } catch (error) {
          this.failed(operation, new StoreError(operation, 'bad_reply', messageOf(error), { cause: error }));
          return;
        }
        this.succeeded();
      },
      (error: unknown) => {
        onSettled?.();
        this.failed(operation, error);
      },
    );
  }

  private succeeded(): void {
    if (this.healthy) return;
    this.healthy = true;
    if (this.onHealth.hasListeners) {
      this.onHealth.emit({ type: 'shared_breaker_health', service: this.store.service, at: this.clock.wallTime(), healthy: true, downMs: this.clock.now() - this.downSince });
    }
  }

  private failed(operation: string, error: unknown): void {
    this.failures++;
    const storeError = error instanceof StoreError ? error : new StoreError(operation, 'error', messageOf(error), { cause: error });
    this.lastError = storeError;
    if (!this.healthy) return;
    this.healthy = false;
    this.downSince = this.clock.now();
    if (this.onHealth.hasListeners) {
      this.onHealth.emit({ type: 'shared_breaker_health', service: this.store.service, at: this.clock.wallTime(), healthy: false, message: storeError.message, error: storeError });
    }
  }
}

/** A view a store answered, checked before anything is taken from it. */
function checkView(view: FleetView): void {
  const finite = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);
  if (
    typeof view !== 'object' ||
    view === null ||
    !finite(view.storeTimeMs) ||
    !finite(view.openReports) ||
    !finite(view.closedAtMs) ||
    !finite(view.probesInFlight) ||
    !Array.isArray(view.openRemainingMs) ||
    !view.openRemainingMs.every(finite)
  ) {
    throw new TypeError('the shared breaker state answered a malformed fleet view');
  }
}
