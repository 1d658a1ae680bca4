// GET /metrics: Prometheus text with the gauges and counters of docs/ARCHITECTURE.md §5 / issue 4, one private
// registry per node.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/api/metrics.js';
import { RuleError } from '../../src/consensus/errors.js';
import { testKey, transfer } from '../helpers/chain-fixtures.js';
import { type Fixture, openFixture, rawHex } from './fixture.js';

const open: Fixture[] = [];

afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
});

async function fixture(opts: Parameters<typeof openFixture>[0] = {}): Promise<Fixture> {
  const f = await openFixture(opts);
  open.push(f);
  return f;
}

async function scrape(f: Fixture): Promise<string> {
  const res = await f.server.app.inject({ url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
}

/** The value of one sample line, e.g. value(text, 'cairn_height') or with labels. */
function value(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

describe('GET /metrics', () => {
  it('reports the chain, mempool, peers and miner gauges as they are now', async () => {
    const f = await fixture({
      server: {
        p2p: {
          peers: () => [{ peerId: 'p', addrs: [], direction: 'outbound', score: 1, banned: false }],
        },
      },
    });
    await f.mine(3);
    const inject = (raw: string) => f.server.app.inject({ method: 'POST', url: '/txs', payload: { raw } });
    await inject(rawHex(transfer(f.params, testKey(0), testKey(1).address, 5n, 0n)));
    const text = await scrape(f);
    expect(value(text, 'cairn_height')).toBe(3);
    expect(value(text, 'cairn_chain_work')).toBe(Number(f.chain.tip.chainWork));
    expect(value(text, 'cairn_peers')).toBe(1);
    expect(value(text, 'cairn_mempool_txs')).toBe(1);
    expect(value(text, 'cairn_mempool_bytes')).toBe(142);
    expect(value(text, 'cairn_hashrate')).toBe(0);
    for (const name of [
      'cairn_height',
      'cairn_chain_work',
      'cairn_peers',
      'cairn_mempool_txs',
      'cairn_mempool_bytes',
      'cairn_hashrate',
    ]) {
      expect(text).toContain(`# TYPE ${name} gauge`);
    }
  });

  it('names the signature backend in an info metric, and leaves it out when the node has none', async () => {
    const f = await fixture({ server: { verifier: 'tiny-secp256k1' } });
    const text = await scrape(f);
    expect(text).toContain('# TYPE cairn_verifier_info gauge');
    expect(value(text, 'cairn_verifier_info{backend="tiny-secp256k1"}')).toBe(1);
    expect(text.split('\n').filter((l) => l.startsWith('cairn_verifier_info'))).toHaveLength(1);
    const bare = await scrape(await fixture());
    expect(bare.split('\n').filter((l) => l.startsWith('cairn_verifier_info'))).toEqual([]);
  });

  it('counts connected blocks, reorgs, rejected blocks and txs by code, and state mismatches', async () => {
    const f = await fixture();
    await f.mine(2);
    // A three-block branch outweighs the two-block main chain: one reorg, three more blocks connected.
    const branch = f.builder.extend(3, { parent: f.params.genesis, gap: 7 });
    for (const b of branch) await f.chain.processBlock(b);
    // A block whose tx uses a nonce the account has not reached fails to connect: marked invalid.
    const bad = f.builder.next({
      parent: branch[2],
      txs: [transfer(f.params, testKey(0), testKey(1).address, 1n, 9n)],
    });
    await expect(f.chain.processBlock(bad)).rejects.toThrow(RuleError);
    // Two refused txs through the API.
    const tx = transfer(f.params, testKey(0), testKey(1).address, 5n, 0n);
    const forged = rawHex({ ...tx, amount: 6n });
    for (let i = 0; i < 2; i++)
      await f.server.app.inject({ method: 'POST', url: '/txs', payload: { raw: forged } });
    await f.server.app.inject({ method: 'POST', url: '/txs', payload: { raw: 'zz' } }); // schema: not a tx
    f.server.metrics.stateMismatch();

    const text = await scrape(f);
    expect(value(text, 'cairn_blocks_connected_total')).toBe(5);
    expect(value(text, 'cairn_reorgs_total')).toBe(1);
    expect(value(text, 'cairn_rejected_blocks_total{code="BAD_NONCE"}')).toBe(1);
    expect(value(text, 'cairn_rejected_txs_total{code="BAD_SIGNATURE"}')).toBe(2);
    expect(text).not.toContain('cairn_rejected_txs_total{code="BAD_HEX"}');
    expect(value(text, 'cairn_state_mismatches_total')).toBe(1);
    const status = await f.server.app.inject({ url: '/status' });
    expect(status.json().stateMismatches).toBe(1);
  });

  it('times API requests by route pattern, method and status', async () => {
    const f = await fixture();
    await f.server.app.inject({ url: '/status' });
    await f.server.app.inject({ url: '/blocks/0' });
    await f.server.app.inject({ url: '/blocks/77' });
    await f.server.app.inject({ url: '/nowhere' });
    const text = await scrape(f);
    expect(text).toContain('# TYPE cairn_api_request_duration_seconds histogram');
    const count = (labels: string) => value(text, `cairn_api_request_duration_seconds_count{${labels}}`);
    expect(count('route="/status",method="GET",status="200"')).toBe(1);
    expect(count('route="/blocks/:hashOrHeight",method="GET",status="200"')).toBe(1);
    expect(count('route="/blocks/:hashOrHeight",method="GET",status="404"')).toBe(1);
    // Unknown URLs share one label, so a scanner cannot grow the histogram without bound.
    expect(count('route="unmatched",method="GET",status="404"')).toBe(1);
  });

  it('reads the hash rate from the miner', async () => {
    const f = await fixture({ server: { miner: { mine: async () => [], hashrate: () => 1234.5 } } });
    expect(value(await scrape(f), 'cairn_hashrate')).toBe(1234.5);
  });

  it('keeps the numbers of two nodes in one process apart', async () => {
    const a = await fixture();
    const b = await fixture();
    await a.mine(2);
    await b.mine(1);
    expect(value(await scrape(a), 'cairn_height')).toBe(2);
    expect(value(await scrape(b), 'cairn_height')).toBe(1);
    expect(value(await scrape(a), 'cairn_blocks_connected_total')).toBe(2);
    expect(value(await scrape(b), 'cairn_blocks_connected_total')).toBe(1);
  });
});

describe('Metrics', () => {
  it('counts a tracked chain once however often it is tracked, and stops on close', async () => {
    const m = new Metrics();
    const chain = new EventEmitter();
    m.trackChain(chain as never);
    m.trackChain(chain as never);
    chain.emit('block:connected', {});
    chain.emit('reorg', {});
    chain.emit('block:invalid', { error: new RuleError('HIGH_HASH', 'x') });
    m.close();
    chain.emit('block:connected', {});
    const text = await m.text();
    expect(value(text, 'cairn_blocks_connected_total')).toBe(1);
    expect(value(text, 'cairn_reorgs_total')).toBe(1);
    expect(value(text, 'cairn_rejected_blocks_total{code="HIGH_HASH"}')).toBe(1);
    expect(chain.listenerCount('block:connected')).toBe(0);
  });
});
