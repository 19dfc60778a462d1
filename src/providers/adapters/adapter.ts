/** What every wire format provides: the request to send, and how to read what comes back. */
import type { SseEvent } from '../sse-parser.js';
import type { ApiSurface, ChatCompletion, ChatRequest, ChatUsage, StreamEvent } from '../types.js';

export interface HttpCall {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
}

export interface CallSettings {
  request: ChatRequest;
  model: string;
  maxTokens: number;
  stream: boolean;
  apiKey: string;
  baseURL: string;
}

export interface StreamState {
  /** Set by the adapter when the provider's terminator arrived. */
  finished: boolean;
}

export interface WireAdapter {
  readonly surface: ApiSurface;
  buildCall(settings: CallSettings): HttpCall;
  parseCompletion(body: unknown, model: string): ChatCompletion;
  /**
   * One SSE event of a stream into neutral events. Throws the provider's typed error for an error
   * event inside a 200 stream.
   */
  parseStreamEvent(event: SseEvent, state: StreamState): StreamEvent[];
}

export const trimSlash = (url: string): string => url.replace(/\/+$/, '');

/** A body that is not what the API documents: a provider-side fault. */
export function malformed(provider: string, what: string): Error {
  return Object.assign(new Error(`${provider} sent a malformed ${what}`), { status: 502 });
}

/** Usage from a provider's three counts (any may be missing); undefined without an input count. */
export function usageFrom(input: unknown, output: unknown, total: unknown): ChatUsage | undefined {
  if (typeof input !== 'number') return undefined;
  const outputTokens = typeof output === 'number' ? output : 0;
  return { inputTokens: input, outputTokens, totalTokens: typeof total === 'number' ? total : input + outputTokens };
}
