/**
 * Turns a provider's failed HTTP response into one typed error: QuotaExceededError for billing
 * and quota, ProviderError (with its kind, status and the wait the provider asked for) for the
 * rest. The wait comes from retry-after headers, or from Gemini's `RetryInfo.retryDelay` in the
 * body. Never throws while building the error.
 */
import { classifyHttpStatus } from '../core/classify.js';
import { ProviderError, QuotaExceededError } from '../core/errors.js';
import { redactSecrets } from '../core/redact.js';
import { type HeaderSource, retryAfterMsFromHeaders } from '../core/retry-after.js';
import { parseGoDurationMs } from './go-duration.js';

/** A failed response's error, with the response headers attached for whoever reads them later. */
export type ProviderFailure = (ProviderError | QuotaExceededError) & { headers?: HeaderSource; body?: unknown };

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The readable message a provider put in its error body (OpenAI, Anthropic and Gemini shapes). */
function messageFrom(body: unknown, fallback: string): string {
  const error = (body as { error?: unknown } | undefined)?.error;
  if (typeof error === 'string') return error;
  const nested = (error as { message?: unknown; error?: { message?: unknown } } | undefined) ?? undefined;
  const message = nested?.message ?? nested?.error?.message ?? (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message.length > 0 ? message : fallback;
}

/** Every string in the body's codes, types, statuses, messages and quota ids, lowercased, for matching. */
function matchableText(body: unknown, rawText: string): string {
  const parts: string[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 5 || value === null || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (typeof v === 'string' && /^(code|type|status|message|reason|error_code|quotaId|quota_id)$/i.test(key)) parts.push(v);
      else if (typeof v === 'object') visit(v, depth + 1);
    }
  };
  visit(body, 0);
  if (parts.length === 0) parts.push(rawText.slice(0, 2000));
  return parts.join(' | ').toLowerCase();
}

/** Gemini puts the wait in the body: `details: [{ "@type": "...RetryInfo", "retryDelay": "34.4s" }]`. */
function retryDelayFromBody(body: unknown): number | undefined {
  const details = (body as { error?: { details?: unknown } } | undefined)?.error?.details;
  if (!Array.isArray(details)) return undefined;
  for (const detail of details.slice(0, 16)) {
    const delay = (detail as { retryDelay?: unknown } | null)?.retryDelay;
    if (typeof delay === 'string') {
      const ms = parseGoDurationMs(delay);
      if (ms !== undefined) return ms;
    }
  }
  return undefined;
}

export function errorFromResponse(provider: string, status: number, headers: HeaderSource, bodyText: string, nowWallMs: number): ProviderFailure {
  const body = parseJson(bodyText);
  const kind = classifyHttpStatus(status, matchableText(body, bodyText));
  const message = redactSecrets(`${provider} answered ${status}: ${messageFrom(body, bodyText.slice(0, 300) || 'no body')}`);
  const retryAfterMs = retryAfterMsFromHeaders(headers, nowWallMs) ?? retryDelayFromBody(body);
  const error: ProviderFailure =
    kind === 'quota_exhausted'
      ? new QuotaExceededError(provider, message, { status })
      : new ProviderError(provider, kind, message, status, retryAfterMs);
  error.headers = headers;
  error.body = body;
  return error;
}
