import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/consensus/bytes.js';
import { encodeBlock } from '../../src/consensus/encoding.js';
import { blockHash } from '../../src/consensus/hash.js';
import { merkleRoot } from '../../src/consensus/merkle.js';
import type { Block, BlockHeader } from '../../src/consensus/types.js';
import { ChainStore } from '../../src/storage/chain-store.js';
import type { HeaderEntry } from '../../src/storage/codec.js';
import { StorageError } from '../../src/storage/errors.js';
import { CHAIN_DB_DIR, SCHEMA_VERSION } from '../../src/storage/layout.js';
import { CHURN_ADDRESS, churnHash } from './fixtures/churn.js';
import { killHard, startStoreProcess } from './fixtures/spawn-store-process.js';

let dir: string;
let store: ChainStore;

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'cairn-store-')), 'datadir');
  store = await ChainStore.open(dir);
});

afterEach(async () => {
  await store.close();
  await rm(join(dir, '..'), { recursive: true, force: true });
});

async function reopen(): Promise<void> {
  await store.close();
  store = await ChainStore.open(dir);
}

/** n distinct 32-byte values: filled with a tag byte, with i big-endian in the last 4 bytes. */
function hashes(n: number, tag: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const h = new Uint8Array(32).fill(tag);
    new DataView(h.buffer).setUint32(28, i);
    return h;
  });
}

function address(i: number): Uint8Array {
  return new Uint8Array(20).fill(i);
}

function header(height: number, prevHash: Uint8Array): BlockHeader {
  return {
    version: 1,
    height,
    prevHash,
    txRoot: merkleRoot([]), // the root of no txs: these headers' blocks are empty
    miner: address(9),
    time: 1_700_000_000 + height * 60,
    bits: 0x207fffff,
    nonce: BigInt(height) * 1_000_003n,
  };
}

function entry(height: number, prevHash: Uint8Array = new Uint8Array(32)): HeaderEntry {
  const h = header(height, prevHash);
  return {
    header: h,
    hash: blockHash(h),
    chainWork: 2n * BigInt(height + 1),
    status: 'valid',
    hasBody: true,
  };
}

async function storageError(p: Promise<unknown> | (() => unknown)): Promise<StorageError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(StorageError);
    return e as StorageError;
  }
  throw new Error('expected a StorageError');
}

describe('ChainStore', () => {
  it('round-trips every op, survives a reopen, and deletes', async () => {
    const genesis = entry(0);
    const child = entry(1, genesis.hash);
    const block: Block = { header: child.header, txs: [] };
    const blockBytes = encodeBlock(block);
    const undo = new Uint8Array([1, 2, 3, 4, 5]);
    const txId = new Uint8Array(32).fill(0x51);
    const digest = new Uint8Array(32).fill(0xd1);

    await store
      .batch()
      .putHeaderEntry(genesis)
      .putHeaderEntry(child)
      .putBlock(child.hash, blockBytes)
      .putUndo(child.hash, undo)
      .putMainHash(0, genesis.hash)
      .putMainHash(1, child.hash)
      .putAccount(address(1), { balance: 50n * 100_000_000n, nonce: 3n })
      .putTxLocation(txId, child.hash, 7)
      .setTip(child.hash)
      .setDigest(digest)
      .setMeta('note', new Uint8Array([0xee]))
      .write();

    const check = async () => {
      expect(await store.getHeaderEntry(genesis.hash)).toEqual(genesis);
      expect(await store.getHeaderEntry(child.hash)).toEqual(child);
      expect(await store.getBlockBytes(child.hash)).toEqual(blockBytes);
      expect(await store.getUndo(child.hash)).toEqual(undo);
      expect(await store.getMainHash(0)).toEqual(genesis.hash);
      expect(await store.getMainHash(1)).toEqual(child.hash);
      expect(await store.getMainHash(2)).toBeUndefined();
      expect(await store.getAccounts([address(1)])).toEqual([{ balance: 5_000_000_000n, nonce: 3n }]);
      expect(await store.getTxLocation(txId)).toEqual({ blockHash: child.hash, index: 7 });
      expect(await store.getTip()).toEqual(child.hash);
      expect(await store.getDigest()).toEqual(digest);
      expect(await store.getMeta('note')).toEqual(new Uint8Array([0xee]));
    };
    await check();
    await reopen();
    await check();

    // Disconnecting block 1, as the chain would: one batch undoes it and moves the tip back.
    await store
      .batch()
      .delUndo(child.hash)
      .delMainHash(1)
      .delAccount(address(1))
      .delTxLocation(txId)
      .setTip(genesis.hash)
      .write();
    expect(await store.getUndo(child.hash)).toBeUndefined();
    expect(await store.getMainHash(1)).toBeUndefined();
    expect(await store.getAccounts([address(1)])).toEqual([undefined]);
    expect(await store.getTxLocation(txId)).toBeUndefined();
    expect(await store.getTip()).toEqual(genesis.hash);
    // The header and body stay: a side branch may become best again.
    expect(await store.getHeaderEntry(child.hash)).toEqual(child);
    expect(await store.getBlockBytes(child.hash)).toEqual(blockBytes);
  });

  it('returns plain Uint8Arrays, not Node Buffers', async () => {
    const e = entry(0);
    await store
      .batch()
      .putBlock(e.hash, encodeBlock({ header: e.header, txs: [] }))
      .putMainHash(0, e.hash)
      .write();
    expect((await store.getBlockBytes(e.hash))!.constructor).toBe(Uint8Array);
    expect((await store.getMainHash(0))!.constructor).toBe(Uint8Array);
  });

  it('a fresh store has no tip, no digest, and the current schema', async () => {
    expect(await store.getTip()).toBeUndefined();
    expect(await store.getDigest()).toBeUndefined();
    expect(new DataView((await store.getMeta('schema'))!.buffer).getUint32(0)).toBe(SCHEMA_VERSION);
  });

  it('getMany reads keep the caller order, with undefined for missing keys', async () => {
    const entries = [entry(0), entry(1), entry(2), entry(3)];
    await store.batch().putHeaderEntry(entries[2]!).putHeaderEntry(entries[0]!).write();
    expect(await store.getHeaderEntries(entries.map((e) => e.hash))).toEqual([
      entries[0],
      undefined,
      entries[2],
      undefined,
    ]);
    expect(await store.getHeaderEntries([])).toEqual([]);

    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 20 }),
        async (stored, asked) => {
          const b = store.batch();
          for (let i = 0; i <= 30; i++) b.delAccount(address(i));
          for (const i of stored) b.putAccount(address(i), { balance: BigInt(i) * 10n, nonce: BigInt(i) });
          await b.write();
          const got = await store.getAccounts(asked.map(address));
          expect(got).toEqual(
            asked.map((i) =>
              stored.includes(i) ? { balance: BigInt(i) * 10n, nonce: BigInt(i) } : undefined,
            ),
          );
        },
      ),
      { numRuns: 25 },
    );
  });

  it('iterates the main chain in height order past the 255 and 65535 key-byte boundaries', async () => {
    const n = 66_000;
    const chain = hashes(n + 1, 0xc0);
    // Written in a shuffled order: the order on disk must come from the keys alone.
    const order = fc.sample(fc.shuffledSubarray([...chain.keys()], { minLength: n + 1 }), {
      numRuns: 1,
      seed: 1,
    })[0]!;
    const b = store.batch();
    for (const h of order) b.putMainHash(h, chain[h]!);
    await b.write();

    // Compared as one hex string: toEqual over 66,001 Uint8Arrays costs seconds.
    const hexes = (hs: readonly Uint8Array[]) => hs.map(toHex).join(',');
    expect(hexes(await store.getMainHashes(0, n))).toBe(hexes(chain));
    expect(await store.getMainHashes(250, 260)).toEqual(chain.slice(250, 261));
    expect(await store.getMainHashes(65_530, 65_540)).toEqual(chain.slice(65_530, 65_541));
    // A range past the tip stops at the tip; an empty or inverted range is empty.
    expect(await store.getMainHashes(n - 2, n + 100)).toEqual(chain.slice(n - 2));
    expect(await store.getMainHashes(n + 1, n + 100)).toEqual([]);
    expect(await store.getMainHashes(10, 9)).toEqual([]);
    expect(await store.getMainHash(65_536)).toEqual(chain[65_536]);
  });

  it('reports a gap in the main chain as corruption instead of returning misaligned hashes', async () => {
    const chain = hashes(5, 0xc1);
    await store.batch().putMainHash(0, chain[0]!).putMainHash(1, chain[1]!).putMainHash(3, chain[3]!).write();
    expect((await storageError(store.getMainHashes(0, 4))).code).toBe('CORRUPT_RECORD');
  });

  it('iterates every header entry and every account', async () => {
    const entries = Array.from({ length: 300 }, (_, i) => entry(i));
    const b = store.batch();
    for (const e of entries) b.putHeaderEntry(e);
    for (let i = 0; i < 40; i++) b.putAccount(address(i), { balance: BigInt(i), nonce: 0n });
    await b.write();

    const seen: HeaderEntry[] = [];
    for await (const e of store.iterateHeaderEntries()) seen.push(e);
    const byHeight = (x: HeaderEntry, y: HeaderEntry) => x.header.height - y.header.height;
    expect(seen.sort(byHeight)).toEqual(entries);

    const accounts: [number, bigint][] = [];
    for await (const [addr, account] of store.iterateAccounts()) accounts.push([addr[0]!, account.balance]);
    expect(accounts).toEqual(Array.from({ length: 40 }, (_, i) => [i, BigInt(i)]));
  });

  it('a batch abandoned after a bad op leaves nothing', async () => {
    const e = entry(5);
    const b = store
      .batch()
      .putHeaderEntry(e)
      .setTip(e.hash)
      .putAccount(address(1), { balance: 1n, nonce: 1n });
    expect(
      (await storageError(() => b.putAccount(new Uint8Array(19), { balance: 0n, nonce: 0n }))).code,
    ).toBe('BAD_ARGUMENT');
    expect((await storageError(() => b.putMainHash(-1, e.hash))).code).toBe('BAD_ARGUMENT');
    expect((await storageError(() => b.setMeta('tip', e.hash))).code).toBe('BAD_ARGUMENT');
    expect(b.length).toBe(3);
    // The caller gives up on this batch (as chain does when a block fails to connect).
    await reopen();
    expect(await store.getHeaderEntry(e.hash)).toBeUndefined();
    expect(await store.getTip()).toBeUndefined();
    expect(await store.getAccounts([address(1)])).toEqual([undefined]);
  });

  it('a batch whose write fails leaves nothing, and a batch writes only once', async () => {
    const e = entry(6);
    const b = store.batch().putHeaderEntry(e).putMainHash(6, e.hash).setTip(e.hash);
    await store.close();
    await expect(b.write()).rejects.toMatchObject({ code: 'LEVEL_DATABASE_NOT_OPEN' });
    store = await ChainStore.open(dir);
    expect(await store.getHeaderEntry(e.hash)).toBeUndefined();
    expect(await store.getMainHash(6)).toBeUndefined();
    expect(await store.getTip()).toBeUndefined();

    const ok = store.batch().setTip(e.hash);
    await ok.write();
    expect((await storageError(ok.write())).code).toBe('BATCH_WRITTEN');
    expect((await storageError(() => ok.setTip(e.hash))).code).toBe('BATCH_WRITTEN');
  });

  it('after kill -9 in the middle of a stream of batches, the tip always matches the state', async () => {
    await store.close();
    const child = startStoreProcess('churn', dir);
    try {
      await child.report;
      // Let it commit batches for a while, then kill it wherever it happens to be.
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await killHard(child);
    }
    store = await ChainStore.open(dir);
    const tip = await store.getTip();
    const [account] = await store.getAccounts([CHURN_ADDRESS]);
    expect(tip).toBeDefined();
    const height = Number(account!.balance);
    expect(height).toBeGreaterThan(0);
    expect(account!.nonce).toBe(account!.balance);
    expect(tip).toEqual(churnHash(height));
    expect(await store.getMainHash(height)).toEqual(churnHash(height));
    expect(await store.getMainHash(height + 1)).toBeUndefined();
  });

  it('close is idempotent, also when called concurrently', async () => {
    await Promise.all([store.close(), store.close()]);
    await store.close();
    store = await ChainStore.open(dir);
  });

  it('stores keys exactly as layout.ts documents them', async () => {
    const e = entry(0);
    await store
      .batch()
      .putHeaderEntry(e)
      .putMainHash(258, e.hash)
      .putAccount(address(3), { balance: 1n, nonce: 2n })
      .write();
    await store.close();
    const raw = new Level<Uint8Array, Uint8Array>(join(dir, CHAIN_DB_DIR), {
      keyEncoding: 'view',
      valueEncoding: 'view',
    });
    const keys: string[] = [];
    for await (const k of raw.keys()) keys.push(Buffer.from(k).toString('hex'));
    await raw.close();
    const hex = (s: string) => Buffer.from(s).toString('hex');
    expect(keys.sort()).toEqual(
      [
        `${hex('!a!')}${'03'.repeat(20)}`,
        `${hex('!c!')}00000102`,
        hex('!h!') + toHex(e.hash),
        hex('!m!schema'),
      ].sort(),
    );
    store = await ChainStore.open(dir);
  });

  it('refuses a datadir written by a newer schema, and does not keep it locked', async () => {
    await store.close();
    const raw = new Level<Uint8Array, Uint8Array>(join(dir, CHAIN_DB_DIR), {
      keyEncoding: 'view',
      valueEncoding: 'view',
    });
    await raw.put(Buffer.from('!m!schema'), new Uint8Array([0, 0, 0, SCHEMA_VERSION + 1]));
    await raw.close();
    for (let attempt = 0; attempt < 2; attempt++) {
      const err = await storageError(ChainStore.open(dir));
      expect(err.code).toBe('SCHEMA_TOO_NEW');
      expect(err.message).toContain(dir);
    }
    store = await ChainStore.open(join(dir, 'elsewhere'));
  });
});

describe('address index', () => {
  const id = (i: number) => new Uint8Array(32).fill(i);
  const addr = (i: number) => new Uint8Array(20).fill(i);

  it('lists one address newest first, pages strictly before a cursor, and never mixes addresses', async () => {
    const batch = store.batch();
    for (const [height, position] of [
      [1, 0],
      [2, 0],
      [2, 3],
      [300, 1],
    ] as const) {
      batch.putAddressTx(addr(1), { height, position, id: id(height + position), blockHash: id(height) });
    }
    // Neighbours on both sides of address 1 in key order.
    batch.putAddressTx(addr(0), { height: 9, position: 0, id: id(90), blockHash: id(9) });
    batch.putAddressTx(addr(2), { height: 0, position: 0, id: id(91), blockHash: id(9) });
    await batch.write();
    const at = (refs: { height: number; position: number }[]) => refs.map((r) => `${r.height}.${r.position}`);
    expect(at(await store.getAddressTxs(addr(1), 10))).toEqual(['300.1', '2.3', '2.0', '1.0']);
    expect(at(await store.getAddressTxs(addr(1), 2))).toEqual(['300.1', '2.3']);
    expect(at(await store.getAddressTxs(addr(1), 2, { height: 2, position: 3 }))).toEqual(['2.0', '1.0']);
    expect(at(await store.getAddressTxs(addr(1), 2, { height: 1, position: 0 }))).toEqual([]);
    expect((await store.getAddressTxs(addr(1), 1))[0]).toEqual({
      height: 300,
      position: 1,
      id: id(301),
      blockHash: id(300),
    });
    await store.batch().delAddressTx(addr(1), 2, 3).write();
    expect(at(await store.getAddressTxs(addr(1), 10))).toEqual(['300.1', '2.0', '1.0']);
    expect(await store.getAddressTxs(addr(3), 10)).toEqual([]);
  });
});
