/** Anthropic's messages API: system apart, usage split, a typed SSE event stream. */
import { errorFromStreamEvent } from '../stream-error.js';
import type { ChatMessage, StreamEvent } from '../types.js';
import { type CallSettings, type HttpCall, malformed, type StreamState, trimSlash, usageFrom, type WireAdapter } from './adapter.js';

export const ANTHROPIC_VERSION = '2023-06-01';

interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
}
interface AnthropicBody {
  model?: string;
  content?: { type?: string; text?: string }[];
  stop_reason?: string | null;
  usage?: AnthropicUsage;
}

function splitSystem(messages: readonly ChatMessage[]) {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
  const rest = messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: m.content }));
  return { system: system.length ? system.join('\n\n') : undefined, messages: rest };
}

function parseJson(provider: string, data: string): Record<string, unknown> {
  try {
    return JSON.parse(data) as Record<string, unknown>;
  } catch {
    throw malformed(provider, 'stream event');
  }
}

export function anthropicWire(provider: string): WireAdapter {
  return {
    surface: 'anthropic',
    buildCall({ request, model, maxTokens, stream, apiKey, baseURL }: CallSettings): HttpCall {
      const { system, messages } = splitSystem(request.messages);
      const body: Record<string, unknown> = { model, max_tokens: maxTokens, messages };
      if (system !== undefined) body.system = system;
      if (request.temperature !== undefined) body.temperature = request.temperature;
      if (request.stop !== undefined) body.stop_sequences = request.stop;
      if (stream) body.stream = true;
      return {
        url: `${trimSlash(baseURL)}/messages`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'anthropic-version': ANTHROPIC_VERSION, accept: stream ? 'text/event-stream' : 'application/json' },
        body: JSON.stringify(body),
      };
    },
    parseCompletion(raw: unknown, model: string) {
      const body = raw as AnthropicBody | undefined;
      if (!body || !Array.isArray(body.content)) throw malformed(provider, 'message (no content)');
      const content = body.content.filter((block) => block.type === 'text').map((block) => block.text ?? '').join('');
      const usage = body.usage;
      return {
        content,
        model: body.model ?? model,
        finishReason: body.stop_reason ?? undefined,
        usage: usageFrom(usage?.input_tokens, usage?.output_tokens, undefined),
      };
    },
    parseStreamEvent(event, state: StreamState): StreamEvent[] {
      switch (event.event) {
        case 'message_start': {
          const usage = (parseJson(provider, event.data).message as { usage?: AnthropicUsage } | undefined)?.usage;
          return typeof usage?.input_tokens === 'number' ? [{ type: 'usage', usage: { inputTokens: usage.input_tokens } }] : [];
        }
        case 'content_block_delta': {
          const delta = parseJson(provider, event.data).delta as { type?: string; text?: string } | undefined;
          return delta?.type === 'text_delta' && delta.text ? [{ type: 'content', text: delta.text }] : [];
        }
        case 'message_delta': {
          const data = parseJson(provider, event.data) as { delta?: { stop_reason?: string }; usage?: AnthropicUsage };
          const events: StreamEvent[] = [];
          if (typeof data.usage?.output_tokens === 'number') events.push({ type: 'usage', usage: { outputTokens: data.usage.output_tokens } });
          if (data.delta?.stop_reason) events.push({ type: 'done', finishReason: data.delta.stop_reason });
          return events;
        }
        case 'message_stop':
          state.finished = true;
          return [];
        case 'error':
          throw errorFromStreamEvent(provider, parseJson(provider, event.data));
        default:
          return []; // ping, content_block_start/stop, and future event types
      }
    },
  };
}
