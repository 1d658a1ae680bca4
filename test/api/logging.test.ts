// The API logs through the node's logger: nothing per request at info level, failures at error level.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Fixture, openFixture } from './fixture.js';

let f: Fixture | undefined;

afterEach(async () => {
  await f?.close();
  f = undefined;
});

function capture(level: string) {
  const lines: { level: number; msg: string; name?: string; url?: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

describe('logging', () => {
  it('writes no line per request at info level', async () => {
    const { logger, lines } = capture('info');
    f = await openFixture({ server: { logger } });
    for (const url of ['/status', '/blocks/0', '/blocks/5', '/nowhere']) await f.server.app.inject({ url });
    await f.server.app.inject({ method: 'POST', url: '/txs', payload: '{bad' });
    expect(lines).toEqual([]);
  });

  it('says once that the API listens, with its URL; fastify\'s own "Server listening" line is not there', async () => {
    const { logger, lines } = capture('info');
    f = await openFixture({ server: { logger } });
    const { url } = await f.server.start();
    expect(lines.filter((l) => /listening/i.test(l.msg))).toEqual([
      expect.objectContaining({ level: 30, name: 'api', msg: 'HTTP API listening', url }),
    ]);
    // The level is back: a warning after start is still logged.
    f.server.app.log.warn('still heard');
    expect(lines.at(-1)).toMatchObject({ level: 40, msg: 'still heard' });
  });

  it('logs requests at debug level under the name "api"', async () => {
    const { logger, lines } = capture('debug');
    f = await openFixture({ server: { logger } });
    await f.server.app.inject({ url: '/status' });
    expect(lines.some((l) => l.level === 20 && l.name === 'api' && l.msg === 'request')).toBe(true);
  });

  it('answers an internal failure with a generic 500, logs it as an error, and keeps serving', async () => {
    const { logger, lines } = capture('info');
    f = await openFixture({ server: { logger } });
    const chain = f.chain as { getAccount: unknown };
    const original = chain.getAccount;
    chain.getAccount = () => Promise.reject(new Error('the disk is on fire'));
    const address = f.address(new Uint8Array(20));
    const res = await f.server.app.inject({ url: `/accounts/${address}` });
    chain.getAccount = original;
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: expect.any(String) } });
    expect(res.body).not.toContain('fire');
    expect(lines.some((l) => l.level === 50)).toBe(true);
    expect((await f.server.app.inject({ url: `/accounts/${address}` })).statusCode).toBe(200);
  });
});
