// Fixtures for the chain benchmarks: many funded keys, valid blocks full of fresh signed transfers, and a
// disk cache so the signing is paid once per machine, not once per run.
//
// Why not test/helpers' BlockBuilder and transfer()? BlockBuilder walks a block's whole ancestry on every
// next() (fine for tests, quadratic for 5,000 blocks), and transfer() signs with @noble/secp256k1, about
// 2 ms a signature here: the benchmarks need ~26,500. libsecp256k1 (tiny-secp256k1) signs the same
// digest with the same RFC 6979 nonce and low-S normalisation, so it produces the very same signature
// bytes, several times faster; `buildFixtures` checks that on a sample against the reference signTx before trusting
// it. The blocks themselves are what the node would receive from a peer: every consensus rule holds.
import { closeSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tiny from 'tiny-secp256k1';
import { Chain } from '../../../src/chain/chain.js';
import { addressHash } from '../../../src/consensus/address.js';
import { bytesEqual, toHex } from '../../../src/consensus/bytes.js';
import { decodeBlock, encodeBlock } from '../../../src/consensus/encoding.js';
import { blockHash, sha256 } from '../../../src/consensus/hash.js';
import { txRoot } from '../../../src/consensus/merkle.js';
import { requiredBits } from '../../../src/consensus/pow.js';
import { checkTxSignature, signingHash, signTx, TX_SIGNING_TAG } from '../../../src/consensus/signature.js';
import { medianTimePast } from '../../../src/consensus/time.js';
import {
  type Block,
  type BlockHeader,
  type ChainParams,
  HEADER_VERSION,
  TX_VERSION,
  type Tx,
  type UnsignedTx,
} from '../../../src/consensus/types.js';
import { SignatureCache } from '../../../src/crypto/signature-cache.js';
import { TxVerifier } from '../../../src/crypto/tx-verifier.js';
import type { VerifierPool } from '../../../src/crypto/verifier-pool.js';
import { ChainStore, type Durability } from '../../../src/storage/index.js';
import { FUNDING, solve, testParams } from '../../../test/helpers/chain-fixtures.js';

/** Bump when the fixtures change shape; the signing tag and genesis hash are part of the key as well. */
const CACHE_VERSION = 'chain-bench-v1';

/** Funded senders: one tx each per 1,000-tx block, so every sender's nonce equals the block's index. */
export const BENCH_KEYS = 1_000;
export const IMPORT_BLOCKS = 10;
export const IMPORT_TXS = 1_000;
export const REORG_DEPTH = 100;
export const REORG_TXS = 20;
export const MEMORY_BLOCKS = 5_000;
/** Memory blocks carry height mod (MEMORY_MAX_TXS + 1) txs: 0 to 5, 2.5 on average. */
export const MEMORY_MAX_TXS = 5;
/** The memory child samples RSS every this many blocks, and compares the end with this height. */
export const MEMORY_SAMPLE_EVERY = 100;
export const MEMORY_EARLY = 1_000;

/** What the memory child prints: RSS samples, and the RSS after a forced GC at MEMORY_EARLY and the end. */
export interface MemoryReport {
  readonly samples: readonly (readonly [number, number])[];
  readonly early: number;
  readonly late: number;
  /** The kernel's high-water mark for the child's RSS, which no sampling interval can miss. */
  readonly maxRssBytes: number;
  readonly seconds: number;
}

export interface BenchKey {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly address: Uint8Array;
}

function benchKey(i: number): BenchKey {
  const privateKey = sha256(new TextEncoder().encode(`cairn-bench-key-${i}`));
  const publicKey = tiny.pointFromScalar(privateKey, true);
  if (publicKey === null) throw new Error(`bench key ${i} is not a valid scalar`);
  return { privateKey, publicKey, address: addressHash(publicKey) };
}

/** A fresh, never-funded address for recipient `n` (the state grows as a real chain's does). */
function recipient(tag: string, n: number): Uint8Array {
  return sha256(new TextEncoder().encode(`cairn-bench-to-${tag}-${n}`)).subarray(0, 20);
}

export interface BenchWorld {
  readonly params: ChainParams;
  readonly keys: readonly BenchKey[];
}

/** Test params (trivial work, no retargeting) with BENCH_KEYS funded keys in the genesis allocations. */
export function benchWorld(): BenchWorld {
  const keys = Array.from({ length: BENCH_KEYS }, (_, i) => benchKey(i));
  const params = testParams({ allocations: keys.map((k) => ({ address: k.address, amount: FUNDING })) });
  return { params, keys };
}

/** signTx with libsecp256k1: same digest, same RFC 6979 nonce, same low-S, same bytes. */
export function fastSign(tx: UnsignedTx, key: BenchKey, genesisHash: Uint8Array): Tx {
  return { ...tx, signature: tiny.sign(signingHash(tx, genesisHash), key.privateKey) };
}

/**
 * Extends one branch with valid blocks. It keeps only what the next header needs (the parent, the
 * last 11 times, the ASERT anchor), so building 5,000 blocks is linear (test/helpers' BlockBuilder walks
 * the whole ancestry per block).
 */
export class BranchBuilder {
  private parent: BlockHeader;
  private readonly times: number[];
  private anchor: BlockHeader | undefined;

  constructor(
    private readonly params: ChainParams,
    private readonly miner: Uint8Array,
  ) {
    this.parent = params.genesis.header;
    this.times = [this.parent.time];
  }

  next(txs: readonly Tx[]): Block {
    const parent = this.parent;
    const time = Math.max(parent.time + this.params.targetSpacing, medianTimePast(this.times) + 1);
    const header = solve({
      version: HEADER_VERSION,
      height: parent.height + 1,
      prevHash: blockHash(parent),
      txRoot: txRoot(txs),
      miner: this.miner,
      time,
      bits: requiredBits(this.params, parent, this.anchor),
      nonce: 0n,
    });
    if (header.height === 1) this.anchor = header;
    this.parent = header;
    this.times.push(time);
    if (this.times.length > 11) this.times.shift();
    return { header, txs };
  }
}

/** The blocks of every benchmark, built on one world's genesis. */
export interface ChainFixtures {
  /** IMPORT_BLOCKS blocks of IMPORT_TXS transfers, each by a different sender. */
  readonly importBlocks: readonly Block[];
  /** REORG_DEPTH blocks of REORG_TXS transfers from genesis. */
  readonly branchA: readonly Block[];
  /** REORG_DEPTH + 1 blocks from genesis with DIFFERENT txs (other recipients): other signatures. */
  readonly branchB: readonly Block[];
  /** The file holding MEMORY_BLOCKS small blocks, read block by block by the memory child. */
  readonly memoryFile: string;
}

function importBlocks(world: BenchWorld): Block[] {
  const { params, keys } = world;
  const builder = new BranchBuilder(params, recipient('miner-import', 0));
  const blocks: Block[] = [];
  for (let b = 0; b < IMPORT_BLOCKS; b++) {
    const txs = Array.from({ length: IMPORT_TXS }, (_, i) =>
      fastSign(
        {
          version: TX_VERSION,
          nonce: BigInt(b),
          fee: 1_000n,
          amount: 10_000n,
          to: recipient('import', b * IMPORT_TXS + i),
          from: keys[i % keys.length]!.publicKey,
        },
        keys[i % keys.length]!,
        params.genesisHash,
      ),
    );
    blocks.push(builder.next(txs));
  }
  return blocks;
}

function branch(world: BenchWorld, tag: 'a' | 'b', length: number): Block[] {
  const { params, keys } = world;
  const builder = new BranchBuilder(params, recipient(`miner-${tag}`, 0));
  const blocks: Block[] = [];
  for (let b = 0; b < length; b++) {
    const txs = Array.from({ length: REORG_TXS }, (_, i) =>
      fastSign(
        {
          version: TX_VERSION,
          nonce: BigInt(b),
          fee: 1_000n,
          amount: 5_000n,
          to: recipient(`reorg-${tag}`, b * REORG_TXS + i),
          from: keys[i]!.publicKey,
        },
        keys[i]!,
        params.genesisHash,
      ),
    );
    blocks.push(builder.next(txs));
  }
  return blocks;
}

function memoryBlocks(world: BenchWorld): Block[] {
  const { params, keys } = world;
  const builder = new BranchBuilder(params, recipient('miner-memory', 0));
  const nonces = new Array<bigint>(keys.length).fill(0n);
  let sent = 0;
  const blocks: Block[] = [];
  for (let h = 1; h <= MEMORY_BLOCKS; h++) {
    const txs: Tx[] = [];
    for (let i = 0; i < h % (MEMORY_MAX_TXS + 1); i++, sent++) {
      const k = sent % keys.length;
      const key = keys[k]!;
      txs.push(
        fastSign(
          {
            version: TX_VERSION,
            nonce: nonces[k]!++,
            fee: 1_000n,
            amount: 1_000n,
            to: recipient('memory', sent),
            from: key.publicKey,
          },
          key,
          params.genesisHash,
        ),
      );
    }
    blocks.push(builder.next(txs));
  }
  return blocks;
}

// --- The cache: one file per set, each block as u32 length ‖ encodeBlock bytes ---------------------

function cacheDir(world: BenchWorld): string {
  const key = toHex(sha256(new TextEncoder().encode(`${CACHE_VERSION}/${TX_SIGNING_TAG}`))).slice(0, 12);
  return join(tmpdir(), `cairn-bench-chain-${key}-${toHex(world.params.genesisHash).slice(0, 12)}`);
}

export function writeBlocks(file: string, blocks: readonly Block[]): void {
  const parts: Uint8Array[] = [];
  for (const b of blocks) {
    const bytes = encodeBlock(b);
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, bytes.length);
    parts.push(len, bytes);
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat(parts));
  renameSync(tmp, file); // atomic: a half-written cache is never read
}

export function readBlocks(file: string): Block[] {
  const buf = new Uint8Array(readFileSync(file));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Block[] = [];
  for (let off = 0; off < buf.length; ) {
    const len = view.getUint32(off);
    out.push(decodeBlock(buf.subarray(off + 4, off + 4 + len)));
    off += 4 + len;
  }
  return out;
}

/** Reads a block file one block at a time (the memory child must not hold them all). */
export function* streamBlocks(file: string): Generator<Block, void, undefined> {
  const fd = openSync(file, 'r');
  try {
    const len = Buffer.alloc(4);
    for (let pos = 0; ; ) {
      if (readSync(fd, len, 0, 4, pos) < 4) return;
      const size = len.readUInt32BE(0);
      const bytes = Buffer.alloc(size);
      if (readSync(fd, bytes, 0, size, pos + 4) < size) throw new Error(`${file} is truncated`);
      yield decodeBlock(new Uint8Array(bytes.buffer, bytes.byteOffset, size));
      pos += 4 + size;
    }
  } finally {
    closeSync(fd);
  }
}

/** A cached set is used only if it still fits this code: right parent, right merkle root, valid signature. */
function usable(blocks: readonly Block[], world: BenchWorld, count: number): boolean {
  const first = blocks[0];
  if (blocks.length !== count || !first) return false;
  if (!bytesEqual(first.header.prevHash, world.params.genesisHash)) return false;
  if (!bytesEqual(first.header.txRoot, txRoot(first.txs))) return false;
  const tx = blocks.find((b) => b.txs.length > 0)?.txs[0];
  if (tx) {
    try {
      checkTxSignature(tx, world.params.genesisHash);
    } catch {
      return false;
    }
  }
  return true;
}

function cached(file: string, world: BenchWorld, count: number, build: () => Block[]): Block[] {
  try {
    const blocks = readBlocks(file);
    if (usable(blocks, world, count)) return blocks;
  } catch {
    // missing or unreadable: build it
  }
  const blocks = build();
  writeBlocks(file, blocks);
  return blocks;
}

/**
 * Every benchmark's blocks, from the cache under os.tmpdir() when it is there and still valid, else
 * built (about 5 s of signing) and cached. Returns whether it had to build, for the log.
 */
export function buildFixtures(world: BenchWorld): ChainFixtures & { built: boolean } {
  // The fast signer must agree with the reference byte for byte, or these are not the node's txs.
  const probe: UnsignedTx = {
    version: TX_VERSION,
    nonce: 7n,
    fee: 1_000n,
    amount: 1n,
    to: recipient('probe', 0),
    from: world.keys[0]!.publicKey,
  };
  const fast = fastSign(probe, world.keys[0]!, world.params.genesisHash);
  const reference = signTx(probe, world.keys[0]!.privateKey, world.params.genesisHash);
  if (!bytesEqual(fast.signature, reference.signature)) {
    throw new Error('libsecp256k1 and noble sign the same tx differently: the bench fixtures would be wrong');
  }

  const dir = cacheDir(world);
  mkdirSync(dir, { recursive: true });
  let built = false;
  const build = (make: () => Block[]) => () => {
    built = true;
    return make();
  };
  const importSet = cached(
    join(dir, 'import.blocks'),
    world,
    IMPORT_BLOCKS,
    build(() => importBlocks(world)),
  );
  const a = cached(
    join(dir, 'reorg-a.blocks'),
    world,
    REORG_DEPTH,
    build(() => branch(world, 'a', REORG_DEPTH)),
  );
  const b = cached(
    join(dir, 'reorg-b.blocks'),
    world,
    REORG_DEPTH + 1,
    build(() => branch(world, 'b', REORG_DEPTH + 1)),
  );
  const memoryFile = join(dir, 'memory.blocks');
  // The memory set is checked here, then only streamed by the child.
  cached(
    memoryFile,
    world,
    MEMORY_BLOCKS,
    build(() => memoryBlocks(world)),
  );
  return { importBlocks: importSet, branchA: a, branchB: b, memoryFile, built };
}

// --- A node's chain, wired as src/node/services.ts wires it ----------------------------------------

export interface OpenChain {
  readonly chain: Chain;
  readonly store: ChainStore;
  /** Waits for the chain, closes the store and removes the datadir (the shared pool stays open). */
  close(): Promise<void>;
}

/**
 * A fresh LevelDB datadir with a chain that verifies through the real TxVerifier on `pool`, with its own
 * new SignatureCache: no signature in it has been seen before.
 */
export async function openFreshChain(
  params: ChainParams,
  pool: VerifierPool,
  durability: Durability = 'none',
): Promise<OpenChain> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-datadir-'));
  const store = await ChainStore.open(dir, { durability });
  const verifier = new TxVerifier({ genesisHash: params.genesisHash, pool, cache: new SignatureCache() });
  const chain = await Chain.open({ params, store, verifier });
  return {
    chain,
    store,
    async close() {
      await chain.idle();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
