import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); playwright-core never downloads a browser. */
const CHROMIUM_PATH = '/usr/bin/chromium';
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
