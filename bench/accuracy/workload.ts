/**
 * The accuracy benchmark's load and limits. The provider's limits are 600 RPM and 60 000 TPM with
 * a small burst (6 s of rate), so that a short cell measures the steady rate rather than a first
 * minute's burst; requests of about 400 tokens make TPM the binding limit (2.5 requests a second
 * against RPM's 10). 16 callers send as fast as they are served.
 */
import type { MockKeyConfig, MockLimits } from '../../src/mock/index.js';
import { MAX_TOKENS, MOCK_LATENCY, MOCK_OUTPUT_TOKENS, PROMPT } from '../load/workload.js';

export const REQUESTS_PER_MINUTE = 600;
export const TOKENS_PER_MINUTE = 60_000;
export const BURST_SECONDS = 6;
export const CALLERS = 16;
/** Default cell length (`--round-ms`): callers start calls for this long. */
export const DEFAULT_CELL_MS = 15_000;
/** Calls in flight at the end of a cell may finish within this (our limiter's default maxWaitMs); the rest are unfinished. */
export const DRAIN_MS = 15_000;
/** The burst scenario: this many requests at once, each small. */
export const BURST_REQUESTS = 5_000;

/** What a subject sends: the request in the SDK's shape (UnifiedLLMClient maps it to its own). */
export interface Workload {
  prompt: string;
  maxTokens: number;
}

/** The steady load: about 155 prompt tokens + max_tokens 250. */
export const STEADY: Workload = { prompt: PROMPT, maxTokens: MAX_TOKENS };
/** The burst's requests: about 15 prompt tokens + max_tokens 50. */
export const SMALL: Workload = { prompt: 'Classify: disk full on db-3. Severity?', maxTokens: 50 };

/** Limits as the clients are told them: per minute, with the bucket's burst when it is known. */
export interface ToldLimits {
  requestsPerMinute: number;
  tokensPerMinute: number;
  burst?: { requests: number; tokens: number };
}

/** The provider's limits (continuous buckets with the small burst). */
export const PROVIDER_LIMITS: ToldLimits = {
  requestsPerMinute: REQUESTS_PER_MINUTE,
  tokensPerMinute: TOKENS_PER_MINUTE,
  burst: { requests: (REQUESTS_PER_MINUTE / 60) * BURST_SECONDS, tokens: (TOKENS_PER_MINUTE / 60) * BURST_SECONDS },
};

/** `limits` scaled by `factor` (told limits above the provider's). */
export function scaled(limits: ToldLimits, factor: number): ToldLimits {
  return {
    requestsPerMinute: limits.requestsPerMinute * factor,
    tokensPerMinute: limits.tokensPerMinute * factor,
    ...(limits.burst ? { burst: { requests: limits.burst.requests * factor, tokens: limits.burst.tokens * factor } } : {}),
  };
}

/** A fresh mock key of the provider with `limits` (and the scenario's overrides). */
export function mockKey(overrides: Partial<MockKeyConfig> & { limits?: MockLimits } = {}): MockKeyConfig {
  const { burst } = PROVIDER_LIMITS;
  return {
    provider: 'openai',
    latency: MOCK_LATENCY,
    outputTokens: MOCK_OUTPUT_TOKENS,
    ...overrides,
    limits: overrides.limits ?? { requestsPerMinute: REQUESTS_PER_MINUTE, tokensPerMinute: TOKENS_PER_MINUTE, burst: { requests: burst!.requests, tokens: burst!.tokens } },
  };
}
