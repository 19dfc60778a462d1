/** Google's Gemini generateContent API (`:streamGenerateContent?alt=sse` for streams). */
import { errorFromStreamEvent } from '../stream-error.js';
import type { StreamEvent } from '../types.js';
import { type CallSettings, type HttpCall, malformed, type StreamState, trimSlash, usageFrom, type WireAdapter } from './adapter.js';

interface GeminiChunk {
  candidates?: { content?: { parts?: { text?: string }[] }; finishReason?: string }[];
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number; totalTokenCount?: number };
  modelVersion?: string;
  error?: unknown;
}

function textOf(chunk: GeminiChunk): string {
  return (chunk.candidates?.[0]?.content?.parts ?? []).map((part) => part.text ?? '').join('');
}

const usageOf = (chunk: GeminiChunk) => usageFrom(chunk.usageMetadata?.promptTokenCount, chunk.usageMetadata?.candidatesTokenCount, chunk.usageMetadata?.totalTokenCount);

export function geminiWire(provider: string): WireAdapter {
  return {
    surface: 'gemini',
    buildCall({ request, model, maxTokens, stream, apiKey, baseURL }: CallSettings): HttpCall {
      const system = request.messages.filter((m) => m.role === 'system').map((m) => ({ text: m.content }));
      const contents = request.messages
        .filter((m) => m.role !== 'system')
        .map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] }));
      const generationConfig: Record<string, unknown> = { maxOutputTokens: maxTokens };
      if (request.temperature !== undefined) generationConfig.temperature = request.temperature;
      if (request.stop !== undefined) generationConfig.stopSequences = request.stop;
      const body: Record<string, unknown> = { contents, generationConfig };
      if (system.length) body.systemInstruction = { parts: system };
      const path = stream ? `:streamGenerateContent?alt=sse` : `:generateContent`;
      return {
        url: `${trimSlash(baseURL)}/models/${encodeURIComponent(model)}${path}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': apiKey, accept: stream ? 'text/event-stream' : 'application/json' },
        body: JSON.stringify(body),
      };
    },
    parseCompletion(raw: unknown, model: string) {
      const body = raw as GeminiChunk | undefined;
      if (!body || !Array.isArray(body.candidates)) throw malformed(provider, 'response (no candidates)');
      return { content: textOf(body), model: body.modelVersion ?? model, finishReason: body.candidates[0]?.finishReason, usage: usageOf(body) };
    },
    parseStreamEvent(event, state: StreamState): StreamEvent[] {
      let chunk: GeminiChunk;
      try {
        chunk = JSON.parse(event.data) as GeminiChunk;
      } catch {
        throw malformed(provider, 'stream chunk');
      }
      if (chunk.error) throw errorFromStreamEvent(provider, chunk);
      const events: StreamEvent[] = [];
      const text = textOf(chunk);
      if (text) events.push({ type: 'content', text });
      const usage = usageOf(chunk);
      if (usage) events.push({ type: 'usage', usage });
      const finishReason = chunk.candidates?.[0]?.finishReason;
      if (finishReason) {
        // Gemini has no terminator event: the chunk with a finish reason is the last one.
        state.finished = true;
        events.push({ type: 'done', finishReason });
      }
      return events;
    },
  };
}
