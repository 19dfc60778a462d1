/**
 * The rate-limit headers each provider sends on every response, written from the key's buckets
 * after this request's charge: OpenAI `x-ratelimit-*` (Go durations), Anthropic
 * `anthropic-ratelimit-*` (RFC 3339 times when the bucket is full again), Moonshot
 * `X-RateLimit-*`; plus `retry-after` on a 429 where the provider sends it.
 */
import type { Dimension } from './dimensions.js';
import { formatGoDuration, formatRfc3339, retryAfterSeconds } from './durations.js';
import type { BucketState } from './key-limiter.js';
import type { ResolvedKey } from './resolve-config.js';

/** Response headers, by name. */
export type HeaderMap = Record<string, string>;

const find = (states: readonly BucketState[], dimension: Dimension) => states.find((s) => s.spec.dimension === dimension);

function openaiHeaders(states: readonly BucketState[]): HeaderMap {
  const headers: HeaderMap = {};
  for (const [dimension, word] of [['requests', 'requests'], ['tokens', 'tokens']] as const) {
    const state = find(states, dimension);
    if (!state) continue;
    headers[`x-ratelimit-limit-${word}`] = String(state.spec.limit);
    headers[`x-ratelimit-remaining-${word}`] = String(Math.floor(state.remaining));
    headers[`x-ratelimit-reset-${word}`] = formatGoDuration(state.msUntilFull);
  }
  return headers;
}

function anthropicHeaders(states: readonly BucketState[], wallNowMs: number): HeaderMap {
  const headers: HeaderMap = {};
  const write = (prefix: string, state: BucketState | undefined) => {
    if (!state) return;
    headers[`anthropic-ratelimit-${prefix}-limit`] = String(state.spec.limit);
    headers[`anthropic-ratelimit-${prefix}-remaining`] = String(Math.floor(state.remaining));
    headers[`anthropic-ratelimit-${prefix}-reset`] = formatRfc3339(wallNowMs + state.msUntilFull);
  };
  write('requests', find(states, 'requests'));
  write('input-tokens', find(states, 'inputTokens'));
  write('output-tokens', find(states, 'outputTokens'));
  // The tokens-* headers show the most restrictive token limit in effect: the fewest remaining.
  const tokenStates = states.filter((s) => s.spec.dimension === 'tokens' || s.spec.dimension === 'inputTokens' || s.spec.dimension === 'outputTokens');
  write('tokens', tokenStates.reduce<BucketState | undefined>((least, s) => (!least || s.remaining < least.remaining ? s : least), undefined));
  return headers;
}

function moonshotHeaders(states: readonly BucketState[], wallNowMs: number): HeaderMap {
  const state = find(states, 'requests');
  if (!state) return {};
  return {
    'X-RateLimit-Limit': String(state.spec.limit),
    'X-RateLimit-Remaining': String(Math.floor(state.remaining)),
    // The time the limit is whole again, in Unix seconds.
    'X-RateLimit-Reset': String(Math.ceil((wallNowMs + state.msUntilFull) / 1000)),
  };
}

/** The key's rate-limit headers for its current bucket states. */
export function rateLimitHeaders(key: ResolvedKey, states: readonly BucketState[], wallNowMs: number): HeaderMap {
  if (!key.rateLimitHeaders) return {};
  switch (key.profile.headerStyle) {
    case 'anthropic':
      return anthropicHeaders(states, wallNowMs);
    case 'moonshot':
      return moonshotHeaders(states, wallNowMs);
    case 'openai':
    case 'none':
      // A provider without headers of its own gets OpenAI's when asked for them.
      return openaiHeaders(states);
  }
}

/** `retry-after` (and OpenAI's `retry-after-ms`) for a 429, where the provider sends them. */
export function retryAfterHeaders(key: ResolvedKey, retryAfterMs: number): HeaderMap {
  if (!key.profile.retryAfterHeader || !Number.isFinite(retryAfterMs)) return {};
  const headers: HeaderMap = { 'retry-after': String(retryAfterSeconds(retryAfterMs)) };
  if (key.profile.headerStyle === 'openai') headers['retry-after-ms'] = String(Math.ceil(retryAfterMs));
  return headers;
}
