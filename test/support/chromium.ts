/**
 * Debian's Chromium, driven by playwright-core, for the browser tests (dashboard, report). A
 * browser is never downloaded: without /usr/bin/chromium the browser tests are skipped, loudly,
 * except on CI, which installs it (.ci/ensure-chromium.sh) and must run them.
 */
import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when the browser tests can run here. */
export const chromiumAvailable = executable(CHROMIUM_PATH);
if (!chromiumAvailable) {
  if (process.env.CI) throw new Error(`${CHROMIUM_PATH} is missing on CI: .ci/ensure-chromium.sh must install it, the browser tests must run`);
  console.warn(`${CHROMIUM_PATH} not found: SKIPPING the browser tests (CI installs Chromium with .ci/ensure-chromium.sh; run it to test here)`);
}

/** Headless, no sandbox (containers), and nothing that talks to the network on its own. */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches the system Chromium; close the browser in afterAll. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, headless: true, timeout: 30_000 });
}
