import { afterEach, describe, expect, it } from 'vitest';
import type { MockServer } from '../../src/mock/index.js';
import { dataJson, openaiChat, parseSse, startOnManualClock, tapBody, waitFor } from './helpers.js';

let mock: MockServer | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

const rateLimitHeaderNames = (response: Response) => [...response.headers.keys()].filter((h) => h.includes('ratelimit') || h.startsWith('retry-after'));

describe('mock OpenAI-compatible providers keep their own quirks', () => {
  it('xAI: RPS = RPM / 60, so 120 RPM is a burst of 2, refilled every half second; no rate-limit headers', async () => {
    const started = await startOnManualClock({ keys: { x: { provider: 'xai', limits: { requestsPerMinute: 120 }, outputTokens: 1 } } });
    mock = started.mock;
    const send = () => openaiChat(started.mock, 'x', { model: 'grok-3-mini' });
    const first = await send();
    expect(rateLimitHeaderNames(first)).toEqual([]);
    expect((await send()).status).toBe(200);
    const refused = await send();
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'Some resource has been exhausted', error: expect.stringContaining('Rate limit exceeded') });
    started.clock.advance(499);
    expect((await send()).status).toBe(429);
    started.clock.advance(1);
    expect((await send()).status).toBe(200);
    expect(started.mock.keys.x!.buckets).toEqual([{ dimension: 'requests', limit: 120, capacity: 2 }]);
  });

  it('DeepSeek: no rate-limit headers; over the limit a stream is held with ": keep-alive" comments until it fits', async () => {
    const started = await startOnManualClock({
      keys: { d: { provider: 'deepseek', limits: { requestsPerMinute: 60, burst: { requests: 1 } }, keepAliveIntervalMs: 300, outputTokens: 2 } },
    });
    mock = started.mock;
    const first = await openaiChat(started.mock, 'd', { model: 'deepseek-chat' });
    expect(first.status).toBe(200);
    expect(rateLimitHeaderNames(first)).toEqual([]);
    const held = await openaiChat(started.mock, 'd', { model: 'deepseek-chat', stream: true, stream_options: { include_usage: true } });
    expect(held.status).toBe(200);
    expect(started.mock.ledger('d').queued).toBe(1);
    const body = tapBody(held);
    await started.clock.advanceAsync(300);
    await waitFor(() => body.text.includes(': keep-alive'));
    await started.clock.advanceAsync(300);
    await waitFor(() => body.text.split(': keep-alive').length === 3);
    expect(body.text).not.toContain('data:');
    await started.clock.advanceAsync(400); // one second after the first request: the bucket holds one again
    expect(await body.finished).toBe('done');
    const text = body.text;
    const blocks = parseSse(text);
    expect(blocks.filter((b) => b.comments.includes('keep-alive'))).toHaveLength(3); // at 300, 600 and 900 ms
    expect(blocks.at(-1)!.data).toBe('[DONE]');
    expect(dataJson(blocks).at(-1)!.usage).toMatchObject({ completion_tokens: 2, prompt_cache_miss_tokens: expect.any(Number) });
    expect(started.mock.ledger('d')).toMatchObject({ admitted: 2, queued: 0, rejectedTotal: 0, violations: 0 });
  });

  it('DeepSeek: a held plain request gets blank lines, then its JSON; a wait past maxWaitMs closes the connection', async () => {
    const started = await startOnManualClock({
      keys: { d: { provider: 'deepseek', limits: { requestsPerMinute: 6, burst: { requests: 1 } }, keepAliveIntervalMs: 1000, maxWaitMs: 15_000, outputTokens: 2 } },
    });
    mock = started.mock;
    await (await openaiChat(started.mock, 'd', {})).arrayBuffer();
    const held = await openaiChat(started.mock, 'd', {});
    const body = held.text();
    await started.clock.advanceAsync(10_000);
    const text = await body;
    expect(text.startsWith('\n')).toBe(true);
    expect((JSON.parse(text) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(2);
    // Now two more: the first waits its 10 s turn, the second cannot start within 15 s and is dropped.
    const second = openaiChat(started.mock, 'd', {}).then((r) => r.text());
    const third = openaiChat(started.mock, 'd', {}).then(
      (r) => r.text().then(() => 'answered', () => 'dropped'),
      () => 'dropped',
    );
    await waitFor(() => started.mock.ledger('d').queued === 2);
    for (let i = 0; i < 16; i++) await started.clock.advanceAsync(1000);
    expect(JSON.parse(await second)).toMatchObject({ object: 'chat.completion' });
    expect(await third).toBe('dropped');
    expect(started.mock.ledger('d')).toMatchObject({ admitted: 3, rejected: { requests: 1 }, queued: 0 });
  });

  it('DeepSeek: a request that can never fit gets 429 at once instead of holding up the queue', async () => {
    const started = await startOnManualClock({ keys: { d: { provider: 'deepseek', limits: { requestsPerMinute: 60, tokensPerMinute: 1000, burst: { requests: 1 } }, outputTokens: 1 } } });
    mock = started.mock;
    await (await openaiChat(started.mock, 'd', { max_tokens: 10 })).arrayBuffer();
    const held = openaiChat(started.mock, 'd', { max_tokens: 10 }).then((r) => r.text());
    await waitFor(() => started.mock.ledger('d').queued === 1);
    const huge = await openaiChat(started.mock, 'd', { max_tokens: 5000 });
    expect(huge.status).toBe(429);
    expect(await huge.json()).toMatchObject({ error: { message: 'Rate Limit Reached' } });
    await started.clock.advanceAsync(1000);
    expect(JSON.parse(await held)).toMatchObject({ object: 'chat.completion' });
    expect(started.mock.ledger('d')).toMatchObject({ admitted: 2, tooLarge: 1, queued: 0 });
  });

  it('DeepSeek: a slow answer is preceded by keep-alives (comments in a stream, blank lines before JSON)', async () => {
    const started = await startOnManualClock({ keys: { d: { provider: 'deepseek', keepAliveIntervalMs: 400, outputTokens: 2, latency: { timeToFirstTokenMs: 1000 } } } });
    mock = started.mock;
    const stream = tapBody(await openaiChat(started.mock, 'd', { stream: true }));
    await started.clock.advanceAsync(400);
    await waitFor(() => stream.text.includes(': keep-alive'));
    expect(stream.text).not.toContain('"delta":{"content"');
    await started.clock.advanceAsync(600);
    expect(await stream.finished).toBe('done');
    const blocks = parseSse(stream.text);
    expect(blocks.filter((b) => b.comments.includes('keep-alive'))).toHaveLength(2); // at 400 and 800 ms
    expect(blocks.at(-1)!.data).toBe('[DONE]');
    const plain = openaiChat(started.mock, 'd', {}).then((r) => r.text());
    await waitFor(() => started.mock.ledger('d').inFlight === 1);
    await started.clock.advanceAsync(1000);
    const text = await plain;
    expect(text).toMatch(/^\n\n\{/);
    expect(JSON.parse(text)).toMatchObject({ object: 'chat.completion' });
  });

  it('Moonshot: X-RateLimit-* headers, a concurrency limit, and the stream usage inside the last choice', async () => {
    const started = await startOnManualClock({
      keys: { m: { provider: 'moonshot', limits: { requestsPerMinute: 200, maxConcurrent: 1 }, outputTokens: 3, latency: { timeToFirstTokenMs: 1000 } } },
    });
    mock = started.mock;
    const slow = openaiChat(started.mock, 'm', { model: 'kimi-k2-0711-preview' });
    await waitFor(() => started.mock.ledger('m').inFlight === 1);
    const refused = await openaiChat(started.mock, 'm', {});
    expect(refused.status).toBe(429);
    const refusedBody = (await refused.json()) as { error: { type: string; message: string } };
    expect(refusedBody.error.type).toBe('rate_limit_reached_error');
    expect(refusedBody.error.message).toMatch(/request reached organization max concurrency: 1, please try again after 1 seconds/);
    await started.clock.advanceAsync(1000);
    const ok = await slow;
    expect(ok.status).toBe(200);
    expect(ok.headers.get('X-RateLimit-Limit')).toBe('200');
    expect(ok.headers.get('x-ratelimit-remaining')).toBe('199');
    expect(Number(ok.headers.get('x-ratelimit-reset'))).toBe(Math.ceil((Date.UTC(2026, 0, 1, 12) + 300) / 1000));
    const streamed = openaiChat(started.mock, 'm', { stream: true }).then((r) => r.text());
    await waitFor(() => started.mock.ledger('m').inFlight === 1);
    await started.clock.advanceAsync(1000);
    const chunks = dataJson(parseSse(await streamed));
    const last = chunks.at(-1)!.choices as { finish_reason: string; usage: { completion_tokens: number } }[];
    expect(last[0]).toMatchObject({ finish_reason: 'stop', usage: { completion_tokens: 3 } });
    expect(started.mock.ledger('m')).toMatchObject({ peakConcurrency: 1, rejected: { concurrency: 1 }, violations: 0 });
  });
});
