import { afterEach, describe, expect, it } from 'vitest';
import { MockConfigError, startMockServer, type MockServer } from '../../src/mock/index.js';
import { openaiChat, startOnManualClock } from './helpers.js';

let mock: MockServer | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

const control = (server: MockServer, method: string, path: string, body?: unknown) =>
  fetch(`${server.url}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });

describe('mock control endpoint: faults, ledger and reset at run time', () => {
  it('POST /_mock/faults changes the faults of a running server, globally or per key; DELETE clears them', async () => {
    mock = await startMockServer({ keys: { a: { provider: 'openai', outputTokens: 1 }, b: { provider: 'openai', outputTokens: 1 } } });
    expect((await openaiChat(mock, 'a', {})).status).toBe(200);
    const set = await control(mock, 'POST', '/_mock/faults', { key: 'a', faults: { errorRates: { '502': 1 } } });
    expect(set.status).toBe(200);
    expect((await openaiChat(mock, 'a', {})).status).toBe(502);
    expect((await openaiChat(mock, 'b', {})).status).toBe(200);
    await control(mock, 'POST', '/_mock/faults', { faults: { outages: [{ mode: 'unavailable', status: 503 }] } });
    expect((await openaiChat(mock, 'b', {})).status).toBe(503);
    const shown = (await (await control(mock, 'GET', '/_mock/faults')).json()) as { global: { outages: unknown[] }; keys: Record<string, { errorRates: Record<string, number> }> };
    expect(shown.global.outages).toHaveLength(1);
    expect(shown.keys.a!.errorRates).toEqual({ '502': 1 });
    expect((await control(mock, 'DELETE', '/_mock/faults?key=a')).status).toBe(200);
    expect((await openaiChat(mock, 'a', {})).status).toBe(503); // the global outage still holds
    await control(mock, 'DELETE', '/_mock/faults');
    expect((await openaiChat(mock, 'a', {})).status).toBe(200);
    expect((await openaiChat(mock, 'b', {})).status).toBe(200);
  });

  it('an out-of-quota fault set at run time answers with the quota error, then goes away', async () => {
    mock = await startMockServer({ keys: { a: { provider: 'openai', outputTokens: 1 } } });
    await control(mock, 'POST', '/_mock/faults', { key: 'a', faults: { quotaExhausted: true } });
    const refused = await openaiChat(mock, 'a', {});
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('insufficient_quota');
    mock.clearFaults('a');
    expect((await openaiChat(mock, 'a', {})).status).toBe(200);
  });

  it('refuses a bad fault with 400 naming the field, and an unknown key', async () => {
    mock = await startMockServer({ keys: { a: { provider: 'openai' } } });
    const typo = await control(mock, 'POST', '/_mock/faults', { faults: { errorRate: { '500': 1 } } });
    expect(typo.status).toBe(400);
    expect(await typo.json()).toMatchObject({ error: { field: 'faults.errorRate', message: expect.stringContaining('unknown field') } });
    const badStatus = await control(mock, 'POST', '/_mock/faults', { faults: { errorRates: { '200': 0.5 } } });
    expect(await badStatus.json()).toMatchObject({ error: { field: 'faults.errorRates["200"]' } });
    const tooLikely = await control(mock, 'POST', '/_mock/faults', { faults: { errorRates: { '500': 0.7, '503': 0.6 } } });
    expect(await tooLikely.json()).toMatchObject({ error: { field: 'faults.errorRates' } });
    const unknownKey = await control(mock, 'POST', '/_mock/faults', { key: 'nobody', faults: {} });
    expect(await unknownKey.json()).toMatchObject({ error: { field: 'key' } });
    expect((await control(mock, 'GET', '/_mock/nothing')).status).toBe(404);
    expect(() => mock!.setFaults({ outages: [{ mode: 'sideways' as 'hang' }] })).toThrow(MockConfigError);
    expect(() => mock!.setFaults({ outages: [{ mode: 'sideways' as 'hang' }] })).toThrow(/outages\[0\]\.mode/);
  });

  it('GET /_mock/ledger reports every key or one; POST /_mock/reset clears ledgers and faults and refills buckets', async () => {
    const started = await startOnManualClock({ keys: { a: { provider: 'openai', limits: { requestsPerMinute: 2 }, outputTokens: 1 }, b: { provider: 'anthropic' } } });
    mock = started.mock;
    for (let i = 0; i < 3; i++) await (await openaiChat(mock, 'a', {})).arrayBuffer();
    mock.setFaults({ errorRates: { '500': 1 } });
    const all = (await (await control(mock, 'GET', '/_mock/ledger')).json()) as { keys: Record<string, { admitted: number }>; totals: { received: number; violations: number } };
    expect(Object.keys(all.keys).sort()).toEqual(['a', 'b']);
    expect(all.totals).toMatchObject({ received: 3, violations: 0 });
    const one = (await (await control(mock, 'GET', '/_mock/ledger?key=a')).json()) as { admitted: number; rejected: { requests: number }; timeline: { second: number; admitted: number; rejected: number }[] };
    expect(one).toMatchObject({ admitted: 2, rejected: { requests: 1 } });
    expect(one.timeline).toEqual([{ second: 0, admitted: 2, rejected: 1, tokens: expect.any(Number) }]);
    expect((await control(mock, 'POST', '/_mock/reset')).status).toBe(200);
    expect(mock.ledger('a')).toMatchObject({ received: 0, admitted: 0, rejectedTotal: 0 });
    // The faults are gone and the bucket is full again, though the clock has not moved.
    expect((await openaiChat(mock, 'a', {})).status).toBe(200);
    expect((await openaiChat(mock, 'a', {})).status).toBe(200);
    expect((await openaiChat(mock, 'a', {})).status).toBe(429);
  });

  it('GET /_mock/keys describes each key, and server.keys says the same', async () => {
    mock = await startMockServer();
    const keys = (await (await control(mock, 'GET', '/_mock/keys')).json()) as Record<string, { provider: string }>;
    expect(keys).toEqual(JSON.parse(JSON.stringify(mock.keys)));
    expect(Object.values(keys).map((k) => k.provider)).toEqual(expect.arrayContaining(['openai', 'anthropic', 'google', 'xai', 'deepseek', 'moonshot']));
  });
});
