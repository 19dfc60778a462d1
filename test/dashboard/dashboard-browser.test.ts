/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core): a UnifiedLLMClient
 * of the mock provider server, openai preferred and anthropic as fallback. The page loads without
 * a console error and loads nothing from elsewhere, its counters follow successful calls, and an
 * outage of openai shows as an open breaker and a recent error; the stream's loss shows as
 * "disconnected". Loopback only; every wait bounded.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnifiedLLMClient } from '../../src/client/unified-client.js';
import type { DashboardRequestHandler } from '../../src/http/index.js';
import { type MockServer, startMockServer } from '../../src/mock/index.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { closeServers, serve } from './harness.js';

const WAIT_MS = 10_000;
const openaiCard = '[data-testid="service-card"][data-service="openai"]';

describe.skipIf(!chromiumAvailable)('dashboard in Chromium: live counters, an outage, a dropped stream', () => {
  let mock: MockServer;
  let llm: UnifiedLLMClient;
  let dashboard: DashboardRequestHandler;
  let url: string;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    mock = await startMockServer({ seed: 11 });
    llm = new UnifiedLLMClient({
      env: {},
      preferredModel: 'gpt-4o-mini',
      fallback: ['anthropic'],
      providers: {
        openai: { apiKey: 'sk-mock-openai', baseURL: `${mock.url}/v1`, circuitBreaker: { failureThreshold: 3, openMs: 30_000 }, retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 10 } },
        anthropic: { apiKey: 'sk-mock-anthropic', baseURL: `${mock.url}/v1`, retry: false },
      },
    });
    dashboard = llm.dashboardHandler({ intervalMs: 200 });
    url = await serve(dashboard);
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
    page.on('request', (request) => {
      if (!request.url().startsWith(url)) foreignRequests.push(request.url());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    dashboard?.close();
    await closeServers();
    llm?.close();
    await mock?.close();
  });

  const ask = () => llm.chat({ messages: [{ role: 'user', content: 'Classify: disk full on db-3' }], maxTokens: 16 });
  const counter = async (name: string): Promise<number> => Number((await page.locator(`${openaiCard} [data-testid="counter-${name}"]`).textContent())!.replace(/,/g, ''));

  it('loads without a console error, live, with a card per provider and its limits', async () => {
    const response = await page.goto(`${url}/dashboard`, { timeout: WAIT_MS });
    expect(response!.status()).toBe(200);
    await page.locator(openaiCard).waitFor({ state: 'visible', timeout: WAIT_MS });
    await page.locator('[data-testid="service-card"][data-service="anthropic"]').waitFor({ state: 'visible', timeout: WAIT_MS });
    await page.waitForFunction(() => document.querySelector('[data-testid="connection-status"]')?.getAttribute('data-state') === 'live', undefined, { timeout: WAIT_MS });
    expect(await page.locator(`${openaiCard} [data-testid="breaker-state"]`).getAttribute('data-state')).toBe('closed');
    expect(await page.locator(`${openaiCard} [data-testid="limit"]`).count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="overall-status"]').textContent()).toBe('healthy');
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });

  it('counters on the page follow successful calls', async () => {
    const before = await counter('succeeded');
    for (let i = 0; i < 3; i++) expect((await ask()).provider).toBe('openai');
    await page.waitForFunction(
      ({ selector, expected }) => Number(document.querySelector(selector)?.textContent?.replace(/,/g, '')) >= expected,
      { selector: `${openaiCard} [data-testid="counter-succeeded"]`, expected: before + 3 },
      { timeout: WAIT_MS },
    );
    expect(await counter('requests')).toBeGreaterThanOrEqual(before + 3);
    // OpenAI limits per model: the model's own limiter shows under the card, with its limits.
    const model = page.locator(`${openaiCard} [data-testid="model-limiter"][data-model="gpt-4o-mini"]`);
    await model.waitFor({ state: 'visible', timeout: WAIT_MS });
    expect(await model.locator('[data-testid="model-name"]').textContent()).toBe('gpt-4o-mini');
    expect(await model.locator('[data-testid="limit"]').count()).toBeGreaterThan(0);
    expect(consoleErrors).toEqual([]);
  });

  it('an outage of openai: its breaker shows open, with the error and the transition', async () => {
    mock.setFaults({ outages: [{ mode: 'unavailable', status: 503 }] }, { key: 'sk-mock-openai' });
    const started = performance.now();
    // Each call falls back to anthropic; openai's failures open its breaker after a few calls.
    for (let i = 0; i < 10 && llm.getHealthStatus().services.openai?.circuitState !== 'open' && performance.now() - started < WAIT_MS; i++) {
      expect((await ask()).provider).toBe('anthropic');
    }
    expect(llm.getHealthStatus().services.openai?.circuitState).toBe('open');

    await page.waitForFunction((selector) => document.querySelector(selector)?.getAttribute('data-state') === 'open', `${openaiCard} [data-testid="breaker-state"]`, { timeout: WAIT_MS });
    await page.locator('[data-testid="recent-error"][data-service="openai"]').first().waitFor({ state: 'visible', timeout: WAIT_MS });
    await page.locator('[data-testid="recent-transition"][data-service="openai"][data-to="open"]').first().waitFor({ state: 'visible', timeout: WAIT_MS });
    expect(await page.locator('[data-testid="overall-status"]').textContent()).toBe('degraded');
    expect(await page.locator('[data-testid="recent-error"][data-service="openai"]').first().textContent()).toMatch(/server_error|overloaded/);
    expect(await counter('failed')).toBeGreaterThan(0);

    mkdirSync('artifacts', { recursive: true });
    await page.screenshot({ path: 'artifacts/dashboard-outage.png', fullPage: true });
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    mock.clearFaults('sk-mock-openai');
  });

  it('shows "disconnected" when the stream drops', async () => {
    // close() ends the stream and answers 503 to the reconnection.
    dashboard.close();
    await page.waitForFunction(() => document.querySelector('[data-testid="connection-status"]')?.getAttribute('data-state') === 'disconnected', undefined, { timeout: WAIT_MS });
    expect(await page.locator('[data-testid="connection-status"]').textContent()).toMatch(/^disconnected/);
  });
});
