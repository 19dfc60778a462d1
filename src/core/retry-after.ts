/**
 * Reading a wait out of an HTTP response or an error, in every form providers use:
 * `retry-after-ms` (milliseconds, may be fractional), `x-ms-retry-after-ms` (Azure),
 * `retry-after` (seconds, or an HTTP date).
 */

/** Anything header-like: a Fetch `Headers`, a plain record (any case), or a Map. */
export type HeaderSource =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | number | undefined | null>>;

/** Reads one header, case-insensitively, from any header-like object. */
export function readHeader(headers: HeaderSource | undefined | null, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  const getter = (headers as { get?: unknown }).get;
  if (typeof getter === 'function') {
    const value = (getter as (n: string) => unknown).call(headers, name);
    return typeof value === 'string' ? value : undefined;
  }
  const record = headers as Record<string, unknown>;
  let value = Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
  if (value === undefined) {
    const lower = name.toLowerCase();
    for (const key of Object.keys(record)) {
      if (key.toLowerCase() === lower) {
        value = record[key];
        break;
      }
    }
  }
  if (Array.isArray(value)) value = value[0];
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? value : undefined;
}

/** Upper bound for any parsed wait (a year): larger values are clamped to it, so they stay finite. */
export const MAX_SANE_WAIT_MS = 365 * 24 * 3_600_000;

function clampWait(n: number): number | undefined {
  if (Number.isNaN(n) || n < 0) return undefined;
  return n > MAX_SANE_WAIT_MS ? MAX_SANE_WAIT_MS : n;
}

/**
 * The wait a response asks for, in milliseconds, or undefined when it asks for none (or
 * something unreadable). `nowWallMs` resolves HTTP dates.
 */
export function retryAfterMsFromHeaders(headers: HeaderSource | undefined | null, nowWallMs: number): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const raw = readHeader(headers, name)?.trim();
    if (raw && /^\d+(\.\d+)?$/.test(raw)) {
      const ms = clampWait(Number(raw));
      if (ms !== undefined) return ms;
    }
  }
  const raw = readHeader(headers, 'retry-after')?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return clampWait(Number(raw) * 1000);
  // An HTTP date (RFC 9110 IMF-fixdate); one in the past means "now".
  if (!/[a-z]/i.test(raw)) return undefined;
  const date = Date.parse(raw);
  if (Number.isNaN(date)) return undefined;
  return clampWait(Math.max(0, date - nowWallMs));
}
