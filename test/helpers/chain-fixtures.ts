// Builders for tests that need real chains: deterministic keys, small chain params, and mined blocks
// that pass every consensus rule (or break exactly one, when a test asks for it).
import { addressHash } from '../../src/consensus/address.js';
import { bytesToBigInt, toHex } from '../../src/consensus/bytes.js';
import { blockHash, sha256 } from '../../src/consensus/hash.js';
import { txRoot } from '../../src/consensus/merkle.js';
import { type GenesisFields, makeChainParams } from '../../src/consensus/params.js';
import { compactToTarget, requiredBits } from '../../src/consensus/pow.js';
import { checkTxSignature, publicKeyOf, signTx } from '../../src/consensus/signature.js';
import { medianTimePast } from '../../src/consensus/time.js';
import type { Block, BlockHeader, ChainParams, Tx } from '../../src/consensus/types.js';
import { COIN } from '../../src/consensus/types.js';

export interface TestKey {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly address: Uint8Array;
}

/** Deterministic keys: private key i = SHA-256("cairn-test-key-" + i). */
export function testKey(i: number): TestKey {
  const privateKey = sha256(new TextEncoder().encode(`cairn-test-key-${i}`));
  const publicKey = publicKeyOf(privateKey);
  return { privateKey, publicKey, address: addressHash(publicKey) };
}

export const FUNDED_KEYS = 4;
export const FUNDING = 1_000n * COIN;

/**
 * Regtest-like params (trivial work, no retargeting) funding testKey(0..3) with 1,000 coins each.
 * Pass `{ noRetargeting: false, asertHalfLife: 10 }` for a chain whose blocks differ in work.
 */
export function testParams(overrides: Partial<GenesisFields> = {}): ChainParams {
  return makeChainParams({
    network: 'test',
    addressPrefix: 'cairn',
    genesisTime: 1_700_000_000,
    targetSpacing: 10,
    asertHalfLife: 600,
    powLimitBits: 0x207fffff,
    noRetargeting: true,
    initialSubsidy: 50n * COIN,
    halvingInterval: 150,
    maxBlockBytes: 1_000_000,
    maxFutureBlockTime: 7200,
    allocations: Array.from({ length: FUNDED_KEYS }, (_, i) => ({
      address: testKey(i).address,
      amount: FUNDING,
    })),
    ...overrides,
  });
}

/** The reference verifier (noble, one tx at a time) in the shape the chain takes: for tests. */
export function referenceVerifier(params: ChainParams): { verifyTxs(txs: readonly Tx[]): Promise<void> } {
  return {
    verifyTxs: async (txs) => {
      for (const tx of txs) checkTxSignature(tx, params.genesisHash);
    },
  };
}

export function transfer(
  params: ChainParams,
  from: TestKey,
  to: Uint8Array,
  amount: bigint,
  nonce: bigint,
  fee = 1_000n,
): Tx {
  return signTx(
    { version: 1, nonce, fee, amount, to, from: from.publicKey },
    from.privateKey,
    params.genesisHash,
  );
}

/** Finds a nonce that meets the header's own target (fine for the easy targets tests use). */
export function solve(header: BlockHeader): BlockHeader {
  const target = compactToTarget(header.bits);
  for (let nonce = 0n; ; nonce++) {
    const h = { ...header, nonce };
    if (bytesToBigInt(blockHash(h)) <= target) return h;
  }
}

/**
 * A chain of headers built in memory, for making blocks on any branch: `builder.next()` extends the
 * given parent (default: the last block built) with correct height, bits, time and proof of work.
 */
export class BlockBuilder {
  private readonly byHash = new Map<string, BlockHeader>();
  last: Block;

  constructor(readonly params: ChainParams) {
    this.last = params.genesis;
    this.remember(params.genesis.header);
  }

  private remember(h: BlockHeader): void {
    this.byHash.set(toHex(blockHash(h)), h);
  }

  private parentOf(h: BlockHeader): BlockHeader | undefined {
    return this.byHash.get(toHex(h.prevHash));
  }

  /** Ancestors of `h` including itself, newest first. */
  private ancestry(h: BlockHeader): BlockHeader[] {
    const out = [h];
    for (let p = this.parentOf(h); p; p = this.parentOf(p)) out.push(p);
    return out;
  }

  next(
    opts: {
      parent?: Block;
      txs?: readonly Tx[];
      miner?: Uint8Array;
      /** Seconds after the parent's time (default: the target spacing). */
      gap?: number;
      time?: number;
      /** Overrides applied after the correct fields are computed, to break one rule. */
      tamper?: Partial<BlockHeader>;
      mine?: boolean;
    } = {},
  ): Block {
    const parent = opts.parent?.header ?? this.last.header;
    const chain = this.ancestry(parent);
    const anchor = chain.find((h) => h.height === 1);
    const times = chain
      .slice(0, 11)
      .map((h) => h.time)
      .reverse();
    const txs = opts.txs ?? [];
    const time =
      opts.time ?? Math.max(parent.time + (opts.gap ?? this.params.targetSpacing), medianTimePast(times) + 1);
    let header: BlockHeader = {
      version: 1,
      height: parent.height + 1,
      prevHash: blockHash(parent),
      txRoot: txRoot(txs),
      miner: opts.miner ?? testKey(99).address,
      time,
      bits: requiredBits(this.params, parent, anchor),
      nonce: 0n,
      ...opts.tamper,
    };
    if (opts.mine !== false) header = solve(header);
    const block = { header, txs };
    this.remember(header);
    this.last = block;
    return block;
  }

  /** `n` empty blocks on top of `parent` (default: the last block); returns them in order. */
  extend(n: number, opts: { parent?: Block; gap?: number; miner?: Uint8Array } = {}): Block[] {
    const out: Block[] = [];
    let parent = opts.parent ?? this.last;
    for (let i = 0; i < n; i++) {
      parent = this.next({ parent, gap: opts.gap, miner: opts.miner });
      out.push(parent);
    }
    return out;
  }
}
