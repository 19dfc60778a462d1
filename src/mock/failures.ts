/** The failures the mock answers with, before each provider writes them in its own format. */
import type { Refusal } from './key-limiter.js';
import type { QuotaExhaustion } from './options.js';

/** A failure to put in the provider's error body. */
export type MockFailure =
  /** No key, or a key this surface does not know. */
  | { readonly kind: 'auth'; readonly missing: boolean; readonly apiKey?: string }
  /** A malformed request (400), or a body over the size limit (413). */
  | { readonly kind: 'invalid'; readonly message: string; readonly status?: 400 | 413 }
  | { readonly kind: 'not-found'; readonly message: string }
  /** Refused by the key's limits. */
  | { readonly kind: 'rate-limit'; readonly refusal: Refusal }
  | { readonly kind: 'quota'; readonly variant: Exclude<QuotaExhaustion, false> }
  /** An injected error or outage: any 4xx/5xx status. */
  | { readonly kind: 'server'; readonly status: number };

/** What the error body writers know about the request. */
export interface FailureContext {
  readonly requestId: string;
  readonly model: string;
  readonly organization: string;
  /** The key of the request, when known. */
  readonly apiKey: string | undefined;
  readonly wallNowMs: number;
}

/** A status and a JSON body. */
export interface ErrorReply {
  readonly status: number;
  readonly body: unknown;
}

/** `sk-abc***wxyz`: how providers echo a key back. */
export function maskKey(apiKey: string | undefined): string {
  if (!apiKey) return '';
  if (apiKey.length <= 8) return `${apiKey.slice(0, 2)}***`;
  return `${apiKey.slice(0, 3)}${'*'.repeat(Math.min(20, apiKey.length - 7))}${apiKey.slice(-4)}`;
}
