// The devnet's admin routes: partition and heal, for clients on this machine only.
import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, openFixture } from './fixture.js';

let f: Fixture | undefined;

afterEach(async () => {
  await f?.close();
  f = undefined;
});

function spyAdmin() {
  const calls: unknown[][] = [];
  return {
    calls,
    admin: {
      blockPeers: async (ids: readonly string[]) => {
        calls.push(['block', ...ids]);
      },
      unblockAll: () => {
        calls.push(['unblock']);
      },
    },
  };
}

describe('admin routes', () => {
  it('block and unblock peers for a loopback client', async () => {
    const spy = spyAdmin();
    f = await openFixture({ server: { admin: spy.admin } });
    const block = await f.server.app.inject({
      method: 'POST',
      url: '/admin/block-peers',
      payload: { peerIds: ['12D3KooWA', '12D3KooWB'] },
    });
    expect(block.statusCode).toBe(200);
    expect(block.json()).toEqual({ ok: true });
    // The devnet posts {}; a bare POST with no body works too.
    for (const payload of [{}, undefined]) {
      const heal = await f.server.app.inject({ method: 'POST', url: '/admin/unblock-peers', payload });
      expect(heal.statusCode).toBe(200);
    }
    expect(spy.calls).toEqual([['block', '12D3KooWA', '12D3KooWB'], ['unblock'], ['unblock']]);
  });

  it('refuses a client on another machine with 403 FORBIDDEN, token or not', async () => {
    const spy = spyAdmin();
    const token = 'a-token-long-enough-to-use';
    f = await openFixture({ server: { admin: spy.admin, token } });
    for (const url of ['/admin/block-peers', '/admin/unblock-peers']) {
      const res = await f.server.app.inject({
        method: 'POST',
        url,
        remoteAddress: '192.168.1.20',
        headers: { authorization: `Bearer ${token}` },
        payload: { peerIds: [] },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
    }
    expect(spy.calls).toEqual([]);
  });

  it('is 503 UNAVAILABLE on a node without a network, and 400 on a bad body', async () => {
    f = await openFixture();
    const none = await f.server.app.inject({ method: 'POST', url: '/admin/unblock-peers', payload: {} });
    expect(none.statusCode).toBe(503);
    expect(none.json().error.code).toBe('UNAVAILABLE');
    for (const payload of [{}, { peerIds: 'x' }, { peerIds: [1] }, { peerIds: [''] }]) {
      const bad = await f.server.app.inject({ method: 'POST', url: '/admin/block-peers', payload });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('BAD_REQUEST');
    }
  });
});
