/**
 * The rate dimensions a limiter can enforce, each a continuously refilled bucket. Concurrency is
 * not a rate and is handled apart (`maxConcurrent`).
 */
export const RATE_DIMENSIONS = [
  'requestsPerMinute',
  'tokensPerMinute',
  'inputTokensPerMinute',
  'outputTokensPerMinute',
  'requestsPerDay',
  'tokensPerDay',
] as const;

export type RateDimension = (typeof RATE_DIMENSIONS)[number];

/** Name used for the concurrency cap in errors, events and stats. */
export const CONCURRENCY_DIMENSION = 'maxConcurrent';
/** Name used when a request waits behind others of higher or equal priority. */
export const QUEUE_DIMENSION = 'queue';
/** Name used when a provider's retry-after pauses admission. */
export const PAUSE_DIMENSION = 'retryAfter';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** How long each dimension's limit is counted over. */
export const DIMENSION_PERIOD_MS: Readonly<Record<RateDimension, number>> = {
  requestsPerMinute: MINUTE_MS,
  tokensPerMinute: MINUTE_MS,
  inputTokensPerMinute: MINUTE_MS,
  outputTokensPerMinute: MINUTE_MS,
  requestsPerDay: DAY_MS,
  tokensPerDay: DAY_MS,
};

/** What a request costs in one dimension. */
export function dimensionCost(dimension: number, tokens: number, inputTokens: number, outputTokens: number): number {
  switch (dimension) {
    case 0:
    case 4:
      return 1;
    case 2:
      return inputTokens;
    case 3:
      return outputTokens;
    default:
      return tokens;
  }
}
