/**
 * Error bodies of the OpenAI-compatible providers, which differ from OpenAI's:
 * xAI `{ code, error }` (gRPC-style status text and a message), DeepSeek OpenAI's shape with its
 * own messages (402 "Insufficient Balance", 503 "Server Overloaded"), Moonshot
 * `{ error: { message, type } }` (403 for an exhausted balance, 429 for limits and overload).
 */
import { DIMENSION_WORDS } from './dimensions.js';
import { formatGoDuration, retryAfterSeconds } from './durations.js';
import { type ErrorReply, type FailureContext, maskKey, type MockFailure } from './failures.js';

const xaiBody = (code: string, error: string) => ({ code, error });

/** xAI's reply to a failure. An incorrect key is a 400, a missing one a 401 (docs.x.ai, debugging). */
export function xaiError(failure: MockFailure, context: FailureContext): ErrorReply {
  switch (failure.kind) {
    case 'auth':
      return failure.missing
        ? { status: 401, body: xaiBody('The request does not have valid authentication credentials for the operation', 'No API key provided. Supply an Authorization: Bearer <XAI_API_KEY> header. You can obtain an API key from https://console.x.ai.') }
        : { status: 400, body: xaiBody('Client specified an invalid argument', `Incorrect API key provided: ${maskKey(failure.apiKey)}. You can obtain an API key from https://console.x.ai.`) };
    case 'invalid':
      return { status: failure.status ?? 400, body: xaiBody('Client specified an invalid argument', failure.message) };
    case 'not-found':
      return { status: 404, body: xaiBody('Some requested entity was not found', failure.message) };
    case 'quota':
      return { status: 403, body: xaiBody('The caller does not have permission to execute the specified operation', "Your newly created team doesn't have any credits or licenses yet. You can purchase those on https://console.x.ai.") };
    case 'rate-limit': {
      const { refusal } = failure;
      const what = refusal.reason === 'concurrency' ? `${refusal.limit} concurrent requests` : `${refusal.limit} ${DIMENSION_WORDS[refusal.reason].unit} per ${DIMENSION_WORDS[refusal.reason].per}`;
      const when = refusal.tooLarge ? `The request (${refusal.requested}) can never fit.` : `Please retry in ${formatGoDuration(refusal.retryAfterMs)}.`;
      return { status: 429, body: xaiBody('Some resource has been exhausted', `Rate limit exceeded for ${context.model}: ${what}. ${when}`) };
    }
    case 'server':
      if (failure.status === 429) return { status: 429, body: xaiBody('Some resource has been exhausted', 'Rate limit exceeded') };
      return { status: failure.status, body: xaiBody(failure.status === 503 ? 'The service is currently unavailable' : 'Internal error encountered', `Service error (status ${failure.status}).`) };
  }
}

const deepseekBody = (message: string, type: string, code: string | null) => ({ error: { message, type, param: null, code } });

/** DeepSeek's reply to a failure (api-docs.deepseek.com/quick_start/error_codes). */
export function deepseekError(failure: MockFailure): ErrorReply {
  switch (failure.kind) {
    case 'auth':
      return { status: 401, body: deepseekBody(failure.missing ? 'Authentication Fails, no api key provided' : `Authentication Fails, Your api key: ${maskKey(failure.apiKey)} is invalid`, 'authentication_error', 'invalid_request_error') };
    case 'invalid':
      return { status: failure.status ?? 400, body: deepseekBody(failure.message, 'invalid_request_error', 'invalid_request_error') };
    case 'not-found':
      return { status: 404, body: deepseekBody(failure.message, 'invalid_request_error', 'invalid_request_error') };
    case 'quota':
      return { status: 402, body: deepseekBody('Insufficient Balance', 'unknown_error', 'invalid_request_error') };
    case 'rate-limit':
      return { status: 429, body: deepseekBody('Rate Limit Reached', 'rate_limit_error', 'rate_limit_exceeded') };
    case 'server':
      if (failure.status === 429) return { status: 429, body: deepseekBody('Rate Limit Reached', 'rate_limit_error', 'rate_limit_exceeded') };
      return { status: failure.status, body: deepseekBody(failure.status === 503 ? 'Server Overloaded' : 'Server Error', 'server_error', null) };
  }
}

const moonshotBody = (message: string, type: string) => ({ error: { message, type } });

/** Moonshot's reply to a failure (kimi.com help: api-error-codes, api-troubleshooting). */
export function moonshotError(failure: MockFailure, context: FailureContext): ErrorReply {
  const account = `${context.organization}<ak-${(context.apiKey ?? '').slice(-4)}>`;
  switch (failure.kind) {
    case 'auth':
      return failure.missing
        ? { status: 401, body: moonshotBody('Invalid Authentication', 'invalid_authentication_error') }
        : { status: 401, body: moonshotBody('Incorrect API key provided', 'incorrect_api_key_error') };
    case 'invalid':
      return { status: failure.status ?? 400, body: moonshotBody(failure.message, 'invalid_request_error') };
    case 'not-found':
      return { status: 404, body: moonshotBody(failure.message, 'resource_not_found_error') };
    case 'quota':
      return { status: 403, body: moonshotBody(`Your account ${account} is suspended due to insufficient balance, please check your account balance`, 'exceeded_current_quota_error') };
    case 'rate-limit': {
      const { refusal } = failure;
      const after = retryAfterSeconds(refusal.retryAfterMs);
      let message: string;
      if (refusal.reason === 'concurrency') message = `Your account ${account} request reached organization max concurrency: ${refusal.limit}, please try again after ${after} seconds`;
      else if (DIMENSION_WORDS[refusal.reason].unit === 'requests') message = `Your account ${account} request reached organization max ${DIMENSION_WORDS[refusal.reason].short}: ${refusal.limit}, please try again after ${Number.isFinite(after) ? after : 'many'} seconds`;
      else message = `Your account ${account} request reached organization ${DIMENSION_WORDS[refusal.reason].short} rate limit, current:${Math.ceil(refusal.used)}, limit:${refusal.limit}`;
      return { status: 429, body: moonshotBody(message, 'rate_limit_reached_error') };
    }
    case 'server':
      if (failure.status === 429) return { status: 429, body: moonshotBody('The engine is currently overloaded, please try again later', 'engine_overloaded_error') };
      return { status: failure.status, body: moonshotBody('Internal server error, please try again later', 'server_error') };
  }
}
