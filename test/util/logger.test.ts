import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, shortId } from '../../src/util/logger.js';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

describe('logger', () => {
  it('writes one JSON object per line for machines, with an ISO-8601 time', () => {
    const out = capture();
    const log = createLogger({ pretty: false, destination: out.stream });
    const before = Date.now();
    log.info({ height: 5, hash: 'ab' }, 'block connected');
    const line = JSON.parse(out.text().trim());
    expect(line).toMatchObject({ level: 30, height: 5, hash: 'ab', msg: 'block connected' });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(line.time)).toBeGreaterThanOrEqual(before - 1);
  });

  it('writes one readable line per event for people (pino-pretty), hashes and peer ids short', () => {
    const out = capture();
    const log = createLogger({ pretty: true, colorize: false, destination: out.stream, name: 'p2p' });
    const oldTip = 'ab'.repeat(32);
    const peer = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo';
    log.warn({ depth: 3, oldTip, peer }, 'reorg');
    expect(out.text()).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] WARN \(p2p\): reorg \{"depth":3,"oldTip":"abababab…","peer":"12D3Koo…CVe2Xo"\}\n$/,
    );
  });

  it('colours the level and the message when asked (on a terminal that supports it)', () => {
    const out = capture();
    createLogger({ pretty: true, colorize: true, destination: out.stream }).info({ height: 5 }, 'block');
    expect(out.text()).toContain('\x1b[32mINFO\x1b[39m');
    expect(out.text()).toContain('\x1b[36mblock\x1b[39m');
  });

  it('shortens hashes and peer ids only', () => {
    expect(shortId('00'.repeat(32))).toBe('00000000…');
    expect(shortId(['ff'.repeat(32)])).toEqual(['ffffffff…']);
    expect(shortId('cairn1abc')).toBe('cairn1abc');
    expect(shortId('AB'.repeat(32))).toBe('AB'.repeat(32)); // not a lowercase hash: left alone
    expect(shortId(5)).toBe(5);
  });

  it('loads pino-pretty only for a terminal: a JSON logger never does', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { createLogger } = await import('./src/util/logger.ts');
      createLogger({ pretty: false }).info('json');
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('pino-pretty'));
      const json = loaded();
      createLogger({ pretty: true, colorize: false }).info('pretty');
      console.error(JSON.stringify({ json, pretty: loaded() }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!)).toEqual({ json: false, pretty: true });
  });

  it('respects the level', () => {
    const out = capture();
    const log = createLogger({ pretty: false, destination: out.stream, level: 'warn' });
    log.info('hidden');
    log.error('shown');
    expect(out.text()).not.toMatch(/hidden/);
    expect(out.text()).toMatch(/shown/);
  });
});
