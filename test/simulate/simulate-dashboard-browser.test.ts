/**
 * `simulate --dashboard` in Chromium: the page the command prints the URL of loads, updates as the
 * run progresses, and shows openai's breaker open during the injected outage (scenario `outage`:
 * openai answers 503 from 25 % to 55 % of the run). A screenshot is kept in artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulateCommand } from '../../src/cli/simulate-command.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';

const openaiCard = '[data-testid="service-card"][data-service="openai"]';

describe.skipIf(!chromiumAvailable)('simulate --dashboard in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('updates live and shows the breaker opened by the outage', async () => {
    let announce: (url: string) => void = () => {};
    const announced = new Promise<string>((r) => (announce = r));
    let stdout = '';
    // 16 s of arrivals at 10×: the outage runs from 4 s to 8.8 s of real time.
    const run = runSimulateCommand(['--scenario', 'outage', '--duration', '16', '--speed', '10', '--providers', 'openai,anthropic,xai', '--alerts-per-day', '150000', '--dashboard', '0', '--json'], {
      stdout: (t) => (stdout += t),
      stderr: (t) => {
        const url = /Dashboard: (\S+)/.exec(t)?.[1];
        if (url) announce(url);
      },
      interactive: false,
    });
    const url = await announced;
    const page: Page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(url);
    await page.locator(openaiCard).waitFor({ state: 'visible', timeout: 10_000 });
    const succeeded = async () => Number((await page.locator(`${openaiCard} [data-testid="counter-succeeded"]`).textContent())!.replace(/,/g, ''));
    const first = await succeeded();
    await page.waitForFunction(
      ({ selector, above }) => Number(document.querySelector(selector)?.textContent?.replace(/,/g, '')) > above,
      { selector: `${openaiCard} [data-testid="counter-succeeded"]`, above: first },
      { timeout: 10_000 },
    );
    await page.waitForFunction((selector) => document.querySelector(selector)?.getAttribute('data-state') === 'open', `${openaiCard} [data-testid="breaker-state"]`, { timeout: 15_000 });
    mkdirSync(resolve('artifacts'), { recursive: true });
    await page.screenshot({ path: join(resolve('artifacts'), 'simulate-dashboard-outage.png'), fullPage: true });
    expect(await page.locator('[data-testid="recent-transition"][data-service="openai"][data-to="open"]').count()).toBeGreaterThan(0);
    expect(await page.content()).not.toContain('sk-sim-');
    expect(problems).toEqual([]);
    await page.close();
    expect(await run).toBe(0);
    expect(JSON.parse(stdout).transitions.some((t: { provider: string; to: string }) => t.provider === 'openai' && t.to === 'open')).toBe(true);
  }, 90_000);
});
