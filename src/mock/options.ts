/**
 * The mock provider server's public configuration types. Every duration is in milliseconds and
 * says so; every limit is a per-minute or per-day rate, enforced with continuously refilled
 * token buckets (see `key-limiter.ts`), or counted in fixed calendar windows where a key asks for
 * them (`limits.window`, `limits.dailyReset`).
 */
import type { DailyReset } from '../core/calendar-day.js';
import type { MockClock } from './clock.js';

/** The provider a key imitates: it selects the API surface, headers, error bodies and quirks. */
export type MockProvider = 'openai' | 'anthropic' | 'google' | 'xai' | 'deepseek' | 'moonshot';

/**
 * How a key's admission is charged (see `accounting.ts`):
 * - `openai`: prompt tokens + max_tokens (or `defaultMaxTokens` when absent) to TPM, no refund;
 * - `openai-max`: max(max_tokens, prompt tokens) to TPM, no refund;
 * - `anthropic`: prompt tokens to ITPM, max_tokens to OTPM at admission, unused output refunded at the end;
 * - `gemini`: prompt tokens only.
 */
export type AccountingModel = 'openai' | 'openai-max' | 'anthropic' | 'gemini';

/**
 * What a request is charged to the token buckets (TPM and TPD) at admission, whatever the
 * surface. `max_tokens` is the request's (or `defaultMaxTokens` when it sets none):
 * - `input+max_tokens`: prompt tokens + max_tokens (OpenAI's cookbook reserves the sum);
 * - `max(input,max_tokens)`: the larger of the two (what OpenAI's rate-limit guide documents);
 * - `input`: prompt tokens only (Gemini).
 */
export type ChargeModel = 'input+max_tokens' | 'max(input,max_tokens)' | 'input';

/**
 * How per-minute limits are counted: `continuous` token buckets (refilled all the time, as
 * OpenAI and Anthropic document), or `fixed-minute` windows: each calendar minute of the mock's
 * wall clock allows the limit, and usage resets at every minute boundary (as some providers and
 * gateways count).
 */
export type LimitWindow = 'continuous' | 'fixed-minute';

/** Per-key limits. Absent means unlimited in that dimension. */
export interface MockLimits {
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** Anthropic ITPM. */
  inputTokensPerMinute?: number;
  /** Anthropic OTPM. */
  outputTokensPerMinute?: number;
  requestsPerDay?: number;
  tokensPerDay?: number;
  /** Requests in flight at once (Moonshot limits concurrency). */
  maxConcurrent?: number;
  /**
   * How per-day limits come back: `continuous` (a bucket refilled over the day), or all at once at
   * `midnight-utc` or `midnight-pacific` (Google's, daylight saving included). Default: Google
   * midnight Pacific, everyone else continuous.
   */
  dailyReset?: DailyReset;
  /**
   * How the per-minute limits (RPM, TPM, ITPM, OTPM) are counted. Default `continuous`. With
   * `fixed-minute` each calendar minute allows the whole limit (no `burst`: a window's capacity is
   * its limit), and the headers show what remains in the current minute and, as the reset, the
   * time to the next minute boundary. Per-day limits follow `dailyReset`.
   */
  window?: LimitWindow;
  /**
   * Bucket capacities (the largest burst), in requests or tokens. Default: one minute's worth
   * (one day's for per-day limits); for xAI, one second's worth of requests (RPS = RPM / 60).
   * Continuous windows only.
   */
  burst?: { requests?: number; tokens?: number; inputTokens?: number; outputTokens?: number };
}

/** A delay distribution. A bare number is a fixed delay. Samples are clamped to [0, 10 min]. */
export type LatencyDistribution =
  | number
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'normal'; meanMs: number; standardDeviationMs: number }
  | { kind: 'lognormal'; medianMs: number; sigma: number };

/** Generation timing: before the first content chunk, and between content chunks. */
export interface MockLatency {
  timeToFirstTokenMs?: LatencyDistribution;
  perChunkMs?: LatencyDistribution;
}

/** Output length in tokens: fixed, or drawn uniformly (seeded) from an inclusive range. */
export type OutputLength = number | { min: number; max: number };

/**
 * An out-of-quota key. `true` answers with the provider's own quota error; Anthropic also has
 * `'credit-balance'` (400, the default), `'billing'` (402 billing_error) and `'spend-limit'`
 * (429 with `enforced_spend_limit_reached`, no retry-after).
 */
export type QuotaExhaustion = boolean | 'credit-balance' | 'billing' | 'spend-limit';

/** A time window, relative to when the faults are set, in which the provider is down. */
export interface OutageWindow {
  /** Start, in ms from now. Default 0. */
  fromMs?: number;
  /** End, in ms from now. Default: until the faults are cleared. */
  untilMs?: number;
  /** `unavailable`: error responses (`status`, default 503); `reset`: the connection is destroyed without a response; `hang`: no answer until the client gives up. */
  mode: 'unavailable' | 'reset' | 'hang';
  status?: number;
}

/** Faults inside a 200 streaming response. Chunk counts are content chunks. */
export interface StreamFaults {
  /** End the stream after this many content chunks, without its terminator. */
  cutAfterChunks?: number;
  /** How the cut ends: a clean end of the HTTP body (default) or a destroyed connection. */
  cutMode?: 'end' | 'reset';
  /** Send the provider's in-stream error event after this many content chunks, then end. */
  errorAfterChunks?: number;
  /** Send only `: keep-alive` comments (blank lines for plain JSON) until the client gives up. */
  keepAliveOnly?: boolean;
  keepAliveIntervalMs?: number;
}

/** Injected faults, global or per key. A key's own fields override the global ones field by field. */
export interface MockFaults {
  /** Probability of each status (`{ "500": 0.1, "529": 0.05 }`), drawn per admitted request with the seeded RNG; the failed request still counts against the limits. */
  errorRates?: Record<string, number>;
  outages?: OutageWindow[];
  /** Slowness: delay added before any response of an inference request. */
  addedLatencyMs?: number;
  /** Replaces the key's latency while set. */
  latency?: MockLatency;
  quotaExhausted?: QuotaExhaustion;
  stream?: StreamFaults;
}

/**
 * What one set of limits covers: the whole key (`key`), or each model named in a request on its
 * own (`model`), as OpenAI documents ("rate limits are defined at the organization and project
 * level ... per model": two models on one key draw on separate buckets).
 */
export type LimitScope = 'key' | 'model';

/** One API key of the mock server. */
export interface MockKeyConfig {
  provider: MockProvider;
  limits?: MockLimits;
  /**
   * `key` (default): one set of buckets for every request of the key. `model`: each model named
   * in a request has its own buckets, concurrency count, wait queue, rate-limit headers, 429s and
   * audit, each with `limits` (or the model's entry of `models`).
   */
  limitScope?: LimitScope;
  /**
   * With `limitScope: 'model'`: limits of particular models, field by field over `limits`
   * (`{ 'gpt-4o': { requestsPerMinute: 30 } }` keeps the key's other limits for gpt-4o).
   */
  models?: Record<string, MockLimits>;
  /** Default: the provider's (openai for the OpenAI surface, anthropic, gemini). */
  accounting?: AccountingModel;
  /**
   * Overrides what `accounting` charges to the token buckets (TPM, TPD) at admission, on any
   * surface: so an OpenAI, Anthropic or Gemini key can be driven with any of the three charge
   * models. ITPM and OTPM keep the accounting's split (input to ITPM; max_tokens to OTPM, except
   * for `gemini`). Default: the accounting's own (`openai`, `anthropic`: `input+max_tokens`;
   * `openai-max`: `max(input,max_tokens)`; `gemini`: `input`).
   */
  charge?: ChargeModel;
  /**
   * Whether the unused part of max_tokens is given back when a request ends (from OTPM, and from
   * TPM/TPD as the charge model counts it). Default: only for the `anthropic` accounting.
   */
  refundUnusedOutput?: boolean;
  /** Tokens the mock generates before max_tokens applies. Default `{ min: 20, max: 200 }`. */
  outputTokens?: OutputLength;
  /** Charged as max_tokens by the openai models when a request sets none. Default 4096. */
  defaultMaxTokens?: number;
  /** Tokens per streamed content chunk. Default 1. */
  tokensPerChunk?: number;
  latency?: MockLatency;
  quotaExhausted?: QuotaExhaustion;
  /** What an over-limit request gets: a 429 (`reject`), or a held connection with keep-alives until it fits (`wait`, DeepSeek's default). */
  overLimit?: 'reject' | 'wait';
  /** `wait` mode: the longest wait before the connection is closed. Default 600 000 (DeepSeek's 10 minutes). */
  maxWaitMs?: number;
  /** `wait` mode: requests held at once before further ones get 429. Default 1000. */
  maxQueued?: number;
  /** Interval of `: keep-alive` comments (DeepSeek, keep-alive faults). Default 5000. */
  keepAliveIntervalMs?: number;
  /** Send rate-limit headers. Default: as the provider does (not xAI, DeepSeek, Google). */
  rateLimitHeaders?: boolean;
  /** Named in OpenAI's error messages. Default `org-mock`. */
  organization?: string;
  /** Faults of this key from the start. */
  faults?: MockFaults;
}

/** Options of {@link startMockServer}. */
export interface MockServerOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Loopback only: `127.0.0.1` (default), `::1` or `localhost`. */
  host?: string;
  /** Seed of every random choice (errors, output lengths, latencies, text). Default 1. */
  seed?: number;
  /** Default: {@link DEFAULT_MOCK_KEYS}. */
  keys?: Record<string, MockKeyConfig>;
  /** Serve the default keys as well as `keys`. Default: only when `keys` is absent. */
  includeDefaultKeys?: boolean;
  /** Global faults from the start. */
  faults?: MockFaults;
  /** Time source and timers; inject a manual clock for fast, deterministic tests. */
  clock?: MockClock;
  /** Largest request body accepted. Default 32 MiB (Anthropic's limit); larger gets 413. */
  maxBodyBytes?: number;
}
