/**
 * Gemini generateContent (`POST /v1beta/models/{model}:generateContent`) and
 * streamGenerateContent: with `?alt=sse`, `data:` events separated by CRLF pairs and no
 * terminator event (the last chunk carries finishReason); without it, a JSON array written
 * piece by piece. Every chunk carries usageMetadata; the last one has the full counts.
 */
import { sseData, SSE_KEEP_ALIVE } from './sse.js';
import { asRecord, type Generation, type ParsedRequest, readTokenLimit, type StreamEncoder, type SurfaceCodec } from './surface-types.js';
import { contentText, promptTokens } from './token-count.js';

const SSE_CONTENT_TYPE = 'text/event-stream';
const ARRAY_CONTENT_TYPE = 'application/json; charset=UTF-8';

function parse(body: unknown, route: { readonly model?: string; readonly stream: boolean }): ParsedRequest | string {
  const request = asRecord(body);
  if (!request) return 'Invalid JSON payload received. Expected an object.';
  if (!Array.isArray(request.contents) || request.contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified';
  const texts: string[] = [];
  const system = asRecord(request.systemInstruction);
  if (system) texts.push(contentText(system.parts));
  for (const [index, content] of request.contents.entries()) {
    const record = asRecord(content);
    if (!record || !Array.isArray(record.parts)) return `* GenerateContentRequest.contents[${index}].parts: contents.parts must not be empty.`;
    texts.push(contentText(record.parts));
  }
  const maxTokens = readTokenLimit(asRecord(request.generationConfig)?.maxOutputTokens, 'generationConfig.maxOutputTokens');
  if (typeof maxTokens === 'string') return maxTokens;
  return {
    model: route.model ?? '',
    stream: route.stream,
    maxTokens,
    promptTokens: promptTokens(texts, request.tools === undefined ? undefined : JSON.stringify(request.tools)),
    includeUsage: true,
  };
}

const finishReason = (generation: Generation) => (generation.finish === 'length' ? 'MAX_TOKENS' : 'STOP');

function candidateChunk(generation: Generation, text: string, final: boolean): unknown {
  return {
    candidates: [{ content: { parts: [{ text }], role: 'model' }, ...(final ? { finishReason: finishReason(generation) } : {}), index: 0 }],
    usageMetadata: final
      ? { promptTokenCount: generation.promptTokens, candidatesTokenCount: generation.outputTokens, totalTokenCount: generation.promptTokens + generation.outputTokens }
      : { promptTokenCount: generation.promptTokens, totalTokenCount: generation.promptTokens },
    modelVersion: generation.model,
    responseId: generation.id,
  };
}

function stream(generation: Generation, options: { readonly sse: boolean }): StreamEncoder {
  if (options.sse) {
    const event = (payload: unknown) => sseData(payload, '\r\n\r\n');
    return {
      contentType: SSE_CONTENT_TYPE,
      start: () => '',
      chunk: (text) => event(candidateChunk(generation, text, false)),
      finish: () => event(candidateChunk(generation, '', true)),
      error: (body) => event(body),
      keepAlive: SSE_KEEP_ALIVE,
    };
  }
  // Without alt=sse: one JSON array, its elements written as they come.
  let written = 0;
  const element = (payload: unknown) => `${written++ === 0 ? '' : ',\r\n'}${JSON.stringify(payload)}`;
  return {
    contentType: ARRAY_CONTENT_TYPE,
    start: () => '[',
    chunk: (text) => element(candidateChunk(generation, text, false)),
    finish: () => `${element(candidateChunk(generation, '', true))}]`,
    error: (body) => `${element(body)}]`,
    keepAlive: '\n',
  };
}

/** The Gemini generateContent surface. */
export const geminiSurface: SurfaceCodec = {
  parse,
  responseId: (hex) => hex.slice(0, 22),
  completeBody: (generation) => candidateChunk(generation, generation.chunks.join(''), true),
  stream,
  streamContentType: ({ sse }) => (sse ? SSE_CONTENT_TYPE : ARRAY_CONTENT_TYPE),
};
