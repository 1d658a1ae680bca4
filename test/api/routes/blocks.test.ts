// POST /blocks (Core: submitblock): a whole block handed in by a client goes through the chain's own path
// (every rule, then fork choice) with origin 'api', and the answer says what became of it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlockEvent } from '../../../src/chain/chain.js';
import { toHex } from '../../../src/consensus/bytes.js';
import { encodeBlock } from '../../../src/consensus/encoding.js';
import { blockHash } from '../../../src/consensus/hash.js';
import type { Block } from '../../../src/consensus/types.js';
import { type Fixture, NOW, openFixture } from '../fixture.js';

let f: Fixture;

beforeEach(async () => {
  f = await openFixture();
});

afterEach(async () => {
  await f.close();
});

async function submit(block: Block | string) {
  const raw = typeof block === 'string' ? block : toHex(encodeBlock(block));
  const res = await f.server.app.inject({ method: 'POST', url: '/blocks', payload: { raw } });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}

const hex = (b: Block) => toHex(blockHash(b.header));

describe('POST /blocks', () => {
  it('connects a block on the tip, with origin api, and says so', async () => {
    const origins: string[] = [];
    f.chain.on('block:connected', (e: BlockEvent) => origins.push(e.origin));
    const b1 = f.builder.next();
    const r = await submit(b1);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ hash: hex(b1), height: 1, status: 'connected', onMainChain: true });
    expect(f.chain.tip.hex).toBe(hex(b1));
    expect(origins).toEqual(['api']);
    // The same block again changes nothing.
    expect((await submit(b1)).body).toEqual({
      hash: hex(b1),
      height: 1,
      status: 'duplicate',
      onMainChain: true,
    });
  });

  it('stores a side branch with no more work than the tip, and switches once the branch has more', async () => {
    const [a1] = f.builder.extend(1);
    await submit(a1!);
    const b1 = f.builder.next({ parent: f.params.genesis, gap: 7 });
    const stored = await submit(b1);
    expect(stored.body).toEqual({ hash: hex(b1), height: 1, status: 'stored', onMainChain: false });
    expect(f.chain.tip.hex).toBe(hex(a1!)); // equal work: the block seen first stays
    const b2 = f.builder.next({ parent: b1 });
    const switched = await submit(b2);
    expect(switched.body).toEqual({ hash: hex(b2), height: 2, status: 'connected', onMainChain: true });
    expect(f.chain.tip.hex).toBe(hex(b2));
  });

  it('keeps a block whose parent it lacks as an orphan', async () => {
    const [, b2] = f.builder.extend(2);
    expect((await submit(b2!)).body).toMatchObject({ status: 'orphan', onMainChain: false, height: 2 });
  });

  it('refuses a block that breaks a rule with the rule code (400), and remembers it as invalid', async () => {
    const bad = f.builder.next({ tamper: { bits: 0x2000ffff } }); // not the bits the chain requires
    const r = await submit(bad);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('BAD_DIFFBITS');
    const again = await submit(bad);
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('INVALID_ANCESTOR');
    expect(f.chain.height).toBe(0);
  });

  it('refuses a block from the future as transient (503, Retry-After) and accepts nothing of it', async () => {
    const future = f.builder.next({ parent: f.params.genesis, time: NOW + f.params.maxFutureBlockTime + 1 });
    const r = await submit(future);
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('TIME_TOO_NEW');
    expect(r.headers['retry-after']).toBeDefined();
    expect(f.chain.entry(hex(future))).toBeUndefined(); // not remembered: it may become valid
  });

  it('refuses what is not a block: bad hex, a wrong length', async () => {
    const notHex = await submit('zz');
    expect(notHex.status).toBe(400);
    expect(notHex.body.error.code).toBe('BAD_HEX');
    const short = await submit('00'.repeat(10));
    expect(short.status).toBe(400);
    expect(short.body.error.code).toBe('BAD_ENCODING');
  });
});
