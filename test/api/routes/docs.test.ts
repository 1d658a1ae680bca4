// GET /docs: Swagger UI over the node's own OpenAPI document, everything served locally (no CDN, no
// validator badge). The page rendered in a real Chromium is test/e2e/api-docs.e2e.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../src/api/openapi.js';
import { type Fixture, openFixture } from '../fixture.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('GET /docs', () => {
  it('serves the Swagger UI page; every script and stylesheet it loads is served by the node itself', async () => {
    f = await openFixture();
    const page = await f.server.app.inject({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    // The browser itself refuses anything from elsewhere (test/e2e/api-docs.e2e.test.ts watches it do so).
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'self';/);
    expect(page.headers['content-security-policy']).not.toMatch(/https:|validator/);
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) {
      expect(ref, ref).not.toMatch(/^(https?:)?\/\//);
      const asset = await f.server.app.inject({ url: new URL(ref, 'http://node/docs/').pathname });
      expect(asset.statusCode, ref).toBe(200);
    }
    const init = await f.server.app.inject({ url: '/docs/static/swagger-initializer.js' });
    expect(init.body).toContain('"validatorUrl":null');
  });

  it('shows the same document as GET /openapi.json', async () => {
    f = await openFixture();
    const json = await f.server.app.inject({ url: '/docs/json' });
    const served = await f.server.app.inject({ url: '/openapi.json' });
    expect(json.json()).toEqual(served.json());
    expect(json.json()).toEqual(openApiDocument());
  });

  it('with a token, needs it like every other route', async () => {
    const token = 'docs-test-token-0123456789abcdef';
    f = await openFixture({ server: { token } });
    expect((await f.server.app.inject({ url: '/docs/' })).statusCode).toBe(401);
    const ok = await f.server.app.inject({ url: '/docs/', headers: { authorization: `Bearer ${token}` } });
    expect(ok.statusCode).toBe(200);
  });
});
