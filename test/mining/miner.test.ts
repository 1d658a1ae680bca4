import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Chain, type ConnectedBlock } from '../../src/chain/chain.js';
import { bytesToBigInt, toHex } from '../../src/consensus/bytes.js';
import { decodeHeader, encodeHeader } from '../../src/consensus/encoding.js';
import { blockHash } from '../../src/consensus/hash.js';
import type { Tx } from '../../src/consensus/types.js';
import { Miner, type PowEngine } from '../../src/mining/miner.js';
import type { PowJob, PowSolution } from '../../src/mining/pow-search.js';
import { ChainStore } from '../../src/storage/index.js';
import { BlockBuilder, referenceVerifier, testKey, testParams, transfer } from '../helpers/chain-fixtures.js';

const params = testParams();
let dir: string;
let store: ChainStore;
let chain: Chain;
let miner: Miner | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-miner-'));
  store = await ChainStore.open(dir);
  chain = await Chain.open({
    params,
    store,
    verifier: referenceVerifier(params),
  });
});

afterEach(async () => {
  await miner?.close();
  miner = undefined;
  await chain.idle();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** A proof-of-work engine the test controls: each job waits until the test solves or the miner aborts it. */
class ManualEngine implements PowEngine {
  readonly jobs: { job: PowJob; aborted: boolean; solve: () => void }[] = [];
  private waiters: (() => void)[] = [];

  solve(job: PowJob, signal?: AbortSignal): Promise<PowSolution | null> {
    return new Promise((resolve) => {
      const entry = {
        job,
        aborted: false,
        solve: () => {
          const target = job.target;
          const h = decodeHeader(job.header);
          for (let nonce = 0n; ; nonce++) {
            const header = { ...h, nonce };
            if (bytesToBigInt(blockHash(header)) <= target) {
              resolve({ nonce, time: h.time, header: encodeHeader(header) });
              return;
            }
          }
        },
      };
      signal?.addEventListener('abort', () => {
        entry.aborted = true;
        resolve(null);
      });
      this.jobs.push(entry);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  async nextJob(count: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (this.jobs.length < count) {
      if (Date.now() > deadline) throw new Error(`no job #${count} within 10 s`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
  hashrate(): number {
    return 0;
  }
  async close(): Promise<void> {}
}

describe('Miner', () => {
  it('mines blocks with real worker threads, each connected to the chain', async () => {
    miner = new Miner({ chain, threads: 2 });
    const mined = await miner.mine(3, testKey(5).address);
    expect(mined.map((m) => m.height)).toEqual([1, 2, 3]);
    expect(chain.height).toBe(3);
    expect(toHex(chain.tip.hash)).toBe(toHex(mined[2]!.hash));
    expect((await chain.getAccount(testKey(5).address)).balance).toBe(3n * params.initialSubsidy);
  });

  it('puts the template txs in the block, highest fee first', async () => {
    const txs: Tx[] = [
      transfer(params, testKey(0), testKey(1).address, 5n, 0n, 100n),
      transfer(params, testKey(2), testKey(1).address, 5n, 0n, 900n),
    ];
    const source = {
      selectForBlock: () => [...txs].sort((a, b) => Number(b.fee - a.fee)).map((tx) => ({ tx })),
    };
    miner = new Miner({ chain, txs: source, threads: 1 });
    await miner.mine(1, testKey(5).address);
    const block = (await chain.getBlock(chain.tip.hash))!;
    expect(block.txs.map((t) => t.fee)).toEqual([900n, 100n]);
    expect((await chain.getAccount(testKey(5).address)).balance).toBe(params.initialSubsidy + 1000n);
  });

  it('abandons its work the moment the tip changes and builds on the new tip', async () => {
    const engine = new ManualEngine();
    miner = new Miner({ chain, threads: 1, engine });
    const mining = miner.mine(1, testKey(5).address);
    await engine.nextJob(1);
    expect(toHex(decodeHeader(engine.jobs[0]!.job.header).prevHash)).toBe(toHex(params.genesisHash));
    // A block from elsewhere arrives: the tip moves, the first job must be dropped at once.
    const other = new BlockBuilder(params).next({ miner: testKey(6).address });
    await chain.processBlock(other);
    await engine.nextJob(2);
    expect(engine.jobs[0]!.aborted).toBe(true);
    const second = decodeHeader(engine.jobs[1]!.job.header);
    expect(toHex(second.prevHash)).toBe(toHex(blockHash(other.header)));
    expect(second.height).toBe(2);
    engine.jobs[1]!.solve();
    const [mined] = await mining;
    expect(mined!.height).toBe(2);
    expect(chain.height).toBe(2);
  });

  it("hands its block to the chain with origin 'mined', so the block event says it was found here", async () => {
    const engine = new ManualEngine();
    miner = new Miner({ chain, threads: 1, engine });
    const seen: ConnectedBlock[] = [];
    chain.on('block:connected', (e) => seen.push(e));
    const before = Date.now();
    const mining = miner.mine(1, testKey(5).address);
    await engine.nextJob(1);
    engine.jobs[0]!.solve();
    const [mined] = await mining;
    expect(seen).toHaveLength(1);
    expect(toHex(seen[0]!.entry.hash)).toBe(toHex(mined!.hash));
    expect(seen[0]!.origin).toBe('mined');
    expect('peer' in seen[0]!).toBe(false);
    expect(seen[0]!.receivedAt).toBeGreaterThanOrEqual(before);
    expect(seen[0]!.receivedAt).toBeLessThanOrEqual(Date.now());
  });

  it('continuous mining stops promptly on stop()', async () => {
    const engine = new ManualEngine();
    miner = new Miner({ chain, threads: 1, engine });
    miner.start(testKey(5).address);
    await engine.nextJob(1);
    engine.jobs[0]!.solve();
    await engine.nextJob(2);
    await miner.stop();
    expect(engine.jobs[1]!.aborted).toBe(true);
    expect(chain.height).toBe(1);
    expect(miner.mining).toBe(false);
  });

  it('a paced miner leaves no abort listener behind per block (no MaxListenersExceededWarning)', async () => {
    // Issue 13 defect 6: each paced pause added an abort listener to the loop's signal and never removed
    // it, so the eleventh block warned (42 of 52 regtest starts did).
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const engine = new ManualEngine();
      miner = new Miner({ chain, threads: 1, engine });
      miner.start(testKey(5).address, { minIntervalMs: 5 });
      for (let i = 1; i <= 15; i++) {
        await engine.nextJob(i);
        engine.jobs[i - 1]!.solve();
      }
      await engine.nextJob(16);
      await miner.stop();
      expect(chain.height).toBe(15);
      // Warnings go out on the next tick: let them arrive before looking.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
