import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { KeyState } from '../../src/mock/key-state.js';
import { MAX_MODELS_PER_KEY } from '../../src/mock/limit-scope.js';
import { MockConfigError, startMockServer, type MockKeyConfig, type MockServer } from '../../src/mock/index.js';
import { resolveConfig } from '../../src/mock/resolve-config.js';
import { TimerRegistry } from '../../src/mock/timers.js';
import { openaiChat, startOnManualClock, statuses } from './helpers.js';

let mock: MockServer | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});

async function serve(key: Omit<MockKeyConfig, 'provider'>): Promise<MockServer> {
  mock = (await startOnManualClock({ keys: { k: { provider: 'openai', outputTokens: 1, ...key } } })).mock;
  return mock;
}

const chat = (server: MockServer, model: string) => openaiChat(server, 'k', { model, max_tokens: 10 });

describe("mock limitScope: 'model' (OpenAI: limits per model, two models on one key have separate limits)", () => {
  it('two models on one key have separate buckets, headers and 429s', async () => {
    const server = await serve({ limitScope: 'model', limits: { requestsPerMinute: 3, tokensPerMinute: 10_000 } });
    expect(await statuses(3, () => chat(server, 'gpt-4o-mini'))).toEqual([200, 200, 200]);
    const refused = await chat(server, 'gpt-4o-mini');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/^Rate limit reached for gpt-4o-mini in organization org-mock on requests per min \(RPM\): Limit 3, Used 3/);

    // The other model's buckets are untouched: full, with headers of their own.
    const other = await chat(server, 'gpt-4o');
    await other.arrayBuffer();
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(other.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    expect(other.headers.get('x-ratelimit-remaining-tokens')).toBe(String(10_000 - (3 + 4 + 3) - 10));
    expect(await statuses(3, () => chat(server, 'gpt-4o'))).toEqual([200, 200, 429]);

    const ledger = server.ledger('k');
    expect(ledger.limitScope).toBe('model');
    expect(ledger.models).toEqual({
      'gpt-4o-mini': { admitted: 3, rejected: 1, violations: 0 },
      'gpt-4o': { admitted: 3, rejected: 1, violations: 0 },
    });
    expect(ledger).toMatchObject({ admitted: 6, rejectedTotal: 2, violations: 0 });
  });

  it("the default scope is the key: every model draws on one bucket, as before", async () => {
    const server = await serve({ limits: { requestsPerMinute: 3 } });
    expect(await statuses(2, () => chat(server, 'gpt-4o-mini'))).toEqual([200, 200]);
    expect(await statuses(2, () => chat(server, 'gpt-4o'))).toEqual([200, 429]);
    const ledger = server.ledger('k');
    expect(ledger.limitScope).toBe('key');
    expect(ledger.models).toBeUndefined();
  });

  it('models: limits of their own, field by field over the key\'s, in the headers and in GET /_mock/keys', async () => {
    const server = await serve({ limitScope: 'model', limits: { requestsPerMinute: 600, tokensPerMinute: 60_000 }, models: { 'gpt-4o': { requestsPerMinute: 60 } } });
    const small = await chat(server, 'gpt-4o');
    const large = await chat(server, 'gpt-4o-mini');
    await Promise.all([small.arrayBuffer(), large.arrayBuffer()]);
    expect(small.headers.get('x-ratelimit-limit-requests')).toBe('60');
    expect(small.headers.get('x-ratelimit-limit-tokens')).toBe('60000');
    expect(large.headers.get('x-ratelimit-limit-requests')).toBe('600');
    expect(server.keys.k).toMatchObject({ limitScope: 'model', models: { 'gpt-4o': { buckets: [{ dimension: 'requests', limit: 60 }, { dimension: 'tokens', limit: 60_000 }] } } });
    const described = (await (await fetch(`${server.url}/_mock/keys`)).json()) as Record<string, { limitScope: string }>;
    expect(described.k!.limitScope).toBe('model');
  });

  it('each model refills on its own: the refused one comes back when its bucket does, the other was never held', async () => {
    const { mock: server, clock } = await startOnManualClock({ keys: { k: { provider: 'openai', outputTokens: 1, limitScope: 'model', limits: { requestsPerMinute: 6 } } } });
    mock = server;
    expect(await statuses(7, () => chat(server, 'a'))).toEqual([200, 200, 200, 200, 200, 200, 429]);
    clock.advance(10_000);
    expect(await statuses(2, () => chat(server, 'a'))).toEqual([200, 429]);
    expect(await statuses(6, () => chat(server, 'b'))).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('reset refills every model\'s buckets and clears their counts', async () => {
    const server = await serve({ limitScope: 'model', limits: { requestsPerMinute: 1 } });
    expect(await statuses(2, () => chat(server, 'a'))).toEqual([200, 429]);
    server.reset();
    expect(server.ledger('k').models).toEqual({ a: { admitted: 0, rejected: 0, violations: 0 } });
    expect(await statuses(1, () => chat(server, 'a'))).toEqual([200]);
  });

  it('bad values name the field and what is valid', () => {
    const start = (key: Record<string, unknown>) => resolveConfig({ keys: { k: { provider: 'openai', ...key } as MockKeyConfig } });
    expect(() => start({ limitScope: 'project' })).toThrow(new MockConfigError('keys.k.limitScope', "must be one of 'key', 'model', got \"project\""));
    expect(() => start({ models: { 'gpt-4o': { requestsPerMinute: 1 } } })).toThrow(/^keys\.k\.models: limits per model need limitScope: 'model'/);
    expect(() => start({ limitScope: 'model', models: { 'gpt-4o': { requestsPerMinute: -1 } } })).toThrow(new MockConfigError('keys.k.models["gpt-4o"].requestsPerMinute', 'must be a number > 0, got -1'));
    expect(() => start({ limitScope: 'model', models: { 'gpt-4o': { rpm: 1 } } })).toThrow(/^keys\.k\.models\["gpt-4o"\]\.rpm: unknown field; valid fields: requestsPerMinute/);
    expect(() => start({ limitScope: 'model', models: [] })).toThrow(/^keys\.k\.models: must be an object/);
  });

  it(`keeps at most ${MAX_MODELS_PER_KEY} models per key apart; a request naming one more gets 400`, async () => {
    const config = resolveConfig({ keys: { k: { provider: 'openai', limitScope: 'model', limits: { requestsPerMinute: 1 } } } }).keys.get('k')!;
    const clock = new ManualClock();
    const key = new KeyState(config, 1, 0, new TimerRegistry(clock), () => clock.now(), 0);
    for (let i = 0; i < MAX_MODELS_PER_KEY; i++) expect(key.scopes.for(`m${i}`)?.model).toBe(`m${i}`);
    expect(key.scopes.for('one-more')).toBeUndefined();
    expect(key.scopes.for('m0')?.model).toBe('m0');
    expect(key.scopes.all()).toHaveLength(MAX_MODELS_PER_KEY);

    // Over HTTP, with the limit reached by a server of its own.
    const server = await startMockServer({ keys: { k: { provider: 'openai', limitScope: 'model' } } });
    mock = server;
    for (let i = 0; i < MAX_MODELS_PER_KEY; i++) await (await chat(server, `m${i}`)).arrayBuffer();
    const refused = await chat(server, 'one-more');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(`at most ${MAX_MODELS_PER_KEY} models`);
    expect(server.ledger('k')).toMatchObject({ invalid: 1, admitted: MAX_MODELS_PER_KEY });
  });

  it('the audit counts violations per model, and each one names its model', () => {
    const config = resolveConfig({ keys: { k: { provider: 'openai', limitScope: 'model', limits: { requestsPerMinute: 1 } } } }).keys.get('k')!;
    const clock = new ManualClock();
    const key = new KeyState(config, 1, 0, new TimerRegistry(clock), () => clock.now(), 0);
    const charge = { requests: 1, tokens: 0, inputTokens: 0, outputTokens: 0 };
    const a = key.scopes.for('a')!;
    const b = key.scopes.for('b')!;
    expect(key.tryAdmit(a, charge).ok).toBe(true);
    expect(key.tryAdmit(b, charge).ok).toBe(true);
    // What a broken limiter would do: admit past the bucket. The audit, which never looks at one, sees it.
    a.recordAdmission(charge, clock.now());
    const report = key.report();
    expect(report.violations).toBe(1);
    expect(report.violationDetails).toEqual([expect.objectContaining({ dimension: 'requests', model: 'a' })]);
    expect(report.models).toEqual({ a: { admitted: 2, rejected: 0, violations: 1 }, b: { admitted: 1, rejected: 0, violations: 0 } });
  });
});
