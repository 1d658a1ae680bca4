// Listening beyond loopback needs a token, and a token, once set, guards every request.
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/api/server.js';
import { type Fixture, openFixture } from './fixture.js';

const TOKEN = 'correct-horse-battery-staple';

let f: Fixture | undefined;

afterEach(async () => {
  await f?.close();
  f = undefined;
});

describe('binding', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['128.0.0.1', false],
    ['example.com', false],
  ])('isLoopback(%s) = %s', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });

  it('refuses a non-loopback host without a token, with a message that says what to do', async () => {
    await expect(openFixture({ server: { host: '0.0.0.0' } })).rejects.toThrow(/without a token/);
  });

  it('refuses a token too short to resist guessing', async () => {
    await expect(openFixture({ server: { host: '0.0.0.0', token: 'short' } })).rejects.toThrow(
      /at least 16 characters/,
    );
  });

  it('accepts a non-loopback host with a token', async () => {
    f = await openFixture({ server: { host: '0.0.0.0', token: TOKEN } });
    const res = await f.server.app.inject({
      url: '/status',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('with a token', () => {
  it.each([
    ['no header', undefined],
    ['another token', 'Bearer correct-horse-battery-stapled'],
    ['a prefix of the token', 'Bearer correct-horse'],
    ['the token without the scheme', TOKEN],
    ['Basic scheme', `Basic ${TOKEN}`],
    ['empty bearer', 'Bearer '],
  ])('refuses %s with 401 UNAUTHORIZED', async (_name, authorization) => {
    f = await openFixture({ server: { token: TOKEN } });
    for (const [method, url] of [
      ['GET', '/status'],
      ['GET', '/metrics'],
      ['GET', '/events'],
      ['POST', '/mine'],
      ['GET', '/no-such-route'], // no probing for routes either
    ] as const) {
      const res = await f.server.app.inject({
        method,
        url,
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
    expect(f.chain.height).toBe(0);
  });

  it('serves requests with the right token (the scheme name is case-insensitive)', async () => {
    f = await openFixture({ server: { token: TOKEN } });
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const res = await f.server.app.inject({
        url: '/status',
        headers: { authorization: `${scheme} ${TOKEN}` },
      });
      expect(res.statusCode).toBe(200);
    }
    const mined = await f.server.app.inject({
      method: 'POST',
      url: '/mine',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { blocks: 1, to: f.address(new Uint8Array(20)) },
    });
    expect(mined.statusCode).toBe(200);
    expect(f.chain.height).toBe(1);
  });

  it('needs no token when none is configured', async () => {
    f = await openFixture();
    expect((await f.server.app.inject({ url: '/status' })).statusCode).toBe(200);
  });
});
