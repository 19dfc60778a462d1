/**
 * Anthropic's error bodies: `{ "type": "error", "error": { type, message }, "request_id" }`
 * (docs.claude.com/en/api/errors). An out-of-quota key answers 400 "credit balance is too low"
 * by default, or 402 `billing_error`, or 429 with `enforced_spend_limit_reached`.
 */
import type { Dimension } from './dimensions.js';
import type { ErrorReply, FailureContext, MockFailure } from './failures.js';

const TYPES_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const MESSAGES_BY_TYPE: Record<string, string> = {
  api_error: 'Internal server error',
  timeout_error: 'Request timeout',
  overloaded_error: 'Overloaded',
  rate_limit_error: 'Number of concurrent connections has exceeded your rate limit. Please try again later or contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.',
  billing_error: 'Your account has a billing issue. Please visit Plans & Billing to resolve it.',
  permission_error: 'Your API key does not have permission to use the specified resource.',
};

const LIMIT_WORDS: Record<Dimension, string> = {
  requests: 'requests per minute',
  tokens: 'tokens per minute',
  inputTokens: 'input tokens per minute',
  outputTokens: 'output tokens per minute',
  requestsPerDay: 'requests per day',
  tokensPerDay: 'tokens per day',
};

const body = (type: string, message: string, requestId: string, extra: Record<string, unknown> = {}) => ({ type: 'error', error: { type, message, ...extra }, request_id: requestId });

/** The error type Anthropic gives a status. */
const anthropicErrorType = (status: number): string => TYPES_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');

function nextMonthStart(wallNowMs: number): string {
  const now = new Date(wallNowMs);
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
}

/** Anthropic's reply to a failure. */
export function anthropicError(failure: MockFailure, context: FailureContext): ErrorReply {
  const id = context.requestId;
  switch (failure.kind) {
    case 'auth':
      return { status: 401, body: body('authentication_error', failure.missing ? 'x-api-key header is required' : 'invalid x-api-key', id) };
    case 'invalid': {
      const status = failure.status ?? 400;
      return { status, body: body(anthropicErrorType(status), failure.message, id) };
    }
    case 'not-found':
      return { status: 404, body: body('not_found_error', failure.message, id) };
    case 'quota':
      if (failure.variant === 'billing') return { status: 402, body: body('billing_error', MESSAGES_BY_TYPE.billing_error!, id) };
      if (failure.variant === 'spend-limit') {
        return { status: 429, body: body('rate_limit_error', `You have reached your specified API usage limits. You will regain access on ${nextMonthStart(context.wallNowMs)} at 00:00 UTC.`, id, { details: { error_code: 'enforced_spend_limit_reached' } }) };
      }
      return { status: 400, body: body('invalid_request_error', 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.', id) };
    case 'rate-limit': {
      const { refusal } = failure;
      const what = refusal.reason === 'concurrency' ? `${refusal.limit} concurrent requests` : `${refusal.limit.toLocaleString('en-US')} ${LIMIT_WORDS[refusal.reason]}`;
      const advice = refusal.tooLarge
        ? `This request alone asks for ${refusal.requested.toLocaleString('en-US')}, more than the limit allows at once; reduce the prompt length or the maximum tokens requested.`
        : 'You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.';
      return { status: 429, body: body('rate_limit_error', `This request would exceed the rate limit for your organization (${context.organization}) of ${what}. For details, refer to: https://docs.claude.com/en/api/rate-limits. ${advice}`, id) };
    }
    case 'server': {
      const type = anthropicErrorType(failure.status);
      return { status: failure.status, body: body(type, MESSAGES_BY_TYPE[type] ?? `Error (status ${failure.status})`, id) };
    }
  }
}
