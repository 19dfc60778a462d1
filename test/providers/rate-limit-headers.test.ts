import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseGoDurationMs } from '../../src/providers/go-duration.js';
import { parseAnthropicRateLimitHeaders, parseMoonshotRateLimitHeaders, parseOpenAIRateLimitHeaders, parseRateLimitHeaders } from '../../src/providers/rate-limit-headers.js';

const now = Date.UTC(2025, 7, 21, 12, 40, 0);

describe("OpenAI's Go durations", () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['12ms', 12],
    ['8.71s', 8710],
    ['1m30.5s', 90_500],
    ['1h2m3s', 3_723_000],
    ['0', 0],
    ['0s', 0],
    ['500us', 0.5],
    ['', undefined],
    ['6m', 360_000],
    ['abc', undefined],
    ['1x', undefined],
    ['-1s', undefined],
    ['1s junk', undefined],
  ])('%s -> %s', (text, ms) => {
    expect(parseGoDurationMs(text)).toBe(ms);
  });
});

describe('rate-limit headers', () => {
  it('OpenAI x-ratelimit-*', () => {
    const headers = new Headers({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-limit-tokens': '150000',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-remaining-tokens': '149984',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-reset-tokens': '6m0s',
    });
    expect(parseOpenAIRateLimitHeaders(headers, now)).toEqual({
      limitRequests: 60,
      limitTokens: 150_000,
      remainingRequests: 59,
      remainingTokens: 149_984,
      resetRequestsMs: 1000,
      resetTokensMs: 360_000,
    });
  });

  it('OpenAI on a 429: retry-after-ms wins over retry-after', () => {
    expect(parseOpenAIRateLimitHeaders({ 'retry-after': '2', 'retry-after-ms': '634' }, now)).toEqual({ retryAfterMs: 634 });
  });

  it('Anthropic anthropic-ratelimit-* with RFC 3339 resets, input and output families', () => {
    const headers = {
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '49',
      'anthropic-ratelimit-requests-reset': '2025-08-21T12:40:01Z',
      'anthropic-ratelimit-input-tokens-limit': '40000',
      'anthropic-ratelimit-input-tokens-remaining': '39000',
      'anthropic-ratelimit-input-tokens-reset': '2025-08-21T12:40:02.500Z',
      'anthropic-ratelimit-output-tokens-limit': '8000',
      'anthropic-ratelimit-output-tokens-remaining': '7000',
      'anthropic-ratelimit-tokens-limit': '48000',
      'anthropic-ratelimit-tokens-remaining': '46000',
      'retry-after': '3',
    };
    expect(parseAnthropicRateLimitHeaders(headers, now)).toEqual({
      limitRequests: 50,
      remainingRequests: 49,
      resetRequestsMs: 1000,
      limitTokens: 48_000,
      remainingTokens: 46_000,
      limitInputTokens: 40_000,
      remainingInputTokens: 39_000,
      limitOutputTokens: 8_000,
      remainingOutputTokens: 7_000,
      retryAfterMs: 3000,
    });
  });

  it('Moonshot X-RateLimit-*', () => {
    expect(parseMoonshotRateLimitHeaders(new Headers({ 'X-RateLimit-Limit': '200', 'X-RateLimit-Remaining': '150', 'X-RateLimit-Reset': '30' }), now)).toEqual({
      limitRequests: 200,
      remainingRequests: 150,
      resetRequestsMs: 30_000,
    });
    expect(parseRateLimitHeaders('openai', { 'x-ratelimit-limit': '200', 'x-ratelimit-remaining': '3' }, now)).toMatchObject({ limitRequests: 200, remainingRequests: 3 });
  });

  it('placeholders and garbage are ignored (Azure sends -1)', () => {
    expect(parseOpenAIRateLimitHeaders({ 'x-ratelimit-remaining-tokens': '-1', 'x-ratelimit-reset-tokens': 'soon' }, now)).toEqual({});
  });

  it('arbitrary header values never throw and never yield NaN or negative numbers (fast-check)', () => {
    const names = [
      'x-ratelimit-limit-requests',
      'x-ratelimit-remaining-tokens',
      'x-ratelimit-reset-tokens',
      'anthropic-ratelimit-input-tokens-reset',
      'anthropic-ratelimit-output-tokens-remaining',
      'retry-after',
      'retry-after-ms',
      'x-ratelimit-reset',
    ];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), fc.string({ maxLength: 40 })), fc.constantFrom('openai' as const, 'anthropic' as const), (headers, surface) => {
        const state = parseRateLimitHeaders(surface, headers, now);
        for (const value of Object.values(state)) {
          expect(Number.isNaN(value)).toBe(false);
          expect(value).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});
