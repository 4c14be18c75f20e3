import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`), or `CHROMIUM_PATH`; playwright-core never downloads a browser. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** `CI=true` (as CI sets it) or `REQUIRE_BROWSER_TESTS=1`: a missing browser fails the suite instead of skipping it. */
function browserRequired(): boolean {
  return ['1', 'true', 'yes'].includes((process.env.REQUIRE_BROWSER_TESTS || process.env.CI || '').toLowerCase());
}

/**
 * The `skip` option of a browser suite: a one-line reason when no Chromium is installed (so `npm test` passes on
 * a fresh machine and says what it left out), or false to run it. When browsers are required a missing one is
 * not skipped: the suite runs and fails at launch.
 */
export function skipWithoutBrowser(): string | false {
  if (existsSync(CHROMIUM_PATH) || browserRequired()) return false;
  return (
    `no Chromium at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH to ` +
    'run the browser tests; REQUIRE_BROWSER_TESTS=1 (or CI=true) makes a missing browser a failure'
  );
}
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Screenshots of browser tests land here (git-ignored), relative to where the suite runs. */
const ARTIFACTS_DIR = join(process.cwd(), 'test-artifacts');

/** Launches headless Chromium, offline-safe (no background networking, no updates). */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    return Promise.reject(new Error(`browser tests are required (REQUIRE_BROWSER_TESTS / CI) but there is no Chromium at ${CHROMIUM_PATH}`));
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A new page with a desktop viewport, wide enough for the explorer's tables and waterfall. */
export function openDesktopPage(browser: Browser): Promise<Page> {
  return browser.newPage({ viewport: { width: 1440, height: 900 } });
}

/** Path of the test artifact `name` (e.g. `explorer-traces.png`); creates the folder on first use. */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}
