import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../src/mock/index.js';
import { geminiGenerate, oneMessagePrompt, parseSse } from './helpers.js';

interface GeminiChunk {
  candidates: { content: { parts: { text: string }[]; role: string }; finishReason?: string }[];
  usageMetadata: { promptTokenCount: number; candidatesTokenCount?: number; totalTokenCount: number };
}

describe('mock Gemini surface: generateContent and streamGenerateContent', () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMockServer({ keys: { 'gemini-key': { provider: 'google', limits: { requestsPerMinute: 100, tokensPerMinute: 100_000 }, outputTokens: 6, tokensPerChunk: 2 } } });
  });
  afterAll(() => mock.close());

  it('answers generateContent with candidates and usageMetadata, and no rate-limit headers', async () => {
    const response = await geminiGenerate(mock, 'gemini-key', {});
    expect(response.status).toBe(200);
    const body = (await response.json()) as GeminiChunk;
    expect(body.candidates[0]!.content.role).toBe('model');
    expect(body.candidates[0]!.content.parts[0]!.text).toHaveLength(24);
    expect(body.candidates[0]!.finishReason).toBe('STOP');
    expect(body.usageMetadata).toEqual({ promptTokenCount: oneMessagePrompt(11), candidatesTokenCount: 6, totalTokenCount: oneMessagePrompt(11) + 6 });
    expect([...response.headers.keys()].filter((h) => h.includes('ratelimit'))).toEqual([]);
  });

  it('takes the key from ?key= as well as x-goog-api-key, and counts systemInstruction as a message', async () => {
    const response = await geminiGenerate(mock, 'gemini-key', { systemInstruction: { parts: [{ text: 'Be brief.' }] } }, { keyInQuery: true });
    expect(response.status).toBe(200);
    expect(((await response.json()) as GeminiChunk).usageMetadata.promptTokenCount).toBe(3 + (4 + 3) + (4 + 3));
  });

  it('streams with alt=sse: CRLF-separated data events, the last with finishReason and full usage', async () => {
    const response = await geminiGenerate(mock, 'gemini-key', { generationConfig: { maxOutputTokens: 4 } }, { stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    expect(text).toContain('\r\n\r\n');
    const events = parseSse(text).map((b) => JSON.parse(b.data!) as GeminiChunk);
    expect(events).toHaveLength(3);
    expect(events.slice(0, -1).every((e) => e.candidates[0]!.finishReason === undefined)).toBe(true);
    expect(events.at(-1)!.candidates[0]!.finishReason).toBe('MAX_TOKENS');
    expect(events.at(-1)!.usageMetadata).toMatchObject({ candidatesTokenCount: 4, totalTokenCount: oneMessagePrompt(11) + 4 });
  });

  it('streams without alt=sse as one JSON array', async () => {
    const response = await geminiGenerate(mock, 'gemini-key', {}, { stream: true, sse: false });
    const array = JSON.parse(await response.text()) as GeminiChunk[];
    expect(array).toHaveLength(4);
    expect(array.at(-1)!.candidates[0]!.finishReason).toBe('STOP');
  });

  it('refuses an invalid key with 400 API_KEY_INVALID and a missing one with 403, as Gemini does', async () => {
    const invalid = await geminiGenerate(mock, 'not-a-key', {});
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { error: { status: string; details: { reason: string }[] } };
    expect(body.error.status).toBe('INVALID_ARGUMENT');
    expect(body.error.details[0]!.reason).toBe('API_KEY_INVALID');
    const missing = await fetch(`${mock.url}/v1beta/models/gemini-2.0-flash:generateContent`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(403);
    expect(((await missing.json()) as { error: { status: string } }).error.status).toBe('PERMISSION_DENIED');
  });

  it('serves the v1 path as well as v1beta', async () => {
    const response = await fetch(`${mock.url}/v1/models/gemini-2.0-flash:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': 'gemini-key' },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as GeminiChunk).candidates[0]!.finishReason).toBe('STOP');
  });

  it('lists models at GET /v1beta/models', async () => {
    const body = (await (await fetch(`${mock.url}/v1beta/models`, { headers: { 'x-goog-api-key': 'gemini-key' } })).json()) as { models: { name: string }[] };
    expect(body.models.map((m) => m.name)).toContain('models/gemini-2.0-flash');
  });
});
