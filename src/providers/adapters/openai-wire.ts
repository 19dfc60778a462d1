/** OpenAI's chat completions API, also spoken by xAI, DeepSeek and Moonshot. */
import { errorFromStreamEvent } from '../stream-error.js';
import type { StreamEvent } from '../types.js';
import { type CallSettings, type HttpCall, malformed, type StreamState, trimSlash, usageFrom, type WireAdapter } from './adapter.js';

interface OpenAIChoice {
  message?: { content?: string | null };
  delta?: { content?: string | null };
  finish_reason?: string | null;
}
interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}
interface OpenAIBody {
  model?: string;
  choices?: OpenAIChoice[];
  usage?: OpenAIUsage | null;
  error?: unknown;
}

const usageOf = (usage: OpenAIUsage | null | undefined) => usageFrom(usage?.prompt_tokens, usage?.completion_tokens, usage?.total_tokens);

export function openAIWire(provider: string): WireAdapter {
  return {
    surface: 'openai',
    buildCall({ request, model, maxTokens, stream, apiKey, baseURL }: CallSettings): HttpCall {
      const body: Record<string, unknown> = { model, messages: request.messages, max_tokens: maxTokens };
      if (request.temperature !== undefined) body.temperature = request.temperature;
      if (request.stop !== undefined) body.stop = request.stop;
      if (stream) {
        body.stream = true;
        body.stream_options = { include_usage: true };
      }
      return {
        url: `${trimSlash(baseURL)}/chat/completions`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, accept: stream ? 'text/event-stream' : 'application/json' },
        body: JSON.stringify(body),
      };
    },
    parseCompletion(raw: unknown, model: string) {
      const body = raw as OpenAIBody | undefined;
      const choice = body?.choices?.[0];
      if (!choice || typeof choice !== 'object') throw malformed(provider, 'completion (no choices)');
      return { content: choice.message?.content ?? '', model: body?.model ?? model, finishReason: choice.finish_reason ?? undefined, usage: usageOf(body?.usage) };
    },
    parseStreamEvent(event, state: StreamState): StreamEvent[] {
      if (event.data === '[DONE]') {
        state.finished = true;
        return [];
      }
      let chunk: OpenAIBody;
      try {
        chunk = JSON.parse(event.data) as OpenAIBody;
      } catch {
        throw malformed(provider, 'stream chunk');
      }
      if (chunk.error) throw errorFromStreamEvent(provider, chunk);
      const events: StreamEvent[] = [];
      const choice = chunk.choices?.[0];
      const text = choice?.delta?.content;
      if (typeof text === 'string' && text.length > 0) events.push({ type: 'content', text });
      if (choice?.finish_reason) events.push({ type: 'done', finishReason: choice.finish_reason });
      const usage = usageOf(chunk.usage);
      if (usage) events.push({ type: 'usage', usage });
      return events;
    },
  };
}
