/**
 * dashboardHandler served by node:http on 127.0.0.1: the page (self-contained), the JSON snapshot
 * (services, limits, breaker states, counters, recent errors and transitions), the server-sent
 * event stream (a snapshot at once, keep-alives, one per interval, timers gone with the viewers),
 * routing and methods like healthHandler, close(), and option errors.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { ConfigError } from '../../src/core/errors.js';
import { dashboardHandler, type DashboardSnapshot } from '../../src/http/index.js';
import { createResilience, type Resilience } from '../../src/policy/resilience.js';
import { closeServers, serve, SseReader, waitUntil } from './harness.js';

afterEach(closeServers);

function resilience(): Resilience {
  return createResilience({
    services: {
      openai: { rateLimit: { requestsPerMinute: 60, tokensPerMinute: 10_000, maxConcurrent: 4 }, circuitBreaker: { failureThreshold: 1, openMs: 60_000 }, retry: false },
      anthropic: { rateLimit: { requestsPerMinute: 50, inputTokensPerMinute: 30_000, outputTokensPerMinute: 8_000 }, retry: false },
      plain: { circuitBreaker: false, retry: false },
    },
  });
}

const fail = (message: string) => () => Promise.reject(Object.assign(new Error(message), { status: 500 }));

describe('dashboardHandler: the page', () => {
  it('is HTML with inline style and script only, and a CSP that allows only its own origin', async () => {
    const handler = dashboardHandler(resilience());
    const url = await serve(handler);
    const response = await fetch(`${url}/dashboard`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/connect-src 'self'/);
    const html = await response.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('data-testid="services"');
    // Nothing is loaded from anywhere: no URL at all, no src or href attribute.
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/\s(?:src|href)\s*=/i);
    expect(html).not.toMatch(/<link\b|<iframe\b|<img\b|@import/i);
    // Inline style and script carry this response's nonce, which the CSP names.
    const nonce = /<script nonce="([0-9a-f]{32})">/.exec(html)![1]!;
    expect(csp).toContain(`script-src 'nonce-${nonce}'`);
    expect(html).toContain(`<style nonce="${nonce}">`);
    const again = await (await fetch(`${url}/dashboard/`)).text();
    expect(again).not.toContain(nonce);
    handler.close();
  });
});

describe('dashboardHandler: the snapshot', () => {
  it('has every service with its limits, concurrency, queue, breaker, counters and health, and recent errors and transitions', async () => {
    const source = resilience();
    const handler = dashboardHandler(source);
    const url = await serve(handler);
    await source.execute('openai', () => 'ok', { tokens: 100 });
    await expect(source.execute('openai', fail('upstream 500: overloaded'), { tokens: 100 })).rejects.toThrow();

    const response = await fetch(`${url}/dashboard/snapshot?x=1`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const snapshot = (await response.json()) as DashboardSnapshot;
    expect(snapshot.intervalMs).toBe(1_000);
    expect(snapshot.status).toBe('degraded');
    expect(snapshot.services.map((s) => s.name)).toEqual(['openai', 'anthropic', 'plain']);
    const [openai, anthropic, plain] = snapshot.services;

    expect(openai!.breaker).toMatchObject({ state: 'open', trips: 1, openMs: 60_000 });
    expect(openai!.breaker!.nextProbeInMs).toBeGreaterThan(0);
    expect(openai!.available).toBe(false);
    expect(openai!.issues.join()).toMatch(/Circuit 'openai' is OPEN/);
    expect(openai!.counters).toMatchObject({ requests: 2, succeeded: 1, failed: 1, retries: 0 });
    const limits = Object.fromEntries(openai!.limiter!.dimensions.map((d) => [d.name, d]));
    expect(Object.keys(limits)).toEqual(['requestsPerMinute', 'tokensPerMinute']);
    expect(limits.requestsPerMinute).toMatchObject({ label: 'requests/min', limit: 60 });
    expect(limits.requestsPerMinute!.remaining).toBeLessThanOrEqual(58);
    expect(limits.tokensPerMinute).toMatchObject({ label: 'tokens/min', limit: 10_000 });
    expect(openai!.limiter).toMatchObject({ concurrentRequests: 0, maxConcurrent: 4, queued: 0, queuedByPriority: { high: 0, normal: 0, low: 0 }, pausedForMs: 0, admitted: 2 });

    expect(anthropic!.breaker!.state).toBe('closed');
    expect(anthropic!.limiter!.dimensions.map((d) => [d.name, d.limit])).toEqual([
      ['requestsPerMinute', 50],
      ['inputTokensPerMinute', 30_000],
      ['outputTokensPerMinute', 8_000],
    ]);
    expect(anthropic!.limiter!.maxConcurrent).toBeNull();
    expect(plain).toMatchObject({ breaker: null, limiter: null, available: true, quotaExhaustedForMs: null });

    expect(snapshot.recentErrors).toHaveLength(1);
    expect(snapshot.recentErrors[0]).toMatchObject({ service: 'openai', event: 'attempt_failed', kind: 'server_error', attempt: 1 });
    expect(snapshot.recentErrors[0]!.message).toContain('upstream 500: overloaded');
    expect(snapshot.recentTransitions).toEqual([expect.objectContaining({ service: 'openai', from: 'closed', to: 'open', reason: 'failures', failures: 1 })]);
    handler.close();
  });

  it("a service limited per model: each model's limiter under its service, in the order of their first call", async () => {
    const source = createResilience({ services: { openai: { rateLimit: { requestsPerMinute: 60, perModel: true }, retry: false } } });
    const handler = dashboardHandler(source);
    const url = await serve(handler);
    await source.execute('openai', () => 'ok', { model: 'gpt-4o' });
    await source.execute('openai', () => 'ok', { model: 'gpt-4o-mini' });
    await source.execute('openai', () => 'ok', { model: 'gpt-4o-mini' });
    const snapshot = (await (await fetch(`${url}/dashboard/snapshot`)).json()) as DashboardSnapshot;
    expect(snapshot.services.map((s) => s.name)).toEqual(['openai']);
    const [openai] = snapshot.services;
    expect(openai!.limiter).toMatchObject({ admitted: 0 });
    expect(openai!.modelLimiters.map((m) => [m.model, m.limiter.admitted, m.limiter.dimensions.map((d) => d.limit)])).toEqual([
      ['gpt-4o', 1, [60]],
      ['gpt-4o-mini', 2, [60]],
    ]);
    handler.close();
  });

  it('keeps the last `recentLimit` errors, newest first, and our limiter\'s rejections among them', async () => {
    const source = createResilience({ services: { svc: { circuitBreaker: false, retry: false, rateLimit: { requestsPerMinute: 1, maxWaitMs: 0 } } } });
    const handler = dashboardHandler(source, { recentLimit: 3 });
    const url = await serve(handler);
    await expect(source.execute('svc', fail('failure 1'))).rejects.toThrow();
    // The one request of the minute is spent: the limiter refuses the next at once.
    await expect(source.execute('svc', () => 'never')).rejects.toThrow();
    const snapshot = (await (await fetch(`${url}/dashboard/snapshot`)).json()) as DashboardSnapshot;
    expect(snapshot.recentErrors.map((e) => e.kind)).toEqual(['limiter_rejected', 'server_error']);
    expect(snapshot.recentErrors[0]!.message).toMatch(/Rejected by the rate limiter \(requestsPerMinute/);

    const many = createResilience({ services: { svc: { circuitBreaker: false, retry: false } } });
    const bounded = dashboardHandler(many, { recentLimit: 3 });
    for (let i = 1; i <= 5; i++) await expect(many.execute('svc', fail(`failure ${i}`))).rejects.toThrow();
    const url2 = await serve(bounded);
    const messages = ((await (await fetch(`${url2}/dashboard/snapshot`)).json()) as DashboardSnapshot).recentErrors.map((e) => e.message);
    expect(messages).toEqual(['failure 5', 'failure 4', 'failure 3']);
    handler.close();
    bounded.close();
  });

  it('a source that throws gets 500 without its error text', async () => {
    const source = resilience();
    const handler = dashboardHandler(source);
    vi.spyOn(source, 'getHealthStatus').mockImplementation(() => {
      throw new Error('cannot reach sk-proj-neverinabody0123456789');
    });
    const url = await serve(handler);
    const response = await fetch(`${url}/dashboard/snapshot`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('{"error":"snapshot failed"}\n');
    handler.close();
  });
});

describe('dashboardHandler: the event stream', () => {
  it('a snapshot at once, keep-alives, one per interval; one timer for all viewers, none once they leave', async () => {
    const source = resilience();
    const clock = new ManualClock();
    const handler = dashboardHandler(source, { clock, intervalMs: 1_000, keepAliveMs: 600 });
    const url = await serve(handler);

    const stream = await SseReader.open(`${url}/dashboard/events`);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.response.headers.get('cache-control')).toBe('no-store');
    expect(await stream.next()).toEqual({ retry: 1_000 });
    const first = await stream.nextSnapshot<DashboardSnapshot>();
    expect(first.services.map((s) => s.name)).toEqual(['openai', 'anthropic', 'plain']);
    expect(first.services[0]!.counters.requests).toBe(0);
    expect(handler.connections).toBe(1);
    expect(clock.pendingTimers).toBe(1);

    await source.execute('openai', () => 'ok');
    clock.advance(600);
    expect(await stream.next()).toEqual({ comment: 'keep-alive' });
    clock.advance(400);
    const second = await stream.nextSnapshot<DashboardSnapshot>();
    expect(second.services[0]!.counters.requests).toBe(1);
    expect(second.at - first.at).toBe(1_000);

    // A second viewer: its own first snapshot at once, the same single timer.
    const other = await SseReader.open(`${url}/dashboard/events`);
    await other.nextSnapshot();
    expect(handler.connections).toBe(2);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1_000);
    await stream.nextSnapshot();
    await other.nextSnapshot();

    stream.close();
    other.close();
    await waitUntil(() => handler.connections === 0, 5_000, 'the streams to be dropped');
    expect(clock.pendingTimers).toBe(0);
    handler.close();
  });

  it('one event subscription per handler, whatever the number of viewers; close() ends the streams and unsubscribes', async () => {
    const source = resilience();
    const on = vi.spyOn(source.events, 'on');
    const clock = new ManualClock();
    const handler = dashboardHandler(source, { clock });
    expect(on).toHaveBeenCalledTimes(1);
    expect(source.events.hasListeners).toBe(true);
    const url = await serve(handler);
    const streams = await Promise.all([1, 2, 3].map(() => SseReader.open(`${url}/dashboard/events`)));
    for (const stream of streams) await stream.nextSnapshot();
    expect(on).toHaveBeenCalledTimes(1);
    expect(handler.connections).toBe(3);

    handler.close();
    for (const stream of streams) {
      let frame = await stream.next();
      for (let i = 0; i < 5 && frame; i++) frame = await stream.next();
      expect(frame).toBeUndefined();
    }
    expect(handler.connections).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    expect(source.events.hasListeners).toBe(false);
    for (const route of ['/dashboard', '/dashboard/events', '/dashboard/snapshot']) expect((await fetch(`${url}${route}`)).status).toBe(503);
    handler.close();
  });

  it('with the system clock: a second snapshot after the interval', async () => {
    const handler = dashboardHandler(resilience(), { intervalMs: 100 });
    const url = await serve(handler);
    // Before the request: the server starts the stream's timer when it answers, after this.
    const started = performance.now();
    const stream = await SseReader.open(`${url}/dashboard/events`);
    const first = await stream.nextSnapshot<DashboardSnapshot>();
    const second = await stream.nextSnapshot<DashboardSnapshot>(2_000);
    expect(second.at).toBeGreaterThan(first.at);
    // Not at once: after the interval (half of it as the bound: the event loop's cached time can
    // make a timer look a few ms early under load).
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
    stream.close();
    await waitUntil(() => handler.connections === 0, 5_000, 'the stream to be dropped');
    handler.close();
  });
});

describe('dashboardHandler: routing, methods and options', () => {
  it('other paths: 404 without next; to next() when mounted in a framework; a configurable path', async () => {
    const source = resilience();
    const alone = dashboardHandler(source);
    const url = await serve(alone);
    for (const path of ['/', '/nothing-here', '/dashboard/other', '/dashboardx', '/healthz']) expect((await fetch(`${url}${path}`)).status).toBe(404);

    const passed: string[] = [];
    const custom = dashboardHandler(source, { path: '/ops/live' });
    const mounted = await serve((req, res) =>
      custom(req, res, () => {
        passed.push(req.url ?? '');
        res.end('from next');
      }),
    );
    expect(await (await fetch(`${mounted}/app/route`)).text()).toBe('from next');
    expect(await (await fetch(`${mounted}/dashboard`)).text()).toBe('from next');
    expect((await fetch(`${mounted}/ops/live`)).status).toBe(200);
    expect((await fetch(`${mounted}/ops/live/snapshot`)).status).toBe(200);
    expect(passed).toEqual(['/app/route', '/dashboard']);
    alone.close();
    custom.close();
  });

  it('HEAD answers without a body; other methods get 405 with Allow', async () => {
    const handler = dashboardHandler(resilience());
    const url = await serve(handler);
    for (const route of ['/dashboard', '/dashboard/snapshot', '/dashboard/events']) {
      const head = await fetch(`${url}${route}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      const post = await fetch(`${url}${route}`, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
    }
    expect(handler.connections).toBe(0);
    handler.close();
  });

  it('bad options are ConfigErrors naming the option', () => {
    const source = resilience();
    const refused = (options: object, path: string) => {
      const error = (() => {
        try {
          dashboardHandler(source, options);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path).toBe(path);
    };
    refused({ intervalMs: 50 }, 'intervalMs');
    refused({ intervalMs: '1000' }, 'intervalMs');
    refused({ keepAliveMs: Infinity }, 'keepAliveMs');
    refused({ path: 'dashboard' }, 'path');
    refused({ path: '/dashboard/' }, 'path');
    refused({ path: '/a?b' }, 'path');
    refused({ recentLimit: 0 }, 'recentLimit');
    refused({ recentLimit: 1_000 }, 'recentLimit');
    refused({ intervalMS: 1_000 }, 'intervalMS');
    expect(() => dashboardHandler(source, { intervalMs: 50 })).toThrow(/intervalMs.*a number >= 100/);
    expect(() => dashboardHandler({} as never)).toThrow(ConfigError);
  });

  it('Resilience.dashboardHandler() is dashboardHandler(this)', async () => {
    const source = resilience();
    const handler = source.dashboardHandler({ path: '/live' });
    const url = await serve(handler);
    const snapshot = (await (await fetch(`${url}/live/snapshot`)).json()) as DashboardSnapshot;
    expect(snapshot.services).toHaveLength(3);
    handler.close();
  });
});
