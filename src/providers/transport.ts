/** Sending a provider call with fetch: network failures, aborts and error responses, typed. */
import { abortReason } from '../core/abort.js';
import { classifyError } from '../core/classify.js';
import type { Clock } from '../core/clock.js';
import { ProviderError } from '../core/errors.js';
import { redactError, redactSecrets } from '../core/redact.js';
import type { HttpCall } from './adapters/adapter.js';
import { errorFromResponse } from './response-error.js';

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal }) => Promise<Response>;

export interface TransportContext {
  provider: string;
  fetch: FetchLike;
  clock: Clock;
  /** Every response's headers, successful or not (rate-limit state, retry-after). */
  onHeaders?: (headers: Headers) => void;
}

/** An error body is read up to this size: enough for any provider's message, bounded for a hostile one. */
const MAX_ERROR_BODY_CHARS = 64 * 1024;

/**
 * Sends `call`; resolves with a 2xx response, or rejects with a typed error: the signal's reason
 * when aborted (`abortError` wins when given: our own timeouts), a classified ProviderError for a
 * failed connection, the provider's error for an error response.
 */
export async function send(call: HttpCall, context: TransportContext, signal: AbortSignal | undefined, abortError?: () => unknown): Promise<Response> {
  let response: Response;
  try {
    response = await context.fetch(call.url, { method: call.method, headers: call.headers, body: call.body, signal });
  } catch (error) {
    throw connectionError(context.provider, error, signal, abortError);
  }
  context.onHeaders?.(response.headers);
  if (response.ok) return response;
  let text = '';
  try {
    text = (await response.text()).slice(0, MAX_ERROR_BODY_CHARS);
  } catch {
    // The error body itself broke: the status still says what happened.
  }
  throw errorFromResponse(context.provider, response.status, response.headers, text, context.clock.wallTime());
}

/** The error for a call that broke before or during the response body. */
export function connectionError(provider: string, error: unknown, signal: AbortSignal | undefined, abortError?: () => unknown): unknown {
  const ours = abortError?.();
  if (ours !== undefined) return ours;
  if (signal?.aborted) return abortReason(signal);
  const kind = classifyError(error);
  if (kind !== 'unknown') {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return new ProviderError(provider, kind === 'timeout' ? 'timeout' : 'network', redactSecrets(`Connection to ${provider} failed${cause || (error instanceof Error ? `: ${error.message}` : '')}`), undefined, undefined, { cause: redactError(error) });
  }
  return new ProviderError(provider, 'network', redactSecrets(`Connection to ${provider} failed: ${error instanceof Error ? error.message : String(error)}`), undefined, undefined, { cause: redactError(error) });
}
