/** One classification for every provider's errors (../shared/PROVIDERS.md), and for any HTTP client's. */
import { describe, expect, it } from 'vitest';
import { classifyError, retryAfterMsOf, statusOf } from '../../src/core/classify.js';
import { AttemptTimeoutError, CircuitBreakerError, QuotaExceededError, RateLimitExceededError } from '../../src/core/errors.js';
import { FAILURE_POLICIES } from '../../src/core/failure-kinds.js';
import { retryAfterMsFromHeaders } from '../../src/core/retry-after.js';

const http = (status: number, body: Record<string, unknown> = {}, message = `HTTP ${status}`) => Object.assign(new Error(message), { status, ...body });

describe('classifyError: provider errors', () => {
  it.each([
    ['OpenAI 429 rate_limit_exceeded', http(429, { code: 'rate_limit_exceeded', type: 'requests' }, 'Rate limit reached for gpt-4o. Please try again in 634ms.'), 'rate_limited'],
    ['OpenAI 429 Request too large', http(429, { code: 'rate_limit_exceeded' }, 'Request too large for gpt-4o on tokens per min (TPM): Limit 30000, Requested 31538.'), 'too_large'],
    ['OpenAI 429 insufficient_quota', http(429, { code: 'insufficient_quota', type: 'insufficient_quota' }, 'You exceeded your current quota, please check your plan and billing details.'), 'quota_exhausted'],
    ['OpenAI 400 context_length_exceeded', http(400, { code: 'context_length_exceeded' }, "This model's maximum context length is 128000 tokens."), 'context_length'],
    ['OpenAI 401', http(401), 'auth'],
    ['OpenAI 403', http(403), 'auth'],
    ['OpenAI 408', http(408), 'timeout'],
    ['OpenAI 409', http(409), 'server_error'],
    ['OpenAI 500', http(500), 'server_error'],
    ['Anthropic 429 rate_limit_error', http(429, { error: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } } }), 'rate_limited'],
    ['Anthropic spend limit', http(429, { error: { type: 'error', error: { type: 'rate_limit_error', details: { error_code: 'enforced_spend_limit_reached' } } } }), 'quota_exhausted'],
    ['Anthropic low credit 400', http(400, { error: { error: { type: 'invalid_request_error', message: 'Your credit balance is too low to access the Anthropic API.' } } }), 'quota_exhausted'],
    ['Anthropic 402 billing_error', http(402, { error: { error: { type: 'billing_error' } } }), 'quota_exhausted'],
    ['Anthropic 529 overloaded_error', http(529, { error: { error: { type: 'overloaded_error', message: 'Overloaded' } } }), 'overloaded'],
    ['Anthropic 413 request_too_large', http(413, { error: { error: { type: 'request_too_large' } } }), 'client_error'],
    ['Anthropic 504 timeout_error', http(504), 'timeout'],
    ['Gemini 429 per-minute', http(429, { error: { status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] }] } }), 'rate_limited'],
    // Gemini's per-minute 429 says "exceeded your current quota" too (vercel/ai fixture google-429-retry-info.json): the quota id decides.
    ['Gemini 429 per-minute with its quota message', http(429, { error: { code: 429, message: 'You exceeded your current quota, please check your plan and billing details.', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier' }] }, { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '34.4s' }] } }), 'rate_limited'],
    ['Gemini 429 per-day', http(429, { error: { status: 'RESOURCE_EXHAUSTED', details: [{ violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }] }] } }), 'quota_exhausted'],
    ['Gemini limit: 0', http(429, { error: { status: 'RESOURCE_EXHAUSTED', message: 'Quota exceeded for metric ... limit: 0, model: gemini-2.5-pro' } }), 'quota_exhausted'],
    ['Gemini 503 UNAVAILABLE', http(503, { error: { status: 'UNAVAILABLE' } }), 'server_error'],
    ['DeepSeek 402 Insufficient Balance', http(402, {}, 'Insufficient Balance'), 'quota_exhausted'],
    ['DeepSeek 503 Server Overloaded', http(503, {}, 'Server Overloaded'), 'overloaded'],
    ['Moonshot 429 engine overloaded', http(429, {}, 'The engine is currently overloaded, please try again later'), 'overloaded'],
    ['Moonshot 403 insufficient balance', http(403, { error: { type: 'exceeded_current_quota_error', message: 'Your account is suspended due to insufficient balance' } }), 'quota_exhausted'],
    ['content filter', http(400, { code: 'content_filter' }), 'content_filter'],
    ['422', http(422), 'client_error'],
  ])('%s', (_name, error, kind) => {
    expect(classifyError(error)).toBe(kind);
  });
});

describe('classifyError: any client', () => {
  it('reads status from status, statusCode or response.status', () => {
    expect(statusOf({ statusCode: 503 })).toBe(503);
    expect(statusOf({ response: { status: 429 } })).toBe(429);
    expect(classifyError({ response: { status: 502 } })).toBe('server_error');
  });

  it.each([
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'network'],
    [Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'network'],
    [Object.assign(new TypeError('fetch failed'), { cause: { code: 'UND_ERR_HEADERS_TIMEOUT' } }), 'timeout'],
    [Object.assign(new Error('timed out'), { name: 'APIConnectionTimeoutError' }), 'timeout'],
    [Object.assign(new Error('Connection error.'), { name: 'APIConnectionError' }), 'network'],
    [Object.assign(new Error('Request was aborted.'), { name: 'APIUserAbortError' }), 'aborted'],
    [new DOMException('This operation was aborted', 'AbortError'), 'aborted'],
    [new DOMException('The operation timed out', 'TimeoutError'), 'timeout'],
    [new Error('something else'), 'unknown'],
    ['a string', 'unknown'],
    [null, 'unknown'],
  ])('%s -> %s', (error, kind) => {
    expect(classifyError(error)).toBe(kind);
  });

  it("our own errors keep their kind, and none of them counts against a provider", () => {
    const own = [new CircuitBreakerError('openai', 1000, 'open'), new RateLimitExceededError('openai', 'tokensPerMinute', 5, 'timeout'), new QuotaExceededError('openai', 'no credit'), new AttemptTimeoutError('openai', 30_000)];
    expect(own.map(classifyError)).toEqual(['circuit_open', 'limiter_rejected', 'quota_exhausted', 'timeout']);
    expect(own.slice(0, 3).map((e) => FAILURE_POLICIES[classifyError(e)].countsForBreaker)).toEqual([false, false, false]);
  });

  it('never throws, even on an error whose getters throw', () => {
    const hostile = new Proxy({}, { get: () => { throw new Error('gotcha'); }, getPrototypeOf: () => { throw new Error('gotcha'); } });
    expect(classifyError(hostile)).toBe('unknown');
  });
});

describe('retry-after', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  it.each([
    [{ 'retry-after': '2' }, 2000],
    [{ 'Retry-After': '1.5' }, 1500],
    [{ 'retry-after-ms': '634.5' }, 634.5],
    [{ 'x-ms-retry-after-ms': '250' }, 250],
    [{ 'retry-after-ms': '100', 'retry-after': '9' }, 100],
    [{ 'retry-after': 'Thu, 01 Jan 2026 12:00:30 GMT' }, 30_000],
    [{ 'retry-after': 'Thu, 01 Jan 2026 11:00:00 GMT' }, 0],
    [{ 'retry-after': 'soon' }, undefined],
    [{ 'retry-after': '-3' }, undefined],
    [{}, undefined],
  ])('%j -> %s ms', (headers, expected) => {
    expect(retryAfterMsFromHeaders(headers, now)).toBe(expected);
    expect(retryAfterMsFromHeaders(new Headers(headers as Record<string, string>), now)).toBe(expected);
  });

  it('a huge value stays finite, so it can be compared to a cap', () => {
    expect(Number.isFinite(retryAfterMsFromHeaders({ 'retry-after': '9'.repeat(400) }, now)!)).toBe(true);
  });

  it('prefers an error\'s own retryAfterMs, then its headers', () => {
    expect(retryAfterMsOf({ retryAfterMs: 42, headers: { 'retry-after': '9' } }, now)).toBe(42);
    expect(retryAfterMsOf({ status: 429, response: { headers: new Headers({ 'retry-after': '3' }) } }, now)).toBe(3000);
  });
});
