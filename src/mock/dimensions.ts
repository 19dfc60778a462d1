/** The limited dimensions of a key, with the words the providers use for them. */

/** A bucket dimension. Concurrency is not a bucket and is handled beside them. */
export type Dimension = 'requests' | 'tokens' | 'inputTokens' | 'outputTokens' | 'requestsPerDay' | 'tokensPerDay';

/** Why a request was refused: a bucket dimension, or one of the other causes. */
export type RejectionReason = Dimension | 'concurrency' | 'quota' | 'fault';

/** Every rejection reason, in report order. */
export const REJECTION_REASONS: readonly RejectionReason[] = ['requests', 'tokens', 'inputTokens', 'outputTokens', 'requestsPerDay', 'tokensPerDay', 'concurrency', 'quota', 'fault'];

/** The periods of the limits. */
export const MINUTE_MS = 60_000;
/** A day, for per-day limits refilled continuously. */
export const DAY_MS = 86_400_000;

/** How a dimension is named in messages: `tokens per min (TPM)`. */
export const DIMENSION_WORDS: Readonly<Record<Dimension, { unit: 'requests' | 'tokens'; per: 'min' | 'day'; short: string }>> = {
  requests: { unit: 'requests', per: 'min', short: 'RPM' },
  tokens: { unit: 'tokens', per: 'min', short: 'TPM' },
  inputTokens: { unit: 'tokens', per: 'min', short: 'ITPM' },
  outputTokens: { unit: 'tokens', per: 'min', short: 'OTPM' },
  requestsPerDay: { unit: 'requests', per: 'day', short: 'RPD' },
  tokensPerDay: { unit: 'tokens', per: 'day', short: 'TPD' },
};
