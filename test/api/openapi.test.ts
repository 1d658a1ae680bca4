// The OpenAPI document matches the routes the server really has, and docs/openapi.json is its current
// copy. After changing a route schema, refresh the copy with:
//   UPDATE_OPENAPI=1 npx vitest run test/api/openapi.test.ts && npx biome format --write docs/openapi.json
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.js';
import { type Fixture, openFixture } from './fixture.js';

const DOC_PATH = new URL('../../docs/openapi.json', import.meta.url);

interface Operation {
  readonly parameters?: readonly { readonly name: string; readonly in: string }[];
  readonly responses: Record<string, unknown>;
}

let f: Fixture;

beforeAll(async () => {
  f = await openFixture();
});

afterAll(async () => {
  await f.close();
});

describe('OpenAPI', () => {
  const doc = openApiDocument() as { paths: Record<string, Record<string, Operation>> };
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method, op })),
  );

  it('describes every route docs/ARCHITECTURE.md §5 requires', () => {
    const listed = operations.map((o) => `${o.method.toUpperCase()} ${o.path}`);
    for (const route of [
      'GET /status',
      'GET /blocks/{hashOrHeight}',
      'GET /txs/{id}',
      'GET /accounts/{address}',
      'POST /txs',
      'POST /mine',
      'GET /peers',
      'GET /mempool',
      'GET /events',
      'GET /metrics',
    ]) {
      expect(listed).toContain(route);
    }
  });

  it.each(operations.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const))(
    '%s is a route the server has, with its path parameters',
    (_name, { path, method, op }) => {
      const url = path.replace(/\{(\w+)\}/g, ':$1');
      expect(f.server.app.hasRoute({ method: method.toUpperCase() as 'GET', url })).toBe(true);
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name)).toEqual(inPath);
      expect(Object.keys(op.responses)).toContain('4XX');
    },
  );

  it('is what GET /openapi.json serves', async () => {
    const res = await f.server.app.inject({ url: '/openapi.json' });
    expect(res.json()).toEqual(doc);
  });

  it('is shipped as docs/openapi.json', async () => {
    if (process.env.UPDATE_OPENAPI) await writeFile(DOC_PATH, `${JSON.stringify(doc, null, 2)}\n`);
    expect(JSON.parse(await readFile(DOC_PATH, 'utf8'))).toEqual(doc);
  });
});
