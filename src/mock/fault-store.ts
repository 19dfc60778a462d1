/**
 * The faults in force: global ones and per-key ones, set from the options or at run time. A
 * key's fields override the global fields one by one, except outages, which add up. Outage
 * windows are kept as absolute times, measured from when they were set.
 */
import type { MockFaults, MockLatency, OutageWindow, QuotaExhaustion, StreamFaults } from './options.js';
import type { SeededRandom } from './random.js';

/** An outage window in absolute clock time. */
export interface ActiveOutage {
  readonly startsAt: number;
  readonly endsAt: number;
  readonly mode: OutageWindow['mode'];
  readonly status: number;
}

/** The faults that apply to one key. */
export interface EffectiveFaults {
  readonly errorRates: Readonly<Record<string, number>> | undefined;
  readonly outages: readonly ActiveOutage[];
  readonly addedLatencyMs: number;
  readonly latency: MockLatency | undefined;
  readonly quotaExhausted: QuotaExhaustion | undefined;
  readonly stream: StreamFaults | undefined;
}

interface ScopedFaults {
  readonly faults: MockFaults;
  readonly outages: readonly ActiveOutage[];
}

const NONE: ScopedFaults = { faults: {}, outages: [] };

/** Global and per-key faults. */
export class FaultStore {
  private global: ScopedFaults = NONE;
  private readonly byKey = new Map<string, ScopedFaults>();

  /** Replaces the faults of `key`, or the global ones; outage windows start counting at `now`. */
  set(faults: MockFaults, key: string | undefined, now: number): void {
    const outages = (faults.outages ?? []).map((o) => ({
      startsAt: now + (o.fromMs ?? 0),
      endsAt: o.untilMs === undefined ? Infinity : now + o.untilMs,
      mode: o.mode,
      status: o.status ?? 503,
    }));
    const scoped = { faults, outages };
    if (key === undefined) this.global = scoped;
    else this.byKey.set(key, scoped);
  }

  /** Clears the faults of `key`, or all of them (global and every key's). */
  clear(key?: string): void {
    if (key !== undefined) {
      this.byKey.delete(key);
      return;
    }
    this.global = NONE;
    this.byKey.clear();
  }

  /** The faults that apply to `key`. */
  effective(key: string): EffectiveFaults {
    const own = this.byKey.get(key) ?? NONE;
    const pick = <K extends keyof MockFaults>(field: K): MockFaults[K] => own.faults[field] ?? this.global.faults[field];
    return {
      errorRates: pick('errorRates'),
      outages: [...this.global.outages, ...own.outages],
      addedLatencyMs: pick('addedLatencyMs') ?? 0,
      latency: pick('latency'),
      quotaExhausted: pick('quotaExhausted'),
      stream: pick('stream'),
    };
  }

  /** What was set, as given (`GET /_mock/faults`). */
  snapshot(): { global: MockFaults; keys: Record<string, MockFaults> } {
    return { global: this.global.faults, keys: Object.fromEntries([...this.byKey].map(([key, scoped]) => [key, scoped.faults])) };
  }
}

/** The outage in force at `now`, if any. */
export function activeOutage(faults: EffectiveFaults, now: number): ActiveOutage | undefined {
  return faults.outages.find((o) => now >= o.startsAt && now < o.endsAt);
}

/** The status of an injected error for this request, drawn with the key's seeded stream, or undefined. */
export function drawInjectedError(faults: EffectiveFaults, random: SeededRandom): number | undefined {
  if (!faults.errorRates) return undefined;
  const draw = random.next();
  let cumulative = 0;
  for (const [status, probability] of Object.entries(faults.errorRates)) {
    cumulative += probability;
    if (draw < cumulative) return Number(status);
  }
  return undefined;
}
