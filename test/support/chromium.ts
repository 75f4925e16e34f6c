/**
 * Debian's Chromium for the HTML report tests, launched headless and offline. Installed by
 * `bash .ci/install-chromium.sh`; under CI=true the browser tests always run, so a missing browser fails them.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

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
