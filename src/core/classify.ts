/**
 * Classifies any error (ours, an official SDK's, fetch's, or a plain object with an HTTP `status`)
 * into a {@link FailureKind}. This is the single place that decides "what happened"; what to do
 * about it lives in {@link FAILURE_POLICIES}.
 */
import { ResilienceError } from './errors.js';
import type { FailureKind } from './failure-kinds.js';
import { type HeaderSource, retryAfterMsFromHeaders } from './retry-after.js';

type Loose = Record<string, unknown>;

const asObject = (value: unknown): Loose | undefined =>
  value !== null && (typeof value === 'object' || typeof value === 'function') ? (value as Loose) : undefined;

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The HTTP status carried by an error from any client (`status`, `statusCode`, `response.status`). */
export function statusOf(error: unknown): number | undefined {
  const e = asObject(error);
  if (!e) return undefined;
  for (const candidate of [e.status, e.statusCode, asObject(e.response)?.status]) {
    if (typeof candidate === 'number' && Number.isInteger(candidate) && candidate >= 100 && candidate <= 599) return candidate;
  }
  return undefined;
}

/** The response headers carried by an error, if its client attaches them. */
export function headersOf(error: unknown): HeaderSource | undefined {
  const e = asObject(error);
  if (!e) return undefined;
  const headers = asObject(e.headers) ?? asObject(asObject(e.response)?.headers);
  return headers as HeaderSource | undefined;
}

/** The wait an error asks for: our own `retryAfterMs`, or its response's retry-after headers. */
export function retryAfterMsOf(error: unknown, nowWallMs: number): number | undefined {
  const e = asObject(error);
  if (!e) return undefined;
  if (typeof e.retryAfterMs === 'number' && e.retryAfterMs >= 0 && !Number.isNaN(e.retryAfterMs)) return e.retryAfterMs;
  return retryAfterMsFromHeaders(headersOf(error), nowWallMs);
}

/** Every code, type and message an error (and its body, as the SDKs attach it) carries, lowercased. */
function describeForMatching(error: unknown): string {
  const parts: string[] = [];
  const visit = (value: unknown, depth: number): void => {
    const o = asObject(value);
    if (!o || depth > 3) return;
    for (const key of ['code', 'type', 'message', 'status', 'reason', 'error_code']) {
      const v = o[key];
      if (typeof v === 'string') parts.push(v);
    }
    visit(o.error, depth + 1);
    visit(o.details, depth + 1);
    if (Array.isArray(o.details)) for (const d of o.details.slice(0, 8)) visit(d, depth + 1);
    if (Array.isArray(o.violations)) for (const v of o.violations.slice(0, 8)) visit(v, depth + 1);
    if (typeof o.quotaId === 'string') parts.push(o.quotaId);
  };
  visit(error, 0);
  return parts.join(' | ').toLowerCase();
}

const QUOTA_PATTERNS = [
  'insufficient_quota',
  'exceeded your current quota',
  'billing_error',
  'enforced_spend_limit_reached',
  'credit balance is too low',
  'insufficient balance',
  'insufficient_balance',
  'perday',
  'per_day',
  'limit: 0',
];

/** Classifies an HTTP failure by its status and what the body says. */
export function classifyHttpStatus(status: number, text: string): FailureKind {
  if (status === 402) return 'quota_exhausted';
  // Gemini says "exceeded your current quota" for its per-minute limits too: the quota id
  // (…PerMinute… vs …PerDay…) tells a rate limit from an exhausted quota.
  if (status === 429 && text.includes('perminute') && !text.includes('perday') && !text.includes('limit: 0')) return 'rate_limited';
  if (QUOTA_PATTERNS.some((p) => text.includes(p))) return 'quota_exhausted';
  if (status === 429) {
    if (text.includes('request too large')) return 'too_large';
    if (text.includes('overloaded')) return 'overloaded';
    return 'rate_limited';
  }
  if (status === 529) return 'overloaded';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 503) return text.includes('overload') ? 'overloaded' : 'server_error';
  if (status >= 500) return 'server_error';
  if (status === 409) return 'server_error'; // OpenAI: conflicts are transient
  if (status === 401 || status === 403) return 'auth';
  if (text.includes('context_length_exceeded') || text.includes('maximum context length') || text.includes('prompt is too long')) {
    return 'context_length';
  }
  if (text.includes('content_filter') || text.includes('content_policy') || text.includes('safety')) return 'content_filter';
  return 'client_error';
}

/** What kind of failure `error` is. Never throws, even on a hostile error object (throwing getters). */
export function classifyError(error: unknown): FailureKind {
  try {
    return classifyUnsafe(error);
  } catch {
    return 'unknown';
  }
}

function classifyUnsafe(error: unknown): FailureKind {
  if (error instanceof ResilienceError) return error.kind;
  const e = asObject(error);
  if (!e) return 'unknown';
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'AbortError' || name === 'APIUserAbortError') return 'aborted';
  if (name === 'TimeoutError' || name === 'APIConnectionTimeoutError') return 'timeout';
  const status = statusOf(error);
  if (status !== undefined && status >= 400) return classifyHttpStatus(status, describeForMatching(error));
  const code = typeof e.code === 'string' ? e.code : typeof asObject(e.cause)?.code === 'string' ? (asObject(e.cause)!.code as string) : '';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (NETWORK_CODES.has(code) || name === 'APIConnectionError') return 'network';
  // fetch() rejects with TypeError('fetch failed') and the socket error as its cause.
  if (name === 'TypeError' && e.message === 'fetch failed') return 'network';
  return 'unknown';
}
