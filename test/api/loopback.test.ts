// A web page cannot drive a loopback API (src/api/loopback.ts, issue 13 defect 2): without a token only
// loopback Host names are answered (DNS rebinding), and a state-changing request from another origin is
// refused, over real HTTP, with nothing changed. Before the fix every one of these was answered 200 and
// the page mined blocks.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserRefusal, hostOf } from '../../src/api/loopback.js';
import { testKey } from '../helpers/chain-fixtures.js';
import { type Fixture, openFixture } from './fixture.js';

const TOKEN = 'correct-horse-battery-staple';

interface Reply {
  readonly status: number;
  readonly body: string;
}

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, timeout: 5_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function code(r: Reply): string {
  return (JSON.parse(r.body) as { error: { code: string } }).error.code;
}

const mineBody = (f: Fixture) => JSON.stringify({ blocks: 1, to: f.address(testKey(0).address) });

describe('browserRefusal', () => {
  it('hostOf takes the host out of a Host header', () => {
    expect(['127.0.0.1:8645', 'localhost', '[::1]:80', '::1', 'evil.example:1'].map(hostOf)).toEqual([
      '127.0.0.1',
      'localhost',
      '::1',
      '::1',
      'evil.example',
    ]);
  });

  it.each([
    ['localhost:8645', true],
    ['127.0.0.1:8645', true],
    ['127.0.0.1', true],
    ['[::1]:8645', true],
    ['LOCALHOST:1', true],
    ['evil.example:8645', false],
    ['localhost.evil.example', false],
    ['127.0.0.1.nip.io:8645', false],
    ['', false],
  ])('without a token, Host %j is answered: %s', (host, ok) => {
    const why = browserRefusal({ method: 'GET', host, origin: undefined, secFetchSite: undefined }, true);
    expect(why === undefined).toBe(ok);
  });

  it('a token lifts the Host check (the token is what a rebinding page lacks)', () => {
    const req = { method: 'GET', host: 'node.example:8645', origin: undefined, secFetchSite: undefined };
    expect(browserRefusal(req, false)).toBeUndefined();
  });

  it.each([
    ['GET', 'http://evil.example', undefined, true],
    ['POST', undefined, undefined, true],
    ['POST', 'http://127.0.0.1:8645', undefined, true],
    ['POST', 'http://127.0.0.1:8645', 'same-origin', true],
    ['POST', undefined, 'none', true],
    ['POST', 'http://evil.example', undefined, false],
    ['POST', 'http://localhost:8645', undefined, false],
    ['POST', 'http://127.0.0.1:9999', undefined, false],
    ['POST', 'null', undefined, false],
    ['DELETE', 'https://127.0.0.1:8645', undefined, false],
    ['POST', undefined, 'cross-site', false],
    ['POST', undefined, 'same-site', false],
  ])(
    '%s with Origin %j and Sec-Fetch-Site %j to 127.0.0.1:8645 is answered: %s',
    (method, origin, site, ok) => {
      const req = { method, host: '127.0.0.1:8645', origin, secFetchSite: site };
      expect(browserRefusal(req, true) === undefined).toBe(ok);
    },
  );
});

describe('over HTTP, an API without a token', () => {
  let f: Fixture;
  let port: number;
  beforeAll(async () => {
    f = await openFixture();
    port = Number(new URL((await f.server.start()).url).port);
  });
  afterAll(async () => {
    await f?.close();
  });

  it.each(['localhost', '127.0.0.1', '[::1]'])('answers Host %s with any port', async (name) => {
    for (const host of [name, `${name}:${port}`, `${name}:1`]) {
      expect((await send(port, 'GET', '/status', { host })).status).toBe(200);
    }
  });

  it('refuses a rebound Host with 403 FORBIDDEN, naming the fix', async () => {
    const r = await send(port, 'GET', '/status', { host: `evil.example:${port}` });
    expect(r.status).toBe(403);
    expect(code(r)).toBe('FORBIDDEN');
    expect(r.body).toMatch(/DNS rebinding/);
  });

  it('a rebound page cannot mine (same-origin for the browser, but its own Host)', async () => {
    const before = f.chain.height;
    const r = await send(
      port,
      'POST',
      '/mine',
      {
        host: `evil.example:${port}`,
        origin: `http://evil.example:${port}`,
        'content-type': 'application/json',
      },
      mineBody(f),
    );
    expect(r.status).toBe(403);
    expect(f.chain.height).toBe(before);
  });

  it('a page on another origin cannot mine, submit or partition the node', async () => {
    const before = f.chain.height;
    const host = `127.0.0.1:${port}`;
    for (const origin of ['http://evil.example', `http://localhost:${port}`, 'http://127.0.0.1:1', 'null']) {
      const headers = { host, origin, 'content-type': 'application/json' };
      const mined = await send(port, 'POST', '/mine', headers, mineBody(f));
      expect([mined.status, code(mined)]).toEqual([403, 'FORBIDDEN']);
      const tx = await send(port, 'POST', '/txs', headers, JSON.stringify({ raw: '00' }));
      expect([tx.status, code(tx)]).toEqual([403, 'FORBIDDEN']);
      const ban = await send(port, 'POST', '/admin/block-peers', headers, JSON.stringify({ peerIds: [] }));
      expect([ban.status, code(ban)]).toEqual([403, 'FORBIDDEN']);
    }
    const fetchMeta = { host, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' };
    expect((await send(port, 'POST', '/mine', fetchMeta, mineBody(f))).status).toBe(403);
    expect(f.chain.height).toBe(before);
  });

  it('its own page, and clients that are not browsers, still mine', async () => {
    const before = f.chain.height;
    const own = {
      host: `127.0.0.1:${port}`,
      origin: `http://127.0.0.1:${port}`,
      'content-type': 'application/json',
    };
    expect((await send(port, 'POST', '/mine', own, mineBody(f))).status).toBe(200);
    const cli = { host: `localhost:${port}`, 'content-type': 'application/json' };
    expect((await send(port, 'POST', '/mine', cli, mineBody(f))).status).toBe(200);
    expect(f.chain.height).toBe(before + 2);
  });

  it('lets any page read (a browser keeps the answer from a cross-origin page anyway)', async () => {
    const r = await send(port, 'GET', '/status', {
      host: `127.0.0.1:${port}`,
      origin: 'http://evil.example',
    });
    expect(r.status).toBe(200);
  });
});

describe('over HTTP, an API with a token', () => {
  let f: Fixture;
  let port: number;
  beforeAll(async () => {
    f = await openFixture({ server: { token: TOKEN } });
    port = Number(new URL((await f.server.start()).url).port);
  });
  afterAll(async () => {
    await f?.close();
  });

  it('answers any Host name with the token (a name in front of a reverse proxy, say)', async () => {
    const r = await send(port, 'GET', '/status', { host: 'node.example', authorization: `Bearer ${TOKEN}` });
    expect(r.status).toBe(200);
  });

  it('still refuses a cross-origin write', async () => {
    const headers = {
      host: 'node.example',
      origin: 'http://evil.example',
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
    };
    const r = await send(port, 'POST', '/mine', headers, mineBody(f));
    expect([r.status, code(r)]).toEqual([403, 'FORBIDDEN']);
  });
});
