/**
 * Gemini's error bodies: `{ "error": { code, message, status, details } }` with gRPC status
 * names. A 429 carries its wait in `details[]` as `google.rpc.RetryInfo.retryDelay` ("34.4s")
 * beside a `google.rpc.QuotaFailure` whose `quotaId` says PerMinute or PerDay. Gemini refuses an
 * invalid key with 400 API_KEY_INVALID and a missing one with 403, not 401.
 */
import { nextMidnight } from '../core/calendar-day.js';
import type { Dimension } from './dimensions.js';
import { formatGoogleDuration } from './durations.js';
import type { ErrorReply, FailureContext, MockFailure } from './failures.js';

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const SERVER_MESSAGES: Record<number, string> = {
  429: 'Resource has been exhausted (e.g. check quota).',
  500: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  503: 'The model is overloaded. Please try again later.',
  504: 'Deadline expired before operation could complete.',
};

const QUOTAS: Record<Dimension, { metric: string; quotaId: string }> = {
  requests: { metric: 'generate_content_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel' },
  tokens: { metric: 'generate_content_input_token_count', quotaId: 'GenerateContentInputTokensPerModelPerMinute' },
  inputTokens: { metric: 'generate_content_input_token_count', quotaId: 'GenerateContentInputTokensPerModelPerMinute' },
  outputTokens: { metric: 'generate_content_output_token_count', quotaId: 'GenerateContentOutputTokensPerModelPerMinute' },
  requestsPerDay: { metric: 'generate_content_requests', quotaId: 'GenerateRequestsPerDayPerProjectPerModel' },
  tokensPerDay: { metric: 'generate_content_input_token_count', quotaId: 'GenerateContentInputTokensPerModelPerDay' },
};

const statusName = (code: number): string => STATUS_NAMES[code] ?? (code >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
const body = (code: number, message: string, details?: unknown[]) => ({ error: { code, message, status: statusName(code), ...(details ? { details } : {}) } });

function resourceExhausted(dimension: Dimension, limit: number, model: string, retryAfterMs: number): ErrorReply {
  const quota = QUOTAS[dimension];
  const delay = Number.isFinite(retryAfterMs) ? formatGoogleDuration(retryAfterMs) : undefined;
  const details: unknown[] = [
    {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [{ quotaMetric: `generativelanguage.googleapis.com/${quota.metric}`, quotaId: quota.quotaId, quotaDimensions: { location: 'global', model }, quotaValue: String(limit) }],
    },
    { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
  ];
  if (delay) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay });
  const message =
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\n' +
    `* Quota exceeded for metric: generativelanguage.googleapis.com/${quota.metric}, limit: ${limit}, model: ${model}` +
    (delay ? `\nPlease retry in ${delay}.` : '');
  return { status: 429, body: body(429, message, details) };
}

/** Gemini's reply to a failure. */
export function geminiError(failure: MockFailure, context: FailureContext): ErrorReply {
  switch (failure.kind) {
    case 'auth':
      if (failure.missing) return { status: 403, body: body(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.") };
      return {
        status: 400,
        body: body(400, 'API key not valid. Please pass a valid API key.', [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
        ]),
      };
    case 'invalid':
      return { status: failure.status ?? 400, body: body(failure.status ?? 400, failure.message) };
    case 'not-found':
      return { status: 404, body: body(404, failure.message) };
    case 'quota':
      // A tier without quota: "limit: 0", per day, retry after the daily reset.
      return resourceExhausted('requestsPerDay', 0, context.model, nextMidnight(context.wallNowMs, 'midnight-pacific') - context.wallNowMs);
    case 'rate-limit': {
      const { refusal } = failure;
      const dimension = refusal.reason === 'concurrency' ? 'requests' : refusal.reason;
      return resourceExhausted(dimension, refusal.limit, context.model, refusal.retryAfterMs);
    }
    case 'server':
      return { status: failure.status, body: body(failure.status, SERVER_MESSAGES[failure.status] ?? `The service returned status ${failure.status}.`) };
  }
}
