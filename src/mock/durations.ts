/** Duration and time formats of the providers' headers and bodies. */

const trimSeconds = (ms: number): string => (ms / 1000).toFixed(3).replace(/\.?0+$/, '');

/**
 * Go's `time.Duration` text, as OpenAI's `x-ratelimit-reset-*` headers use it: `12ms`, `1s`,
 * `8.71s`, `6m0s`, `1m30.5s`, `1h0m0s`. Rounded up to the millisecond, so a client that waits
 * this long is never early.
 */
export function formatGoDuration(ms: number): string {
  const total = Math.ceil(Math.max(0, ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = `${trimSeconds(total % 60_000)}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

/** Google's duration text (`34.4s`), rounded up to the millisecond. */
export function formatGoogleDuration(ms: number): string {
  return `${trimSeconds(Math.ceil(Math.max(0, ms)))}s`;
}

/** RFC 3339 UTC time with whole seconds, rounded up (`2025-08-21T12:40:59Z`). */
export function formatRfc3339(epochMs: number): string {
  return new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Whole seconds for `retry-after`, rounded up, at least 1 for a positive wait. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(ms > 0 ? 1 : 0, Math.ceil(ms / 1000));
}
