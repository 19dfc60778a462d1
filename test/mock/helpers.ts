/** Helpers of the mock server's tests: requests to each surface, and an SSE reader of their own. */
import fc from 'fast-check';
import { afterEach } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { admissionCharge, amountFor, settledCharge } from '../../src/mock/accounting.js';
import { startMockServer, type AccountingModel, type MockKeyConfig, type MockServer, type MockServerOptions } from '../../src/mock/index.js';
import { KeyLimiter } from '../../src/mock/key-limiter.js';
import { LimitAudit } from '../../src/mock/limit-audit.js';
import type { BucketSpec } from '../../src/mock/resolve-config.js';

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

/**
 * For a test file whose tests each start one server on a manual clock: returns `serve(keys)`,
 * and closes the server after each test.
 */
export function serveOnManualClock(): (keys: Record<string, MockKeyConfig>) => Promise<MockServer> {
  let current: MockServer | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async (keys) => {
    current = (await startOnManualClock({ keys })).mock;
    return current;
  };
}

/** Sends `count` requests one after another; their statuses (bodies read). */
export async function statuses(count: number, send: () => Promise<Response>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await send();
    await response.arrayBuffer();
    out.push(response.status);
  }
  return out;
}

/** One step of traffic replayed against a key limiter and its audit. */
export interface TrafficStep {
  advanceMs: number;
  prompt: number;
  maxTokens: number;
  output: number;
  /** End the oldest request in flight before this step's admission. */
  releaseNow: boolean;
}

/** Traffic of 50 to 200 steps, each at most `maxAdvanceMs` after the last, for property tests. */
export function trafficArbitrary(maxAdvanceMs: number): fc.Arbitrary<TrafficStep[]> {
  const step = fc.record({
    advanceMs: fc.integer({ min: 0, max: maxAdvanceMs }),
    prompt: fc.integer({ min: 1, max: 400 }),
    maxTokens: fc.integer({ min: 1, max: 500 }),
    output: fc.integer({ min: 0, max: 500 }),
    releaseNow: fc.boolean(),
  });
  // A lower bound on the length: fast-check's default sizes would keep most arrays short, and
  // traffic that crosses no window boundary tests little.
  return fc.array(step, { minLength: 50, maxLength: 200 });
}

/** The accounting models, for property tests. */
export const ACCOUNTING_MODELS = fc.constantFrom<AccountingModel>('openai', 'openai-max', 'anthropic', 'gemini');

/**
 * Replays `steps` through a KeyLimiter and records what it admits and refunds in an independent
 * LimitAudit, as the server does; resolves to the audit's violation count (0 when the limiter
 * never admits what the audit forbids).
 */
export function auditedReplay(model: AccountingModel, specs: readonly BucketSpec[], wallOffsetMs: number, steps: readonly TrafficStep[], maxConcurrent = 4): number {
  const limiter = new KeyLimiter(specs, maxConcurrent, 0, wallOffsetMs);
  const audit = new LimitAudit(specs, maxConcurrent, 0, wallOffsetMs);
  const open: { charge: ReturnType<typeof admissionCharge>; output: number; at: number }[] = [];
  let now = 0;
  for (const step of steps) {
    now += step.advanceMs;
    const oldest = step.releaseNow ? open.shift() : undefined;
    if (oldest) {
      const settled = settledCharge(model, oldest.charge, oldest.output);
      limiter.release(oldest.charge, settled, now, oldest.at);
      for (const s of specs) audit.record(s.dimension, amountFor(s.dimension, settled) - amountFor(s.dimension, oldest.charge), now, oldest.at);
      audit.exit();
    }
    const charge = admissionCharge(model, { promptTokens: step.prompt, maxTokens: step.maxTokens, defaultMaxTokens: 4096 });
    const result = limiter.tryAdmit(charge, now);
    if (!result.ok) continue;
    for (const s of specs) audit.record(s.dimension, amountFor(s.dimension, charge), now);
    audit.enter(now);
    open.push({ charge, output: step.output, at: result.at });
  }
  return audit.violationCount;
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
