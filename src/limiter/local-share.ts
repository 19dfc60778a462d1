/** The options of a local limiter holding `share` of a shared limiter's limits (while the store is down). */
import type { RateLimiterOptions } from './limiter-options.js';
import type { DimensionSpec } from './limiter-store.js';

export function localShareOptions(options: RateLimiterOptions, dimensions: readonly DimensionSpec[], maxConcurrent: number, share: number): RateLimiterOptions {
  const local: RateLimiterOptions = { ...options, store: undefined, key: undefined, burst: {} };
  for (const d of dimensions) {
    // A request dimension keeps room for one request, so a share never makes every request impossible.
    const floor = d.name.startsWith('requests') ? 1 : 0;
    local[d.name] = Math.max(floor, d.limit * share);
    local.burst![d.name] = Math.max(floor, d.burst * share);
  }
  if (Number.isFinite(maxConcurrent)) local.maxConcurrent = Math.max(1, Math.floor(maxConcurrent * share));
  return local;
}
