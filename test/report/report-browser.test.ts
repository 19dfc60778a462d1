/**
 * The HTML report of a real (short) simulation opens in Chromium from a file: no console errors,
 * no request leaves the page (it is self-contained), and every chart is drawn (its canvas has
 * pixels). A screenshot is kept in artifacts/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHtmlReport } from '../../src/report/html-report.js';
import type { SimulationResult } from '../../src/simulate/result.js';
import { runSimulation } from '../../src/simulate/runner.js';
import { builtInScenario } from '../../src/simulate/scenarios.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';

const ARTIFACTS = resolve('artifacts');

describe.skipIf(!chromiumAvailable)('simulate --report in Chromium', () => {
  let browser: Browser;
  let result: SimulationResult;
  let file: string;

  beforeAll(async () => {
    const providers = ['openai', 'anthropic', 'xai'] as const;
    // 8 s of real time at 20×: the outage opens openai's breaker, the report has bands to draw.
    result = await runSimulation({ seed: 7, alertsPerDay: 150_000, durationMs: 8_000, speed: 20, scenario: builtInScenario('outage', providers), providers: [...providers] });
    mkdirSync(ARTIFACTS, { recursive: true });
    file = join(ARTIFACTS, 'simulation-report.html');
    writeFileSync(file, writeHtmlReport(result));
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('opens offline with no console errors and draws every chart', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`file://${file}`);
    await page.waitForFunction(() => (window as unknown as { __reportCharts?: number }).__reportCharts !== undefined, undefined, { timeout: 15_000 });

    const charts = await page.evaluate(() => (window as unknown as { __reportCharts: number }).__reportCharts);
    // One per provider, queues, breaker bands, latency, failures.
    expect(charts).toBe(result.providers.length + 4);
    const drawn = await page.$$eval('canvas[data-chart]', (canvases) =>
      canvases.map((canvas) => {
        const c = canvas as HTMLCanvasElement;
        const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
        return { name: c.dataset.chart, width: c.width, painted };
      }),
    );
    expect(drawn).toHaveLength(charts);
    for (const chart of drawn) {
      expect(chart.width, chart.name).toBeGreaterThan(100);
      expect(chart.painted, `${chart.name} has pixels`).toBeGreaterThan(500);
    }
    expect(await page.textContent('[data-testid="verdict"]')).toBe(result.verdict.line);
    expect(await page.textContent('[data-testid="summary"]')).toContain(`accounted for: ${result.outcome.requests} of ${result.outcome.requests}`);
    expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'simulation-report.png'), fullPage: true });
    // The run the report shows: the outage opened openai's breaker.
    expect(result.transitions.some((t) => t.provider === 'openai' && t.to === 'open')).toBe(true);
    await page.close();
  });
});
