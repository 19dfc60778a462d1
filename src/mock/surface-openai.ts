/**
 * OpenAI chat completions (`POST /v1/chat/completions`), also spoken by xAI, DeepSeek and
 * Moonshot. A stream is `data:` chunks ending with `data: [DONE]`; with
 * `stream_options.include_usage` every chunk carries `usage: null` and a last chunk with empty
 * `choices` carries the usage. Moonshot instead puts `usage` inside the last choice.
 */
import { PROVIDER_PROFILES } from './provider-profiles.js';
import { sseData, SSE_KEEP_ALIVE } from './sse.js';
import { asRecord, type Generation, type ParsedRequest, readTokenLimit, type StreamEncoder, type SurfaceCodec } from './surface-types.js';
import { contentText, promptTokens } from './token-count.js';

const STREAM_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

function parse(body: unknown): ParsedRequest | string {
  const request = asRecord(body);
  if (!request) return 'The request body must be a JSON object.';
  if (typeof request.model !== 'string' || request.model === '') return 'you must provide a model parameter';
  if (!Array.isArray(request.messages) || request.messages.length === 0) return "Missing required parameter: 'messages'.";
  const texts: string[] = [];
  for (const [index, message] of request.messages.entries()) {
    const record = asRecord(message);
    if (!record || typeof record.role !== 'string') return `Invalid value for 'messages[${index}]': expected an object with a 'role'.`;
    texts.push(contentText(record.content));
  }
  const maxTokens = readTokenLimit(request.max_completion_tokens ?? request.max_tokens, request.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens');
  if (typeof maxTokens === 'string') return maxTokens;
  return {
    model: request.model,
    stream: request.stream === true,
    maxTokens,
    promptTokens: promptTokens(texts, request.tools === undefined ? undefined : JSON.stringify(request.tools)),
    includeUsage: asRecord(request.stream_options)?.include_usage === true,
  };
}

function usage(generation: Generation) {
  const base = {
    prompt_tokens: generation.promptTokens,
    completion_tokens: generation.outputTokens,
    total_tokens: generation.promptTokens + generation.outputTokens,
  };
  if (generation.provider === 'deepseek') return { ...base, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: generation.promptTokens };
  return { ...base, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };
}

function completeBody(generation: Generation): unknown {
  return {
    id: generation.id,
    object: 'chat.completion',
    created: generation.createdSeconds,
    model: generation.model,
    choices: [{ index: 0, message: { role: 'assistant', content: generation.chunks.join(''), refusal: null }, logprobs: null, finish_reason: generation.finish }],
    usage: usage(generation),
    system_fingerprint: 'fp_mock',
  };
}

function stream(generation: Generation): StreamEncoder {
  const usageInLastChoice = PROVIDER_PROFILES[generation.provider].usageInLastChoice;
  const withUsage = generation.includeUsage && !usageInLastChoice;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    sseData({
      id: generation.id,
      object: 'chat.completion.chunk',
      created: generation.createdSeconds,
      model: generation.model,
      system_fingerprint: 'fp_mock',
      choices,
      ...(withUsage ? { usage: null } : {}),
      ...extra,
    });
  const choice = (delta: unknown, finish: string | null = null, extra: Record<string, unknown> = {}) => ({ index: 0, delta, logprobs: null, finish_reason: finish, ...extra });
  return {
    contentType: STREAM_CONTENT_TYPE,
    start: () => chunk([choice({ role: 'assistant', content: '', refusal: null })]),
    chunk: (text) => chunk([choice({ content: text })]),
    finish: () => {
      const lastChoice = usageInLastChoice ? choice({}, generation.finish, { usage: usage(generation) }) : choice({}, generation.finish);
      let out = chunk([lastChoice]);
      if (withUsage) out += chunk([], { usage: usage(generation) });
      return `${out}${sseData('[DONE]')}`;
    },
    error: (body) => sseData(body),
    keepAlive: SSE_KEEP_ALIVE,
  };
}

/** The OpenAI chat completions surface. */
export const openaiSurface: SurfaceCodec = {
  parse,
  responseId: (hex) => `chatcmpl-${hex}`,
  completeBody,
  stream,
  streamContentType: () => STREAM_CONTENT_TYPE,
};
