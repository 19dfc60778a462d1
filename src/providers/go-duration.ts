/**
 * OpenAI's `x-ratelimit-reset-*` values are Go durations: `1s`, `6m0s`, `20ms`, `8.71s`,
 * `1h2m3.5s`. Returns milliseconds, or undefined for anything else (never throws).
 */
const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, 'µs': 0.001, 'μs': 0.001, ns: 0.000001 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|us|µs|μs|ns|h|m|s)/gy;

export function parseGoDurationMs(text: string | null | undefined): number | undefined {
  if (typeof text !== 'string') return undefined;
  const value = text.trim();
  if (value === '' || value.length > 64) return undefined;
  if (value === '0') return 0;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(value); match; match = PART.exec(value)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed = PART.lastIndex;
  }
  return consumed === value.length && Number.isFinite(total) ? total : undefined;
}
