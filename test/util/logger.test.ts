import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, prettyLine } from '../../src/util/logger.js';

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
  it('writes one JSON object per line for machines', () => {
    const out = capture();
    const log = createLogger({ pretty: false, destination: out.stream });
    log.info({ height: 5, hash: 'ab' }, 'block connected');
    const line = JSON.parse(out.text().trim());
    expect(line).toMatchObject({ level: 30, height: 5, hash: 'ab', msg: 'block connected' });
  });

  it('writes one readable line per event for people', () => {
    const out = capture();
    const log = createLogger({ pretty: true, destination: out.stream, name: 'p2p' });
    log.warn({ depth: 3 }, 'reorg');
    expect(out.text()).toMatch(/^\d\d:\d\d:\d\d WARN {2}\[p2p\] reorg depth=3\n$/);
  });

  it('leaves a line that is not JSON as it is', () => {
    expect(prettyLine('not json\n')).toBe('not json\n');
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
