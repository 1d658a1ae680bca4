// GET /docs in Debian's headless Chromium with every request off this node refused: the page renders one
// entry per operation of the node's OpenAPI document, offline (issue 12).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.js';
import { type Fixture, openFixture } from '../api/fixture.js';
import { type Browser, browserAvailable, launchBrowser } from './dashboard-browser.js';

const run = browserAvailable();

describe.runIf(run)('GET /docs in a browser', () => {
  let f: Fixture;
  let browser: Browser;
  let url: string;
  const offNode: string[] = [];

  beforeAll(async () => {
    f = await openFixture();
    url = (await f.server.start()).url;
    browser = await launchBrowser();
    // Offline: anything not asked of this node is refused, and remembered.
    await browser.context.route('**/*', (route) => {
      const target = route.request().url();
      if (target.startsWith(url)) return route.continue();
      offNode.push(target);
      return route.abort();
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await f?.close();
  });

  it('lists every operation of the document, loading nothing from elsewhere', async () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    const page = await browser.open(`${url}/docs/`);
    // The page's own count of rendered operations (Swagger UI draws one .opblock each).
    await page
      .locator('.opblock')
      .nth(operations - 1)
      .waitFor({ timeout: 30_000 });
    expect(await page.locator('.opblock').count()).toBe(operations);
    expect(await page.locator('.opblock-summary-path', { hasText: '/status' }).count()).toBeGreaterThan(0);
    expect(offNode).toEqual([]);
    expect(browser.errors).toEqual([]);
  }, 60_000);
});
