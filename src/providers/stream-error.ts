/**
 * An error event inside a 200 stream (Anthropic `event: error`, OpenAI `data: {"error": ...}`):
 * mapped to the status the same error would have had as a response, then classified like one.
 */
import { errorFromResponse, type ProviderFailure } from './response-error.js';

const STATUS_OF_TYPE: Readonly<Record<string, number>> = {
  overloaded_error: 529,
  rate_limit_error: 429,
  rate_limit_exceeded: 429,
  tokens: 429,
  requests: 429,
  api_error: 500,
  server_error: 500,
  timeout_error: 504,
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  billing_error: 402,
  insufficient_quota: 429,
};

export function errorFromStreamEvent(provider: string, payload: unknown): ProviderFailure {
  const error = (payload as { error?: { type?: unknown; code?: unknown; status?: unknown } } | undefined)?.error;
  const type = typeof error?.type === 'string' ? error.type : typeof error?.code === 'string' ? error.code : '';
  // Gemini carries the HTTP code itself (`code: 429`, `status: "RESOURCE_EXHAUSTED"`).
  const status = typeof error?.code === 'number' ? error.code : typeof error?.status === 'number' ? error.status : (STATUS_OF_TYPE[type] ?? 500);
  // No headers inside a stream, so no HTTP-date retry-after to resolve against the wall clock.
  return errorFromResponse(provider, status, {}, JSON.stringify(payload ?? {}), 0);
}
