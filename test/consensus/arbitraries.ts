// Reusable fast-check arbitraries for consensus values. Every value they produce is within the ranges the
// encoders accept (u8/u32/u64 fields, time ≤ 2^53 − 1, exact byte lengths), so encode never throws on
// them. They make no promise about validity beyond encoding: signatures are random bytes, public keys
// are not necessarily on the curve.
import fc from 'fast-check';
import type { Block, BlockHeader, Tx } from '../../src/consensus/types.js';
import {
  ADDRESS_BYTES,
  HASH_BYTES,
  MAX_U32,
  MAX_U64,
  PUBKEY_BYTES,
  SIGNATURE_BYTES,
} from '../../src/consensus/types.js';

/** Exactly `n` random bytes. */
export const arbBytes = (n: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: n, maxLength: n });

export const arbHash = (): fc.Arbitrary<Uint8Array> => arbBytes(HASH_BYTES);
export const arbAddressHash = (): fc.Arbitrary<Uint8Array> => arbBytes(ADDRESS_BYTES);

/** A 33-byte string shaped like a compressed key (0x02/0x03 prefix); not necessarily on the curve. */
export const arbPublicKeyBytes = (): fc.Arbitrary<Uint8Array> =>
  fc
    .tuple(fc.constantFrom(0x02, 0x03), arbBytes(PUBKEY_BYTES - 1))
    .map(([prefix, rest]) => Uint8Array.of(prefix, ...rest));

/** Any u64, biased (as fast-check does) towards the edges 0 and 2^64 − 1. */
export const arbU64 = (): fc.Arbitrary<bigint> => fc.bigInt({ min: 0n, max: MAX_U64 });
export const arbU32 = (): fc.Arbitrary<number> => fc.integer({ min: 0, max: MAX_U32 });
/** Header time: any u64 that is also a safe integer. */
export const arbTime = (): fc.Arbitrary<number> => fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

/** A tx with every field in its encodable range. */
export const arbTx = (): fc.Arbitrary<Tx> =>
  fc.record({
    version: fc.integer({ min: 0, max: 0xff }),
    nonce: arbU64(),
    fee: arbU64(),
    amount: arbU64(),
    to: arbAddressHash(),
    from: arbPublicKeyBytes(),
    signature: arbBytes(SIGNATURE_BYTES),
  });

export const arbHeader = (): fc.Arbitrary<BlockHeader> =>
  fc.record({
    version: arbU32(),
    height: arbU32(),
    prevHash: arbHash(),
    txRoot: arbHash(),
    miner: arbAddressHash(),
    time: arbTime(),
    bits: arbU32(),
    nonce: arbU64(),
  });

/** A block of 0..maxTxs txs (small by default: each tx is 142 bytes and a property runs ~100 times). */
export const arbBlock = (maxTxs = 8): fc.Arbitrary<Block> =>
  fc.record({ header: arbHeader(), txs: fc.array(arbTx(), { maxLength: maxTxs }) });
