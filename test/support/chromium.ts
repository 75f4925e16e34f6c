/**
 * Debian's Chromium for the HTML report tests, launched headless and offline. Installed by
 * `bash .ci/install-chromium.sh`; under CI=true the browser tests always run, so a missing browser fails them.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The browser, or an error saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash .ci/install-chromium.sh (CI=true requires the browser test)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** `describe` for tests that need the browser: skipped, with the reason printed, only outside CI and without it. */
export function describeInChromium(name: string, body: () => void): void {
  if (existsSync(CHROMIUM) || process.env.CI === 'true') {
    describe(name, body);
    return;
  }
  console.warn(`${name}: skipped, ${CHROMIUM} not found (run bash .ci/install-chromium.sh)`);
  // Skipped on purpose: the browser tests need Chromium, which .ci/run installs; under CI=true they always run.
  describe.skip(`${name} (skipped: ${CHROMIUM} not found)`, body); // skip reason: no chromium outside CI
}

/** A page open at `file`, and what it did that a self-contained report must not do. */
export interface WatchedPage {
  page: Page;
  /** Console errors (a Content-Security-Policy violation is one) and uncaught page errors. */
  errors: string[];
  /** Requests for anything but the file itself and data: URLs. */
  requests: string[];
  /** Dialogs the page opened (each dismissed). */
  dialogs: string[];
}

/** Opens `file` in a new page of `browser`, recording from the first moment what WatchedPage lists. */
export async function openWatched(browser: Browser, file: string): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const watched: WatchedPage = { page, errors: [], requests: [], dialogs: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') watched.errors.push(m.text());
  });
  page.on('pageerror', (e) => watched.errors.push(e.message));
  page.on('request', (req) => {
    if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) watched.requests.push(req.url());
  });
  page.on('dialog', (d) => {
    watched.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(file).href);
  return watched;
}
