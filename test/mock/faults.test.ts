import { afterEach, describe, expect, it } from 'vitest';
import { startMockServer, type MockServer } from '../../src/mock/index.js';
import { anthropicMessage, dataJson, geminiGenerate, openaiChat, parseSse, realSleep, startOnManualClock, tapBody, waitFor } from './helpers.js';

let servers: MockServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
const track = <T extends { mock: MockServer }>(started: T): T => {
  servers.push(started.mock);
  return started;
};

async function statusSequence(mock: MockServer, key: string, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await openaiChat(mock, key, {});
    await response.arrayBuffer();
    out.push(response.status);
  }
  return out;
}

describe('mock faults: injected errors', () => {
  it('an error rate by status, seeded: the same seed gives the same sequence, and the body is the provider\'s', async () => {
    const keys = { k: { provider: 'openai' as const, outputTokens: 1, faults: { errorRates: { '500': 0.2, '503': 0.1 } } } };
    const a = track({ mock: await startMockServer({ keys, seed: 7 }) }).mock;
    const b = track({ mock: await startMockServer({ keys, seed: 7 }) }).mock;
    const c = track({ mock: await startMockServer({ keys, seed: 8 }) }).mock;
    const sequence = await statusSequence(a, 'k', 200);
    expect(await statusSequence(b, 'k', 200)).toEqual(sequence);
    expect(await statusSequence(c, 'k', 200)).not.toEqual(sequence);
    const count = (status: number) => sequence.filter((s) => s === status).length;
    expect(count(500)).toBeGreaterThan(20);
    expect(count(500)).toBeLessThan(65);
    expect(count(503)).toBeGreaterThan(5);
    expect(count(503)).toBeLessThan(40);
    expect(a.ledger('k')).toMatchObject({ admitted: 200, failed: count(500) + count(503), succeeded: count(200) });
    a.setFaults({ errorRates: { '500': 1 } }, { key: 'k' });
    const failed = await openaiChat(a, 'k', {});
    expect(failed.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await failed.json()).toEqual({ error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } });
  });

  it('Anthropic 529 overloaded_error and Gemini 503 UNAVAILABLE in their own formats', async () => {
    const { mock } = track({
      mock: await startMockServer({
        keys: { a: { provider: 'anthropic', faults: { errorRates: { '529': 1 } } }, g: { provider: 'google', faults: { errorRates: { '503': 1 } } } },
      }),
    });
    const overloaded = await anthropicMessage(mock, 'a', {});
    expect(overloaded.status).toBe(529);
    expect(await overloaded.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const unavailable = await geminiGenerate(mock, 'g', {});
    expect(unavailable.status).toBe(503);
    expect(await unavailable.json()).toMatchObject({ error: { code: 503, status: 'UNAVAILABLE' } });
  });
});

describe('mock faults: outages, slowness and latency', () => {
  it('an outage window answers 503 from its start until its end, and consumes nothing', async () => {
    const { mock, clock } = track(await startOnManualClock({ keys: { k: { provider: 'openai', limits: { requestsPerMinute: 2 }, outputTokens: 1 } } }));
    mock.setFaults({ outages: [{ fromMs: 1000, untilMs: 3000, mode: 'unavailable' }] });
    expect(await statusSequence(mock, 'k', 1)).toEqual([200]);
    clock.advance(1000);
    const down = await openaiChat(mock, 'k', {});
    expect(down.status).toBe(503);
    expect(((await down.json()) as { error: { message: string } }).error.message).toBe('The server is overloaded or not ready yet.');
    expect(await statusSequence(mock, 'k', 5)).toEqual([503, 503, 503, 503, 503]);
    clock.advance(2000);
    // The 6 refused requests took nothing: one request remains from the burst (plus 3 s of refill).
    expect(await statusSequence(mock, 'k', 2)).toEqual([200, 429]);
    expect(mock.ledger('k').rejected.fault).toBe(6);
  });

  it('an outage in reset mode drops the connection without a response', async () => {
    const { mock } = track({ mock: await startMockServer({ keys: { k: { provider: 'openai', faults: { outages: [{ mode: 'reset' }] } } } }) });
    await expect(openaiChat(mock, 'k', {})).rejects.toThrow();
    expect(mock.ledger('k').rejected.fault).toBe(1);
  });

  it('an outage in hang mode never answers; the client gives up, and close() still ends it', async () => {
    const { mock } = track({ mock: await startMockServer({ keys: { k: { provider: 'openai', faults: { outages: [{ mode: 'hang' }] } } } }) });
    const started = performance.now();
    await expect(openaiChat(mock, 'k', {}, { signal: AbortSignal.timeout(150) })).rejects.toThrow(/aborted|timeout/i);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    const pending = openaiChat(mock, 'k', {}).then(
      () => 'answered',
      () => 'dropped',
    );
    await waitFor(() => mock.ledger('k').rejected.fault === 2);
    await mock.close();
    expect(await pending).toBe('dropped');
  });

  it('slowness delays any response by addedLatencyMs', async () => {
    const { mock, clock } = track(await startOnManualClock({ keys: { k: { provider: 'openai', outputTokens: 1 } } }));
    mock.setFaults({ addedLatencyMs: 2000 }, { key: 'k' });
    let arrived = false;
    const response = openaiChat(mock, 'k', {}).then((r) => {
      arrived = true;
      return r;
    });
    await waitFor(() => mock.ledger('k').received === 1);
    await clock.advanceAsync(1999);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(arrived).toBe(false);
    await clock.advanceAsync(1);
    expect((await response).status).toBe(200);
  });

  it('latency: time to first token, then a delay per chunk, in the stream', async () => {
    const { mock, clock } = track(
      await startOnManualClock({ keys: { k: { provider: 'openai', outputTokens: 3, latency: { timeToFirstTokenMs: 1000, perChunkMs: { kind: 'uniform', minMs: 100, maxMs: 100 } } } } }),
    );
    const body = tapBody(await openaiChat(mock, 'k', { stream: true }));
    const contentChunks = () => dataJson(parseSse(body.text)).filter((c) => (c.choices as { delta: { content?: string } }[])[0]?.delta.content).length;
    await waitFor(() => body.text.includes('"role":"assistant"'));
    await clock.advanceAsync(999);
    await realSleep(30);
    expect(contentChunks()).toBe(0);
    await clock.advanceAsync(1);
    await waitFor(() => contentChunks() === 1);
    await clock.advanceAsync(99);
    await realSleep(30);
    expect(contentChunks()).toBe(1);
    await clock.advanceAsync(1);
    await waitFor(() => contentChunks() === 2);
    await clock.advanceAsync(100);
    expect(await body.finished).toBe('done');
    expect(contentChunks()).toBe(3);
    expect(parseSse(body.text).at(-1)!.data).toBe('[DONE]');
  });
});

describe('mock faults: inside a 200 stream', () => {
  it('cuts the stream after K chunks without its terminator, on every surface', async () => {
    const stream = { cutAfterChunks: 2 };
    const { mock } = track({
      mock: await startMockServer({
        keys: {
          o: { provider: 'openai', outputTokens: 5, faults: { stream } },
          a: { provider: 'anthropic', outputTokens: 5, faults: { stream } },
          g: { provider: 'google', outputTokens: 5, faults: { stream } },
        },
      }),
    });
    const openai = parseSse(await (await openaiChat(mock, 'o', { stream: true })).text());
    expect(openai.some((b) => b.data === '[DONE]')).toBe(false);
    expect(dataJson(openai)).toHaveLength(3); // role chunk + 2 content chunks
    const anthropic = parseSse(await (await anthropicMessage(mock, 'a', { stream: true })).text());
    expect(anthropic.map((b) => b.event)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta']);
    const gemini = dataJson(parseSse(await (await geminiGenerate(mock, 'g', {}, { stream: true })).text()));
    expect(gemini).toHaveLength(2);
    expect(JSON.stringify(gemini)).not.toContain('finishReason');
    // The cut counts as a failure, with the output sent before it.
    expect(mock.ledger('a')).toMatchObject({ failed: 1, succeeded: 0, charged: { outputTokens: 2 } });
  });

  it('cutMode reset drops the connection mid-stream', async () => {
    const { mock } = track({ mock: await startMockServer({ keys: { o: { provider: 'openai', outputTokens: 5, faults: { stream: { cutAfterChunks: 1, cutMode: 'reset' } } } } }) });
    const response = await openaiChat(mock, 'o', { stream: true });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  it('sends an error event inside the 200: Anthropic event: error overloaded_error, OpenAI data: {"error":...}', async () => {
    const stream = { errorAfterChunks: 1 };
    const { mock } = track({ mock: await startMockServer({ keys: { o: { provider: 'openai', outputTokens: 5, faults: { stream } }, a: { provider: 'anthropic', outputTokens: 5, faults: { stream } } } }) });
    const anthropic = await anthropicMessage(mock, 'a', { stream: true });
    expect(anthropic.status).toBe(200);
    const blocks = parseSse(await anthropic.text());
    expect(blocks.at(-1)!.event).toBe('error');
    expect(JSON.parse(blocks.at(-1)!.data!)).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(blocks.some((b) => b.event === 'message_stop')).toBe(false);
    const openai = parseSse(await (await openaiChat(mock, 'o', { stream: true })).text());
    expect(JSON.parse(openai.at(-1)!.data!)).toMatchObject({ error: { type: 'server_error' } });
    expect(openai.some((b) => b.data === '[DONE]')).toBe(false);
  });

  it('a keep-alive-only stream sends nothing but ": keep-alive" until the client gives up', async () => {
    const { mock, clock } = track(await startOnManualClock({ keys: { k: { provider: 'deepseek', faults: { stream: { keepAliveOnly: true, keepAliveIntervalMs: 100 } } } } }));
    const controller = new AbortController();
    const response = await openaiChat(mock, 'k', { stream: true }, { signal: controller.signal });
    expect(response.status).toBe(200);
    const body = tapBody(response);
    for (let i = 1; i <= 5; i++) {
      await clock.advanceAsync(100);
      await waitFor(() => parseSse(body.text).length === i);
    }
    const text = body.text;
    const blocks = parseSse(text);
    expect(blocks).toHaveLength(5);
    expect(blocks.every((b) => b.data === undefined && b.comments[0] === 'keep-alive')).toBe(true);
    controller.abort();
    expect(await body.finished).toBe('error');
    await waitFor(() => mock.ledger('k').inFlight === 0);
    expect(mock.ledger('k')).toMatchObject({ admitted: 1, failed: 1, succeeded: 0 });
  });
});
