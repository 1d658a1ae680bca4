// Proof of work: how a header's 32-bit `bits` field names a 256-bit target, how much work a target is
// worth, and which target the next block must meet (ASERT). Everything here is integer arithmetic on
// bigint: consensus must give the same answer on every machine, so floating point never appears.
import { bytesToBigInt } from './bytes.js';
import { RuleError } from './errors.js';
import type { BlockHeader, ChainParams } from './types.js';

const TWO_256 = 1n << 256n;

// ---------------------------------------------------------------------------------------------------
// Compact targets ("nBits")
//
// A target is a 256-bit number, but a header stores it in 32 bits as a tiny floating-point number:
// the top byte is a size in bytes (a base-256 exponent) and the low 23 bits a mantissa, so
//   target = mantissa × 256^(size − 3).
// Bit 0x00800000 is a sign bit inherited from OpenSSL's bignum format. A negative target is
// meaningless, and so is one that does not fit in 256 bits; both are invalid. The exact edge cases
// matter because every node must agree on which headers are valid, so this reproduces Bitcoin Core's
// arith_uint256::SetCompact / GetCompact bit for bit.
// ---------------------------------------------------------------------------------------------------

const SIGN_BIT = 0x0080_0000;
const MANTISSA_MASK = 0x007f_ffff;

/** Compact bits as genesis.json and the error messages write them: "0x" and 8 lowercase hex digits. */
export function bitsHex(bits: number): string {
  return `0x${bits.toString(16).padStart(8, '0')}`;
}

/**
 * Expand compact `bits` into the target (Core: arith_uint256::SetCompact, rejecting what Core's
 * fNegative / fOverflow flag). A zero mantissa gives 0n, which callers treat as invalid.
 */
export function compactToTarget(bits: number): bigint {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffff_ffff) {
    throw new RuleError('BAD_TARGET', `bits ${bits} is not a 32-bit unsigned integer`);
  }
  const size = bits >>> 24;
  let word = bits & MANTISSA_MASK;
  let target: bigint;
  if (size <= 3) {
    // The mantissa is wider than the number: its low bytes fall off (so 0x01123456 is 0x12).
    word >>>= 8 * (3 - size);
    target = BigInt(word);
  } else {
    target = BigInt(word) << BigInt(8 * (size - 3));
  }
  // Core computes both flags from the mantissa left AFTER the shift above, so 0x01803456 (whose
  // surviving mantissa is 0) is zero, not negative.
  if (word !== 0 && (bits & SIGN_BIT) !== 0) {
    throw new RuleError(
      'BAD_TARGET',
      `bits ${bitsHex(bits)} encode a negative target (sign bit 0x00800000 set)`,
    );
  }
  const overflow = word !== 0 && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  if (overflow) {
    throw new RuleError('BAD_TARGET', `bits ${bitsHex(bits)} encode a target that does not fit in 256 bits`);
  }
  return target;
}

/**
 * Compress a target into its canonical compact form (Core: arith_uint256::GetCompact). The result
 * keeps the target's top three significant bytes, so it may round a target down.
 */
export function targetToCompact(target: bigint): number {
  if (target < 0n || target >= TWO_256) throw new RangeError('target must be in [0, 2^256)');
  let size = byteLength(target);
  let mantissa = size <= 3 ? Number(target) << (8 * (3 - size)) : Number(target >> BigInt(8 * (size - 3)));
  // The mantissa must not look negative: if its top bit is set, move one byte into the exponent
  // (so 0x80 becomes 0x02008000, never 0x01800000).
  if (mantissa & SIGN_BIT) {
    mantissa >>>= 8;
    size++;
  }
  return ((size << 24) | mantissa) >>> 0;
}

// ---------------------------------------------------------------------------------------------------
// Work
// ---------------------------------------------------------------------------------------------------

/**
 * The expected number of hashes needed to find a hash ≤ target: 2^256 / (target + 1)
 * (Core: GetBlockProof). Chain work, the sum of this along a chain, is what fork choice compares:
 * the chain with the most work wins, not the longest.
 */
export function workForTarget(target: bigint): bigint {
  if (target < 0n) throw new RangeError('target must not be negative');
  return TWO_256 / (target + 1n);
}

/** The work a header with these bits proves; 0n if the bits are not a valid target (as in Core). */
export function blockWork(bits: number): bigint {
  let target: bigint;
  try {
    target = compactToTarget(bits);
  } catch {
    return 0n;
  }
  return target === 0n ? 0n : workForTarget(target);
}

/**
 * A header's proof of work: its bits must name a valid target (> 0, ≤ the chain's limit) and its hash,
 * read as a 256-bit big-endian number, must not exceed it (Core: CheckProofOfWork).
 * Whether `bits` is the value the difficulty rule requires is a separate, contextual check.
 */
export function checkProofOfWork(hash: Uint8Array, bits: number, powLimit: bigint): void {
  if (hash.length !== 32) throw new Error(`a block hash is 32 bytes, got ${hash.length}`);
  const target = compactToTarget(bits);
  if (target === 0n) throw new RuleError('BAD_TARGET', `bits ${bitsHex(bits)} encode a zero target`);
  if (target > powLimit) {
    throw new RuleError(
      'BAD_TARGET',
      `bits ${bitsHex(bits)} encode a target easier than the proof-of-work limit`,
    );
  }
  if (bytesToBigInt(hash) > target) {
    throw new RuleError('HIGH_HASH', `block hash is above the target of bits ${bitsHex(bits)}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Difficulty: ASERT (aserti3-2d)
//
// Spec: "ASERT Difficulty Adjustment Algorithm (aserti3-2d)", Bitcoin Cash upgrade of 2020-11-15
// (bitcoincash.org spec/2020-11-15-asert.md; Core equivalent: BCHN's CalculateASERT in pow.cpp).
// The target depends only on how far the chain is ahead of or behind an ideal schedule that starts at
// a fixed anchor block: for every `halfLife` seconds the chain is behind schedule the target doubles
// (easier), for every `halfLife` ahead it halves. No window of recent blocks is averaged, so a run of
// lucky or unlucky blocks cannot build up oscillations, and the result is a pure function of
// (anchor, parent height, parent time).
//
// 2^x is approximated in 16.16 fixed point: x = shifts + frac/65536 and 2^(frac/65536) by a cubic
// polynomial whose error is below 0.013 %. The constants below are the spec's; changing any of them
// (or the rounding) forks the chain.
// ---------------------------------------------------------------------------------------------------

/**
 * The aserti3-2d core function with the spec's exact integer semantics. `timeDiff` is the parent's
 * time minus the anchor's parent's time; `heightDiff` the parent's height minus the anchor's height.
 */
export function asertTarget(
  anchorTarget: bigint | number,
  targetSpacing: bigint | number,
  timeDiff: bigint | number,
  heightDiff: bigint | number,
  powLimit: bigint | number,
  halfLife: bigint | number,
): bigint {
  const refTarget = BigInt(anchorTarget);
  const spacing = BigInt(targetSpacing);
  const dt = BigInt(timeDiff);
  const dh = BigInt(heightDiff);
  const limit = BigInt(powLimit);
  const tau = BigInt(halfLife);
  // The spec asserts these preconditions; violating them is a programming error, not a bad block.
  if (refTarget <= 0n || refTarget > limit) throw new RangeError('anchor target must be in (0, powLimit]');
  if (dh < 0n) throw new RangeError('heightDiff must not be negative');
  if (tau <= 0n) throw new RangeError('halfLife must be positive');

  // How many seconds the parent is behind (+) or ahead of (−) the ideal schedule, in units of the
  // half-life, as 16.16 fixed point. BigInt division truncates toward zero, exactly like the spec's
  // C++ int64 division (and unlike Math.floor). The parent is block heightDiff+1 after the anchor's
  // parent, hence the +1.
  const exponent = ((dt - spacing * (dh + 1n)) * 65536n) / tau;
  // Integer part with an arithmetic shift (floor, so −0.25 becomes −1 + 0.75), fraction in [0, 65536).
  const shifts = exponent >> 16n;
  const frac = exponent & 0xffffn;
  // 65536 · 2^(frac/65536), rounded; in [65536, 131072).
  const factor =
    65536n + ((195766423245049n * frac + 971821376n * frac ** 2n + 5127n * frac ** 3n + (1n << 47n)) >> 48n);

  // Multiply by 2^shifts / 65536 in one shift, as the spec does (shifts − 16; nested floor shifts equal
  // one floor shift, so this is also "shift by shifts, then >> 16").
  // The spec computes in 256-bit integers and, if the left shift would lose high bits, returns powLimit
  // ("if we had wider integers ... it would have just ended up as powLimit anyway"). Bigint IS the wider
  // integer, so computing exactly and clamping below gives the spec's result whenever its own
  // arithmetic is well defined (refTarget < 2^224 keeps refTarget · factor < 2^241; true of every real
  // chain) and the sane result beyond. Only absurd shifts are cut short, to avoid building huge numbers.
  let next = refTarget * factor;
  const netShift = shifts - 16n;
  if (netShift <= 0n) {
    next >>= netShift < -512n ? 512n : -netShift; // ≥ 512 bits right already gives 0
  } else {
    if (netShift > 256n) return limit; // next ≥ 1, so the result would be ≥ 2^257 > powLimit
    next <<= netShift;
  }
  if (next === 0n) return 1n; // the hardest possible target, never zero
  return next > limit ? limit : next;
}

/**
 * The bits a child of `parent` must carry (Core: GetNextWorkRequired).
 *
 * The spec anchors ASERT at a fixed block and measures time from that block's parent. Cairn anchors at
 * the block at HEIGHT 1, not at genesis: genesis.json's time is fixed forever, but a devnet starts
 * whenever someone runs it, maybe years later. Anchored at genesis, the chain would look years behind
 * schedule and difficulty would sit at the limit until the clock gap was mined away, which at
 * full-limit difficulty could take a very long time. Block 1 is the first block mined "now", so the
 * schedule starts when the chain really does. Blocks 1 and 2 therefore carry the limit bits.
 * Block 1 has a real parent (genesis), but its time is the stale one, so the anchor gets a VIRTUAL
 * parent exactly one spacing before it: the anchor itself then counts as on schedule.
 */
export function requiredBits(
  params: ChainParams,
  parent: BlockHeader,
  anchor: BlockHeader | undefined,
): number {
  // Regtest: difficulty never changes, so tests mine instantly (Core: fPowNoRetargeting).
  if (params.noRetargeting) return params.powLimitBits;
  // Block 1 is the anchor: there is no schedule yet to be ahead of or behind.
  if (parent.height === 0) return params.powLimitBits;
  if (anchor === undefined) {
    throw new Error(
      `requiredBits: the anchor (block 1) is needed for a child of height ${parent.height + 1}`,
    );
  }
  if (anchor.height !== 1) throw new Error(`requiredBits: the anchor must be block 1, got ${anchor.height}`);
  const anchorParentTime = anchor.time - params.targetSpacing;
  const target = asertTarget(
    compactToTarget(anchor.bits),
    params.targetSpacing,
    parent.time - anchorParentTime,
    parent.height - anchor.height,
    params.powLimit,
    params.asertHalfLife,
  );
  return targetToCompact(target);
}

function byteLength(n: bigint): number {
  return n === 0n ? 0 : Math.ceil(n.toString(16).length / 2);
}
