// The data of the chain: readonly plain values. Behaviour lives in free functions beside them
// (encodeTx/decodeTx, checkTxSanity, applyBlock, …), so every rule can be tested with a literal.

/** A 32-byte SHA-256 digest (block hash, tx id, merkle root). */
export type Hash = Uint8Array;

/** The fields a sender signs. `from` is the 33-byte compressed public key; `to` a 20-byte address hash. */
export interface UnsignedTx {
  readonly version: number; // u8, currently 1
  readonly nonce: bigint; // u64: the sender's account nonce this tx consumes
  readonly fee: bigint; // u64 base units, paid to the block's miner
  readonly amount: bigint; // u64 base units, >= 1
  readonly to: Uint8Array; // 20 bytes
  readonly from: Uint8Array; // 33 bytes
}

/** A signed transfer: 142 bytes on the wire. */
export interface Tx extends UnsignedTx {
  readonly signature: Uint8Array; // 64 bytes r‖s, low-S
}

/** The 112-byte block header. The nonce is last so a miner rehashes only the final 64-byte chunk. */
export interface BlockHeader {
  readonly version: number; // u32, currently 1
  readonly height: number; // u32
  readonly prevHash: Hash;
  readonly txRoot: Hash; // RFC 6962 merkle root of the tx ids
  readonly miner: Uint8Array; // 20-byte address hash credited with subsidy + fees
  readonly time: number; // u64 on the wire, unix seconds (decoders reject > 2^53 - 1)
  readonly bits: number; // u32 compact target
  readonly nonce: bigint; // u64
}

export interface Block {
  readonly header: BlockHeader;
  readonly txs: readonly Tx[];
}

/** An account's state. Absent accounts are {balance: 0, nonce: 0}. */
export interface Account {
  readonly balance: bigint;
  readonly nonce: bigint;
}

/** One genesis allocation: the 20-byte address hash and the amount in base units. */
export interface Allocation {
  readonly address: Uint8Array;
  readonly amount: bigint;
}

/**
 * The chain's parameters, parsed once from genesis.json and passed down (never a global).
 * The genesis block commits to every field, so different parameters give a different genesis hash.
 */
export interface ChainParams {
  readonly network: string;
  readonly addressPrefix: string; // bech32m HRP
  readonly genesisTime: number; // unix seconds
  readonly targetSpacing: number; // seconds between blocks the difficulty rule aims for
  readonly asertHalfLife: number; // seconds; difficulty halves/doubles per half-life off schedule
  readonly powLimitBits: number; // compact form of the easiest allowed target
  readonly powLimit: bigint; // the same target, expanded
  readonly noRetargeting: boolean; // regtest: bits stay at the limit (Core: fPowNoRetargeting)
  readonly initialSubsidy: bigint; // base units
  readonly halvingInterval: number; // blocks
  readonly maxBlockBytes: number;
  readonly maxFutureBlockTime: number; // seconds a header may be ahead of the local clock
  readonly allocations: readonly Allocation[];
  readonly genesis: Block;
  readonly genesisHash: Hash;
}

/** The fields genesis.json fixes: everything in ChainParams that is not derived from the others. */
export type GenesisFields = Omit<ChainParams, 'powLimit' | 'genesis' | 'genesisHash'>;

/** 1 coin = 100,000,000 base units. */
export const COIN = 100_000_000n;
export const MAX_U64 = (1n << 64n) - 1n;
export const MAX_U32 = 0xffff_ffff;

export const TX_VERSION = 1;
export const HEADER_VERSION = 1;
export const HASH_BYTES = 32;
export const ADDRESS_BYTES = 20;
export const PUBKEY_BYTES = 33;
export const SIGNATURE_BYTES = 64;
export const HEADER_BYTES = 112;
export const TX_BYTES = 1 + 8 + 8 + 8 + ADDRESS_BYTES + PUBKEY_BYTES + SIGNATURE_BYTES; // 142
export const UNSIGNED_TX_BYTES = TX_BYTES - SIGNATURE_BYTES; // 78
/** Header + u32 tx count. */
export const BLOCK_OVERHEAD_BYTES = HEADER_BYTES + 4;
