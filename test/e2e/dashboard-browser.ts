// Headless Chromium for the dashboard's browser tests: Debian's /usr/bin/chromium driven by
// playwright-core (no browser download). Locally a missing browser skips the tests with one line saying
// how to install it; under CI (CI=true) it fails.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../../scripts/lib/chromium.js';

/** The line `npm test` prints, once, when there is no browser (test/e2e/browser-check.ts prints it). */
export const SKIP_LINE = `dashboard browser tests skipped: no ${CHROMIUM} (install it with: apt-get install -y chromium)`;

/**
 * True when the browser tests can run. Under CI (CI=true) a missing browser throws: the tests must run
 * there. Locally the files skip quietly; the one line saying so comes from the global setup.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') {
    throw new Error(
      `${CHROMIUM} is missing and CI=true: the browser tests must run (apt-get install -y chromium)`,
    );
  }
  return false;
}

export interface Browser {
  readonly context: BrowserContext;
  /** Console errors and page errors seen on any page so far. */
  readonly errors: string[];
  open(url: string): Promise<Page>;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile (--user-data-dir is the temp dir playwright passes). */
export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'cairn-chromium-'));
  const context = await launchChromium(profile, { width: 1400, height: 1000 });
  const errors: string[] = [];
  return {
    context,
    errors,
    async open(url) {
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      await page.goto(url);
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
