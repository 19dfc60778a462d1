/** What holds a request: one it can never fit, and the dimension named when it waits or is refused. */
import type { Admission } from './admission.js';
import { CONCURRENCY_INDEX } from './limiter-store.js';
import type { LimitTable } from './limit-table.js';
import { QUEUE_INDEX } from './limiter-meter.js';

/** The dimension a request costing more than its bucket holds, and why (undefined: it fits one day). */
export function neverFits(table: LimitTable, costs: Float64Array): { index: number; detail: string } | undefined {
  for (const d of table.dimensions) {
    if (costs[d.index]! > table.burst[d.index]!) return { index: d.index, detail: `needs ${costs[d.index]}, the bucket holds ${table.burst[d.index]}` };
  }
  return undefined;
}

/** The dimension that holds a request needing `waitMs` on rates: a rate, a pause, concurrency, or the queue ahead. */
export function heldBy(admission: Admission, maxConcurrent: number, costs: Float64Array, waitMs: number, now: number): number {
  if (waitMs > 0) return admission.blockingDimension(costs, now);
  return admission.inFlight >= maxConcurrent ? CONCURRENCY_INDEX : QUEUE_INDEX;
}
