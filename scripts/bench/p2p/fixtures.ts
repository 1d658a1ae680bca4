// Fixtures for the P2P benchmarks: valid blocks and signed txs on the chain benchmarks' world (1,000
// genesis-funded keys, trivial proof of work), with the 2,000-block sync chain cached on disk so its
// signing is paid once per machine.
//
// Keys, params and the fresh-chain setup come from ../chain/fixtures.ts. The signing is the same as
// there: libsecp256k1 (tiny-secp256k1) produces the very bytes @noble/secp256k1's signTx does (same
// RFC 6979 nonce, same low-S), several times faster; `syncBlocks` checks a sample against signTx.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesEqual, toHex } from '../../../src/consensus/bytes.js';
import { blockSize } from '../../../src/consensus/encoding.js';
import { sha256 } from '../../../src/consensus/hash.js';
import { txRoot } from '../../../src/consensus/merkle.js';
import { checkTxSignature, signTx, TX_SIGNING_TAG } from '../../../src/consensus/signature.js';
import { type Block, TX_VERSION, type Tx } from '../../../src/consensus/types.js';
import {
  BENCH_KEYS,
  type BenchWorld,
  BranchBuilder,
  fastSign,
  readBlocks,
  writeBlocks,
} from '../chain/fixtures.js';

/** Bump when the sync fixture changes shape (the signing tag and genesis hash are in the key as well). */
const CACHE_VERSION = 'p2p-bench-v1';

/** The sync benchmark's chain: SYNC_BLOCKS blocks of SYNC_TXS transfers each. */
export const SYNC_BLOCKS = 2_000;
export const SYNC_TXS = 50;

/** A fresh, never-funded address for recipient `n` of set `tag`. */
export function recipient(tag: string, n: number): Uint8Array {
  return sha256(new TextEncoder().encode(`cairn-p2p-bench-to-${tag}-${n}`)).subarray(0, 20);
}

/**
 * A transfer from bench key `k` with nonce `nonce` to a fresh address. Each (key, nonce) pair may be
 * used once per chain.
 */
export function benchTransfer(world: BenchWorld, tag: string, k: number, nonce: number, n: number): Tx {
  const key = world.keys[k]!;
  return fastSign(
    {
      version: TX_VERSION,
      nonce: BigInt(nonce),
      fee: 1_000n,
      amount: 1_000n,
      to: recipient(tag, n),
      from: key.publicKey,
    },
    key,
    world.params.genesisHash,
  );
}

/**
 * The sync chain: block b carries SYNC_TXS transfers; tx i of the chain (counting from the first block)
 * is sent by key i mod BENCH_KEYS with nonce ⌊i / BENCH_KEYS⌋, so every sender's nonces follow in order.
 */
function buildSyncBlocks(world: BenchWorld): Block[] {
  const builder = new BranchBuilder(world.params, recipient('miner', 0));
  const blocks: Block[] = [];
  for (let b = 0, i = 0; b < SYNC_BLOCKS; b++) {
    const txs: Tx[] = [];
    for (let j = 0; j < SYNC_TXS; j++, i++) {
      txs.push(benchTransfer(world, 'sync', i % BENCH_KEYS, Math.floor(i / BENCH_KEYS), i));
    }
    blocks.push(builder.next(txs));
  }
  return blocks;
}

// --- The cache: one file, each block as u32 length ‖ encodeBlock bytes ----------------------------

/** The encoded blocks (what a peer would send) and their decoded form. */
export interface SyncFixture {
  readonly blocks: readonly Block[];
  readonly file: string;
  readonly bytes: number;
  readonly built: boolean;
}

function cacheFile(world: BenchWorld): string {
  const key = toHex(sha256(new TextEncoder().encode(`${CACHE_VERSION}/${TX_SIGNING_TAG}`))).slice(0, 12);
  const dir = join(tmpdir(), `cairn-bench-p2p-${key}-${toHex(world.params.genesisHash).slice(0, 12)}`);
  mkdirSync(dir, { recursive: true });
  return join(dir, `sync-${SYNC_BLOCKS}x${SYNC_TXS}.blocks`);
}

/** The cached blocks and their encoded size (the file minus each block's u32 length prefix). */
function readSyncBlocks(file: string): { blocks: Block[]; bytes: number } {
  const blocks = readBlocks(file);
  return { blocks, bytes: blocks.reduce((n, b) => n + blockSize(b.txs.length), 0) };
}

/** A cached chain is used only if it still fits this code: right parent, right merkle root, valid signature. */
function usable(blocks: readonly Block[], world: BenchWorld): boolean {
  const first = blocks[0];
  const last = blocks[blocks.length - 1];
  if (blocks.length !== SYNC_BLOCKS || !first || !last) return false;
  if (!bytesEqual(first.header.prevHash, world.params.genesisHash)) return false;
  if (first.txs.length !== SYNC_TXS || !bytesEqual(last.header.txRoot, txRoot(last.txs))) return false;
  try {
    checkTxSignature(last.txs[0]!, world.params.genesisHash);
  } catch {
    return false;
  }
  return true;
}

/**
 * The sync chain, from the cache under os.tmpdir() when it is there and still valid, else built
 * (SYNC_BLOCKS × SYNC_TXS signatures, about half a minute) and cached.
 */
export function syncBlocks(world: BenchWorld): SyncFixture {
  // The fast signer must agree with the reference byte for byte, or these are not the node's txs.
  const probe = benchTransfer(world, 'probe', 0, 7, 0);
  const reference = signTx(probe, world.keys[0]!.privateKey, world.params.genesisHash);
  if (!bytesEqual(probe.signature, reference.signature)) {
    throw new Error('libsecp256k1 and noble sign the same tx differently: the bench fixtures would be wrong');
  }
  const file = cacheFile(world);
  try {
    const { blocks, bytes } = readSyncBlocks(file);
    if (usable(blocks, world)) return { blocks, file, bytes, built: false };
  } catch {
    // missing or unreadable: build it
  }
  writeBlocks(file, buildSyncBlocks(world));
  const { blocks, bytes } = readSyncBlocks(file);
  return { blocks, file, bytes, built: true };
}
