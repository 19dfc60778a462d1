/** What the three API surfaces (OpenAI, Anthropic, Gemini) have in common. */
import type { MockProvider } from './options.js';

/** The parts of a request the mock acts on. */
export interface ParsedRequest {
  readonly model: string;
  readonly stream: boolean;
  readonly maxTokens: number | undefined;
  readonly promptTokens: number;
  /** OpenAI `stream_options.include_usage`. */
  readonly includeUsage: boolean;
}

/** A generated answer, ready to be written. */
export interface Generation {
  readonly provider: MockProvider;
  readonly id: string;
  readonly model: string;
  readonly createdSeconds: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly chunks: readonly string[];
  /** `length` when max_tokens cut the answer short. */
  readonly finish: 'stop' | 'length';
  readonly includeUsage: boolean;
}

/** Writes one stream: the events before, of, and after the content. */
export interface StreamEncoder {
  readonly contentType: string;
  /** What precedes the content (OpenAI's role chunk; Anthropic's message_start, content_block_start, ping). */
  start(): string;
  chunk(text: string): string;
  /** What follows the content, up to and including the terminator. */
  finish(): string;
  /** An error inside the stream, in the provider's format. */
  error(body: unknown): string;
  /** What keeps an idle connection open: an SSE comment, or a blank line in a JSON body. */
  readonly keepAlive: string;
}

/** One API surface. */
export interface SurfaceCodec {
  /** Reads a request body; a string is the message of a 400. */
  parse(body: unknown, route: { readonly model?: string; readonly stream: boolean }): ParsedRequest | string;
  /** The response id of a new generation, from random hex. */
  responseId(hex: string): string;
  completeBody(generation: Generation): unknown;
  stream(generation: Generation, options: { readonly sse: boolean }): StreamEncoder;
  /** The content type of a stream, known before anything is generated. */
  streamContentType(options: { readonly sse: boolean }): string;
}

/** A plain object, or undefined. */
export const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/** A positive integer token count, undefined when absent, or a 400 message. */
export function readTokenLimit(value: unknown, name: string): number | undefined | string {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) return `Invalid '${name}': expected an integer >= 1, but got ${JSON.stringify(value)} instead.`;
  return value;
}
