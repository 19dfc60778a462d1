/** Helpers of the mock server's tests: requests to each surface, and an SSE reader of their own. */
import { ManualClock } from '../../src/core/clock.js';
import { startMockServer, type MockServer, type MockServerOptions } from '../../src/mock/index.js';

/** One server-sent event block: its event name, data lines joined, and comment lines. */
export interface SseBlock {
  event?: string;
  data?: string;
  comments: string[];
}

/** Splits an SSE body into blocks (LF or CRLF separated), as a client would. */
export function parseSse(text: string): SseBlock[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const result: SseBlock = { comments: [] };
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) result.comments.push(line.slice(1).trim());
        else if (line.startsWith('event:')) result.event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) result.data = data.join('\n');
      return result;
    });
}

/** The JSON payloads of the data events, `[DONE]` excluded. */
export const dataJson = (blocks: SseBlock[]): Record<string, unknown>[] =>
  blocks.filter((b) => b.data !== undefined && b.data !== '[DONE]').map((b) => JSON.parse(b.data!) as Record<string, unknown>);

/** A mock server on a manual clock, closed by the caller. */
export async function startOnManualClock(options: Omit<MockServerOptions, 'clock'>): Promise<{ mock: MockServer; clock: ManualClock }> {
  const clock = new ManualClock({ startMs: 1000, wallTimeMs: Date.UTC(2026, 0, 1, 12, 0, 0) });
  const mock = await startMockServer({ ...options, clock });
  return { mock, clock };
}

/** POSTs an OpenAI chat completion. */
export function openaiChat(mock: MockServer, apiKey: string, body: Record<string, unknown>, init: RequestInit = {}): Promise<Response> {
  return fetch(`${mock.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }], ...body }),
    ...init,
  });
}

/** POSTs an Anthropic message. */
export function anthropicMessage(mock: MockServer, apiKey: string, body: Record<string, unknown>, init: RequestInit = {}): Promise<Response> {
  return fetch(`${mock.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'claude-sonnet-4-20250514', max_tokens: 100, messages: [{ role: 'user', content: 'Hello there' }], ...body }),
    ...init,
  });
}

/** POSTs a Gemini generateContent (or streamGenerateContent with `alt=sse` when `stream`). */
export function geminiGenerate(mock: MockServer, apiKey: string, body: Record<string, unknown>, options: { stream?: boolean; sse?: boolean; keyInQuery?: boolean } = {}): Promise<Response> {
  const method = options.stream ? 'streamGenerateContent' : 'generateContent';
  const query = new URLSearchParams();
  if (options.stream && options.sse !== false) query.set('alt', 'sse');
  if (options.keyInQuery) query.set('key', apiKey);
  const suffix = query.size > 0 ? `?${query}` : '';
  return fetch(`${mock.url}/v1beta/models/gemini-2.0-flash:${method}${suffix}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.keyInQuery ? {} : { 'x-goog-api-key': apiKey }) },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello there' }] }], ...body }),
  });
}

/** The mock's prompt-token rule for single-message requests whose text has `characters` characters. */
export const oneMessagePrompt = (characters: number): number => 3 + 4 + Math.ceil(characters / 4);

/** Polls `predicate` (every 5 ms, at most `timeoutMs`) until it holds: for a request to reach the server. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Reads a response body in the background; `text` is what has arrived so far. */
export function tapBody(response: Response): { readonly text: string; readonly finished: Promise<'done' | 'error'> } {
  const state = { text: '' };
  const decoder = new TextDecoder();
  const reader = response.body!.getReader();
  const finished = (async (): Promise<'done' | 'error'> => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return 'done';
        state.text += decoder.decode(value, { stream: true });
      }
    } catch {
      return 'error';
    }
  })();
  return {
    get text() {
      return state.text;
    },
    finished,
  };
}

/** Lets real time pass (for asserting that nothing arrives). */
export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
