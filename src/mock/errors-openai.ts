/** OpenAI's error bodies: `{ "error": { message, type, param, code } }`. */
import { DIMENSION_WORDS } from './dimensions.js';
import { formatGoDuration } from './durations.js';
import { type ErrorReply, type FailureContext, maskKey, type MockFailure } from './failures.js';

const body = (message: string, type: string, code: string | null) => ({ error: { message, type, param: null, code } });

const RATE_LIMITS_URL = 'Visit https://platform.openai.com/account/rate-limits to learn more.';

const SERVER_MESSAGES: Record<number, string> = {
  500: 'The server had an error while processing your request. Sorry about that!',
  502: 'Bad gateway.',
  503: 'The server is overloaded or not ready yet.',
  504: 'Gateway timeout.',
};

/** OpenAI's reply to a failure. */
export function openaiError(failure: MockFailure, context: FailureContext): ErrorReply {
  switch (failure.kind) {
    case 'auth':
      return failure.missing
        ? { status: 401, body: body("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.", 'invalid_request_error', null) }
        : { status: 401, body: body(`Incorrect API key provided: ${maskKey(failure.apiKey)}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key') };
    case 'invalid':
      return { status: failure.status ?? 400, body: body(failure.message, 'invalid_request_error', null) };
    case 'not-found':
      return { status: 404, body: body(failure.message, 'invalid_request_error', 'unknown_url') };
    case 'quota':
      return { status: 429, body: body('You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.', 'insufficient_quota', 'insufficient_quota') };
    case 'rate-limit': {
      const { refusal } = failure;
      if (refusal.reason === 'concurrency') {
        return { status: 429, body: body(`Rate limit reached for ${context.model} in organization ${context.organization} on concurrent requests: Limit ${refusal.limit}. Please try again in ${formatGoDuration(refusal.retryAfterMs)}.`, 'requests', 'rate_limit_exceeded') };
      }
      const words = DIMENSION_WORDS[refusal.reason];
      const on = `on ${words.unit} per ${words.per} (${words.short})`;
      const type = words.unit;
      if (refusal.tooLarge) {
        return { status: 429, body: body(`Request too large for ${context.model} in organization ${context.organization} ${on}: Limit ${refusal.limit}, Requested ${refusal.requested}. The input or output tokens must be reduced in order to run successfully. ${RATE_LIMITS_URL}`, type, 'rate_limit_exceeded') };
      }
      const message = `Rate limit reached for ${context.model} in organization ${context.organization} ${on}: Limit ${refusal.limit}, Used ${Math.ceil(refusal.used)}, Requested ${refusal.requested}. Please try again in ${formatGoDuration(refusal.retryAfterMs)}. ${RATE_LIMITS_URL}`;
      return { status: 429, body: body(message, type, 'rate_limit_exceeded') };
    }
    case 'server':
      if (failure.status === 429) return { status: 429, body: body(`Rate limit reached for ${context.model} in organization ${context.organization}. Please try again in 1s. ${RATE_LIMITS_URL}`, 'requests', 'rate_limit_exceeded') };
      return {
        status: failure.status,
        body: body(SERVER_MESSAGES[failure.status] ?? `The server returned status ${failure.status}.`, failure.status >= 500 ? 'server_error' : 'invalid_request_error', null),
      };
  }
}
