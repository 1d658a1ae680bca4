// Headless Chromium for everything that drives the dashboard in a real browser (its e2e tests, its
// benchmark, `npm run screenshot`): Debian's /usr/bin/chromium driven by playwright-core, so nothing
// downloads a browser, with one set of flags everywhere.
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium; CAIRN_CHROMIUM names another (the tests use a missing one to check the skip line). */
export const CHROMIUM = process.env.CAIRN_CHROMIUM ?? '/usr/bin/chromium';

/** No sandbox (containers run as root), no GPU, and nothing that reaches the network on its own. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches headless Chromium with its profile in `profileDir` (playwright passes it as --user-data-dir). */
export function launchChromium(
  profileDir: string,
  viewport?: { readonly width: number; readonly height: number },
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    ...(viewport ? { viewport } : {}),
  });
}
