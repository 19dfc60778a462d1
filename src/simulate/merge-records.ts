/** A fleet's records and progress as one: counts summed, lists joined, samples lined up by index. */
import type { CircuitState } from '../core/events.js';
import type { ProviderId } from '../providers/types.js';
import type { DriveProgress, DriveRecord } from './alert-driver.js';
import type { ProviderSample, Sample } from './recorder.js';

const SEVERITY: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2, isolated: 3 };

function addInto(target: Record<string, number>, source: Readonly<Record<string, number>>): Record<string, number> {
  for (const [key, n] of Object.entries(source)) target[key] = (target[key] ?? 0) + n;
  return target;
}

/** Providers as the fleet sees them: sums, and the worst breaker state any process has. */
export function mergeProviderSamples(list: readonly Partial<Record<ProviderId, ProviderSample>>[]): Partial<Record<ProviderId, ProviderSample>> {
  const out: Partial<Record<ProviderId, ProviderSample>> = {};
  for (const providers of list) {
    for (const [id, s] of Object.entries(providers) as [ProviderId, ProviderSample][]) {
      const prev = out[id];
      out[id] = prev
        ? {
            requestsLastMinute: prev.requestsLastMinute + s.requestsLastMinute,
            tokensLastMinute: prev.tokensLastMinute + s.tokensLastMinute,
            queued: prev.queued + s.queued,
            concurrent: prev.concurrent + s.concurrent,
            state: SEVERITY[s.state] > SEVERITY[prev.state] ? s.state : prev.state,
            served: prev.served + s.served,
          }
        : { ...s };
    }
  }
  return out;
}

export function mergeProgress(list: readonly DriveProgress[]): DriveProgress {
  return {
    elapsedMs: Math.max(0, ...list.map((p) => p.elapsedMs)),
    counts: {
      dispatched: list.reduce((n, p) => n + p.counts.dispatched, 0),
      succeeded: list.reduce((n, p) => n + p.counts.succeeded, 0),
      failed: list.reduce((n, p) => n + p.counts.failed, 0),
    },
    providers: mergeProviderSamples(list.map((p) => p.providers)),
    fallbacksFrom: list.reduce((acc, p) => addInto(acc, p.fallbacksFrom), {}),
  };
}

/** Worker `index`'s transitions keep their worker number: each process has its own view of a shared breaker. */
export function mergeRecords(records: readonly DriveRecord[]): DriveRecord {
  const length = Math.min(...records.map((r) => r.samples.length));
  const samples: Sample[] = [];
  for (let i = 0; i < length; i++) {
    const at = records.map((r) => r.samples[i]!);
    const counts = { dispatched: 0, succeeded: 0, failed: 0 };
    for (const s of at) {
      counts.dispatched += s.dispatched;
      counts.succeeded += s.succeeded;
      counts.failed += s.failed;
    }
    samples.push({ atMs: at[0]!.atMs, ...counts, inFlight: counts.dispatched - counts.succeeded - counts.failed, providers: mergeProviderSamples(at.map((s) => s.providers)) });
  }
  const byTime = <T extends { atMs: number }>(lists: T[][]) => lists.flat().sort((a, b) => a.atMs - b.atMs);
  return {
    counts: {
      dispatched: records.reduce((n, r) => n + r.counts.dispatched, 0),
      succeeded: records.reduce((n, r) => n + r.counts.succeeded, 0),
      failed: records.reduce((n, r) => n + r.counts.failed, 0),
    },
    servedByFallback: records.reduce((n, r) => n + r.servedByFallback, 0),
    failedByCause: records.reduce((acc, r) => addInto(acc, r.failedByCause), {}),
    latencies: byTime(records.map((r) => r.latencies)),
    samples,
    transitions: byTime(records.map((r, worker) => r.transitions.map((t) => ({ ...t, worker })))),
    attemptFailures: byTime(records.map((r) => r.attemptFailures)),
    fallbacksFrom: records.reduce((acc, r) => addInto(acc, r.fallbacksFrom), {}),
    servedBy: records.reduce((acc, r) => addInto(acc, r.servedBy), {}),
    retries: records.reduce((acc, r) => addInto(acc, r.retries), {}),
  };
}
