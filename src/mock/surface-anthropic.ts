/**
 * Anthropic messages (`POST /v1/messages`). A stream is named events: message_start (with
 * usage.input_tokens), content_block_start, ping, content_block_delta..., content_block_stop,
 * message_delta (with usage.output_tokens), message_stop.
 */
import { SSE_KEEP_ALIVE, sseEvent } from './sse.js';
import { asRecord, type Generation, type ParsedRequest, readTokenLimit, type StreamEncoder, type SurfaceCodec } from './surface-types.js';
import { contentText, promptTokens } from './token-count.js';

const STREAM_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

function parse(body: unknown): ParsedRequest | string {
  const request = asRecord(body);
  if (!request) return 'The request body must be a JSON object.';
  if (typeof request.model !== 'string' || request.model === '') return 'model: Field required';
  if (request.max_tokens === undefined) return 'max_tokens: Field required';
  const maxTokens = readTokenLimit(request.max_tokens, 'max_tokens');
  if (typeof maxTokens === 'string') return maxTokens;
  if (!Array.isArray(request.messages) || request.messages.length === 0) return 'messages: Field required';
  const texts: string[] = [];
  if (request.system !== undefined) texts.push(contentText(request.system));
  for (const [index, message] of request.messages.entries()) {
    const record = asRecord(message);
    if (!record || (record.role !== 'user' && record.role !== 'assistant')) return `messages.${index}.role: Input should be 'user' or 'assistant'`;
    texts.push(contentText(record.content));
  }
  return {
    model: request.model,
    stream: request.stream === true,
    maxTokens,
    promptTokens: promptTokens(texts, request.tools === undefined ? undefined : JSON.stringify(request.tools)),
    includeUsage: true,
  };
}

const stopReason = (generation: Generation) => (generation.finish === 'length' ? 'max_tokens' : 'end_turn');
const inputUsage = (generation: Generation) => ({ input_tokens: generation.promptTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });

function completeBody(generation: Generation): unknown {
  return {
    id: generation.id,
    type: 'message',
    role: 'assistant',
    model: generation.model,
    content: [{ type: 'text', text: generation.chunks.join('') }],
    stop_reason: stopReason(generation),
    stop_sequence: null,
    usage: { ...inputUsage(generation), output_tokens: generation.outputTokens },
  };
}

function stream(generation: Generation): StreamEncoder {
  return {
    contentType: STREAM_CONTENT_TYPE,
    start: () =>
      sseEvent('message_start', {
        type: 'message_start',
        message: { id: generation.id, type: 'message', role: 'assistant', model: generation.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...inputUsage(generation), output_tokens: 1 } },
      }) +
      sseEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
      sseEvent('ping', { type: 'ping' }),
    chunk: (text) => sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),
    finish: () =>
      sseEvent('content_block_stop', { type: 'content_block_stop', index: 0 }) +
      sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason(generation), stop_sequence: null }, usage: { output_tokens: generation.outputTokens } }) +
      sseEvent('message_stop', { type: 'message_stop' }),
    error: (body) => sseEvent('error', body),
    keepAlive: SSE_KEEP_ALIVE,
  };
}

/** The Anthropic messages surface. */
export const anthropicSurface: SurfaceCodec = {
  parse,
  responseId: (hex) => `msg_01${hex}`,
  completeBody,
  stream,
  streamContentType: () => STREAM_CONTENT_TYPE,
};
