// The real node, end to end in one process: CairnNode.start on a temp datadir (real LevelDB, real libp2p
// on 127.0.0.1, the real HTTP API), fed one invalid block and one state mismatch by a hostile peer over
// real P2P. Each fact must be counted once in /metrics and logged once (docs/ARCHITECTURE.md: a fact is
// logged and counted once, by the service that knows it; the table at the top of src/node/node.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/consensus/bytes.js';
import { encodeBlock } from '../../src/consensus/encoding.js';
import { blockHash } from '../../src/consensus/hash.js';
import { regtestParams } from '../../src/consensus/params.js';
import { loadNativeSecp256k1 } from '../../src/crypto/native-secp256k1.js';
import { CairnNode } from '../../src/node/node.js';
import type { Host } from '../../src/p2p/host.js';
import { networkIds } from '../../src/p2p/topics.js';
import { createLogger } from '../../src/util/logger.js';
import { BlockBuilder, testKey, testParams, transfer } from '../helpers/chain-fixtures.js';
import { startHostilePeer } from '../helpers/hostile-peer.js';

const params = regtestParams(testParams());
const ids = networkIds(params.genesisHash);

/** Every JSON log line the node writes, parsed. */
const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
    done();
  },
});

let dir: string;
let node: CairnNode;
let hostile: Host | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-node-'));
  node = await CairnNode.start({
    datadir: dir,
    params,
    logger: createLogger({ destination: sink, pretty: false, level: 'info' }),
    apiHost: '127.0.0.1',
    apiPort: 0,
    p2pHost: '127.0.0.1',
    p2pPort: 0,
    minerThreads: 0,
    verifyThreads: 1,
  });
});

afterAll(async () => {
  await hostile?.stop();
  await node?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Polls `check` every 50 ms until it holds; fails with `what` after `timeoutMs`. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function scrape(): Promise<string> {
  const res = await fetch(`${node.info.api}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The sum of every sample of a metric (over all its label sets). */
function total(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.split(' ').pop());
  }
  return sum;
}

function logged(match: (msg: string) => boolean, field?: [string, unknown]): Record<string, unknown>[] {
  return lines.filter(
    (l) => typeof l.msg === 'string' && match(l.msg) && (!field || l[field[0]] === field[1]),
  );
}

/**
 * A plain libp2p peer on the node's topics that answers the status protocol: the FIRST answer claims
 * the node's own tip with another state digest (one state mismatch), every later one the true digest.
 */
async function startHostile(): Promise<Host> {
  let answered = 0;
  return startHostilePeer({
    ids,
    target: { multiaddr: node.p2p.multiaddrs()[0]!, peerId: node.p2p.peerId },
    topics: ['blocks'],
    waitFor,
    status: () => {
      const tip = node.services.chain.tip;
      return {
        genesisHash: params.genesisHash,
        tipHash: tip.hash,
        height: tip.header.height,
        chainWork: tip.chainWork,
        stateDigest: answered++ === 0 ? new Uint8Array(32).fill(0xee) : node.services.chain.stateDigest,
      };
    },
  });
}

describe('CairnNode', () => {
  it('says which signature backend runs: in the start-up log, GET /status and /metrics', async () => {
    // resolveBackend() picks it: native libsecp256k1 when it loads here, else its WASM build (and
    // CAIRN_DISABLE_NATIVE=1 runs prove the fallback). All three places name the same one.
    const backend = node.services.verifier.backend;
    expect(backend).toBe(loadNativeSecp256k1().ok ? 'secp256k1-native' : 'tiny-secp256k1');
    const ready = logged((m) => m === 'node ready');
    expect(ready).toHaveLength(1);
    expect(ready[0]!.verifier).toBe(backend);
    const status = (await (await fetch(`${node.info.api}/status`)).json()) as Record<string, unknown>;
    expect(status.verifier).toBe(backend);
    const text = await scrape();
    expect(text).toContain('# TYPE cairn_verifier_info gauge');
    expect(text).toContain(`cairn_verifier_info{backend="${backend}"} 1`);
    expect(total(text, 'cairn_verifier_info')).toBe(1);
  });

  it('counts and logs one invalid block and one state mismatch exactly once each', async () => {
    hostile = await startHostile();
    const me = hostile.peerId.toString();

    // 1. The state mismatch: the node asks the new peer for its status as soon as it connects.
    await waitFor(
      'the mismatch counted',
      async () => total(await scrape(), 'cairn_state_mismatches_total') >= 1,
    );

    // 2. The invalid block: real proof of work on the node's tip, but its tx uses a nonce the sender's
    //    account has not reached, so it fails to connect and the chain marks it invalid.
    const bad = new BlockBuilder(params).next({
      parent: params.genesis,
      txs: [transfer(params, testKey(0), testKey(1).address, 1n, 9n)],
    });
    const badHash = toHex(blockHash(bad.header));
    await hostile.services.pubsub.publish(ids.blocksTopic, encodeBlock(bad));
    await waitFor(
      'the block rejected',
      async () => total(await scrape(), 'cairn_rejected_blocks_total') >= 1,
    );
    await waitFor('the sender banned', () => node.p2p.peers().some((p) => p.peerId === me && p.banned));
    await waitFor('the ban logged', () => logged((m) => m === 'peer banned').length >= 1);

    // Exactly once each, counted...
    const text = await scrape();
    expect(total(text, 'cairn_rejected_blocks_total')).toBe(1);
    expect(text).toContain('cairn_rejected_blocks_total{code="BAD_NONCE"} 1');
    expect(total(text, 'cairn_state_mismatches_total')).toBe(1);
    const status = (await (await fetch(`${node.info.api}/status`)).json()) as Record<string, unknown>;
    expect(status.stateMismatches).toBe(1);
    expect(status.tipHash).toBe(toHex(params.genesisHash));
    // ...and logged.
    const invalid = logged((m) => m === 'invalid block');
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toMatchObject({ hash: badHash, code: 'BAD_NONCE' });
    expect(logged((m) => m.startsWith('STATE MISMATCH'))).toHaveLength(1);
    expect(logged((m) => m === 'peer connected', ['peer', me])).toHaveLength(1);
    expect(logged((m) => m === 'peer banned', ['peer', me])).toHaveLength(1);
    // The node itself (no `name`: the p2p and api loggers are children with one) repeats no p2p fact.
    const own = lines.filter((l) => l.name === undefined).map((l) => l.msg);
    for (const p2pFact of [
      'peer connected',
      'peer disconnected',
      'peer banned',
      'syncing',
      'sync progress',
    ]) {
      expect(own).not.toContain(p2pFact);
    }
    expect(own.filter((m) => typeof m === 'string' && m.startsWith('STATE MISMATCH'))).toEqual([]);
  });
});
