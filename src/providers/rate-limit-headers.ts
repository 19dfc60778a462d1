/**
 * Each provider's rate-limit headers, read into the limiter's {@link ProviderRateLimitState}:
 * OpenAI (and xAI) `x-ratelimit-*` with Go-duration resets; Anthropic `anthropic-ratelimit-*`
 * with RFC 3339 resets, including the input and output token families; Moonshot
 * `X-RateLimit-Limit/Remaining/Reset`; retry-after everywhere. Never throws: unreadable values
 * are left out, so a malformed header can only make us ignore it.
 */
import { type HeaderSource, readHeader, retryAfterMsFromHeaders } from '../core/retry-after.js';
import type { ProviderRateLimitState } from '../limiter/rate-limiter.js';
import { parseGoDurationMs } from './go-duration.js';
import type { ApiSurface } from './types.js';

function count(headers: HeaderSource, name: string): number | undefined {
  const raw = readHeader(headers, name)?.trim();
  if (!raw || !/^\d+(\.\d+)?$/.test(raw)) return undefined; // Azure sends -1 / 0 placeholders on some APIs: ignored
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

function rfc3339ResetMs(headers: HeaderSource, name: string, nowWallMs: number): number | undefined {
  const raw = readHeader(headers, name)?.trim();
  if (!raw) return undefined;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowWallMs);
}

/** A Moonshot-style reset: seconds from now, or a Unix time in seconds. */
function secondsResetMs(headers: HeaderSource, name: string, nowWallMs: number): number | undefined {
  const value = count(headers, name);
  if (value === undefined) return undefined;
  return value > 1e9 ? Math.max(0, value * 1000 - nowWallMs) : value * 1000;
}

function defined(state: ProviderRateLimitState): ProviderRateLimitState {
  for (const key of Object.keys(state) as (keyof ProviderRateLimitState)[]) if (state[key] === undefined) delete state[key];
  return state;
}

export function parseOpenAIRateLimitHeaders(headers: HeaderSource, nowWallMs: number): ProviderRateLimitState {
  return defined({
    limitRequests: count(headers, 'x-ratelimit-limit-requests'),
    limitTokens: count(headers, 'x-ratelimit-limit-tokens'),
    remainingRequests: count(headers, 'x-ratelimit-remaining-requests'),
    remainingTokens: count(headers, 'x-ratelimit-remaining-tokens'),
    resetRequestsMs: parseGoDurationMs(readHeader(headers, 'x-ratelimit-reset-requests')),
    resetTokensMs: parseGoDurationMs(readHeader(headers, 'x-ratelimit-reset-tokens')),
    retryAfterMs: retryAfterMsFromHeaders(headers, nowWallMs),
  });
}

export function parseAnthropicRateLimitHeaders(headers: HeaderSource, nowWallMs: number): ProviderRateLimitState {
  const family = (name: string) => ({
    limit: count(headers, `anthropic-ratelimit-${name}-limit`),
    remaining: count(headers, `anthropic-ratelimit-${name}-remaining`),
    resetMs: rfc3339ResetMs(headers, `anthropic-ratelimit-${name}-reset`, nowWallMs),
  });
  const requests = family('requests');
  const tokens = family('tokens');
  const input = family('input-tokens');
  const output = family('output-tokens');
  return defined({
    limitRequests: requests.limit,
    remainingRequests: requests.remaining,
    resetRequestsMs: requests.resetMs,
    limitTokens: tokens.limit,
    remainingTokens: tokens.remaining,
    resetTokensMs: tokens.resetMs,
    limitInputTokens: input.limit,
    remainingInputTokens: input.remaining,
    limitOutputTokens: output.limit,
    remainingOutputTokens: output.remaining,
    retryAfterMs: retryAfterMsFromHeaders(headers, nowWallMs),
  });
}

/** Moonshot sends one family (requests) under the common X-RateLimit-* names. */
export function parseMoonshotRateLimitHeaders(headers: HeaderSource, nowWallMs: number): ProviderRateLimitState {
  return defined({
    limitRequests: count(headers, 'x-ratelimit-limit'),
    remainingRequests: count(headers, 'x-ratelimit-remaining'),
    resetRequestsMs: secondsResetMs(headers, 'x-ratelimit-reset', nowWallMs),
    retryAfterMs: retryAfterMsFromHeaders(headers, nowWallMs),
  });
}

/** The headers of any provider: every family that is present. */
export function parseRateLimitHeaders(surface: ApiSurface, headers: HeaderSource, nowWallMs: number): ProviderRateLimitState {
  try {
    if (surface === 'anthropic') return parseAnthropicRateLimitHeaders(headers, nowWallMs);
    const openai = parseOpenAIRateLimitHeaders(headers, nowWallMs);
    if (openai.limitRequests === undefined && openai.remainingRequests === undefined) {
      return { ...parseMoonshotRateLimitHeaders(headers, nowWallMs), ...openai };
    }
    return openai;
  } catch {
    return {};
  }
}
