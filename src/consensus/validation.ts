// Validation, split by the context each check needs (the btcd/Core structure):
//
//   checkTxSanity        the tx alone                         Core: CheckTransaction
//   checkTxSignature     the tx + the genesis hash            (signature.ts; costly, run in parallel)
//   checkTxAgainstAccount the tx + its sender's account        Core: Consensus::CheckTxInputs
//   checkHeaderSanity    the header alone                     Core: CheckBlockHeader
//   checkBlockSanity     the block alone                      Core: CheckBlock
//   checkHeaderContext   the header + its ancestors + clock   Core: ContextualCheckBlockHeader
//   applyBlock           the block + the state                Core: ConnectBlock   (state.ts)
//
// Each stage runs only after the cheaper, context-free ones passed, so a peer cannot make a node do
// expensive work (state lookups, signature checks) for a block whose proof of work is missing.
import { byteKey, bytesEqual } from './bytes.js';
import { blockSize } from './encoding.js';
import { ensure, RULE_CODES, type RuleCode, RuleError, ruleKind } from './errors.js';
import { blockHash, txId, txIdsOfEncoded } from './hash.js';
import { merkleRoot } from './merkle.js';
import { checkProofOfWork, requiredBits } from './pow.js';
import { checkBlockTime, medianTimePast } from './time.js';
import {
  type Account,
  type Block,
  type BlockHeader,
  type ChainParams,
  type Hash,
  HEADER_VERSION,
  MAX_U64,
  TX_VERSION,
  type Tx,
} from './types.js';

/** Context-free tx rules: what any node can check with nothing but the 142 bytes. */
export function checkTxSanity(tx: Tx): void {
  ensure(
    tx.version === TX_VERSION,
    'BAD_VERSION',
    `tx version ${tx.version} is unknown (expected ${TX_VERSION})`,
  );
  ensure(tx.amount >= 1n, 'BAD_AMOUNT', 'a transfer must move at least 1 base unit');
  // Core checks that the sum of outputs stays within MAX_MONEY; here amount + fee is what leaves the sender.
  ensure(tx.amount + tx.fee <= MAX_U64, 'AMOUNT_OVERFLOW', 'amount + fee overflows a u64');
}

/**
 * The tx against its sender's current account. The nonce must be exactly the account's next nonce, so a
 * tx applies once and in order (Ethereum's rule; Bitcoin gets the same from spending outputs once).
 */
export function checkTxAgainstAccount(tx: Tx, sender: Account): void {
  ensure(
    tx.nonce === sender.nonce,
    'BAD_NONCE',
    () => `nonce ${tx.nonce} does not match the sender's account nonce ${sender.nonce}`,
  );
  ensure(
    sender.balance >= tx.amount + tx.fee,
    'INSUFFICIENT_FUNDS',
    () => `sender has ${sender.balance} but amount + fee is ${tx.amount + tx.fee}`,
  );
}

/** Header rules that need nothing else: the version and the proof of work. Returns the block hash. */
export function checkHeaderSanity(header: BlockHeader, params: ChainParams): Hash {
  ensure(
    header.version === HEADER_VERSION,
    'BAD_VERSION',
    `block version ${header.version} is unknown (expected ${HEADER_VERSION})`,
  );
  const hash = blockHash(header);
  checkProofOfWork(hash, header.bits, params.powLimit);
  return hash;
}

/**
 * The codes that mean "this body does not match its header" rather than "this header is bad": every rule
 * code of kind 'mutated' (derived from RULE_CODES, so a new mutation rule joins by its kind alone). A
 * header commits to its txs only through the merkle root, so a peer can pair an honest header with a
 * mutated body; such a failure must not mark the HEADER invalid, or the honest body could never be
 * accepted. (Core: BlockValidationResult::BLOCK_MUTATED.)
 */
export const MALFORMED_BODY_CODES: ReadonlySet<RuleCode> = new Set<RuleCode>(
  (Object.keys(RULE_CODES) as RuleCode[]).filter((code) => ruleKind(code) === 'mutated'),
);

export function isMalformedBody(e: unknown): boolean {
  return e instanceof RuleError && MALFORMED_BODY_CODES.has(e.code);
}

export interface SanityResult {
  readonly hash: Hash;
  /** The tx ids, computed once here and reused by the chain (tx index, signature cache). */
  readonly ids: readonly Hash[];
}

/**
 * Everything about a block that needs no other block and no state: header sanity, size, the merkle
 * commitment (first, so any later failure is the header's fault), no duplicate txs, tx sanity.
 */
export function checkBlockSanity(block: Block, params: ChainParams, encoded?: Uint8Array): SanityResult {
  const hash = checkHeaderSanity(block.header, params);
  ensure(
    blockSize(block.txs.length) <= params.maxBlockBytes,
    'BLOCK_TOO_LARGE',
    () => `block is ${blockSize(block.txs.length)} bytes, more than the limit of ${params.maxBlockBytes}`,
  );
  // `encoded`, when the caller has it, is encodeBlock(block): its tx slices hash to the same ids.
  const ids = encoded === undefined ? block.txs.map(txId) : txIdsOfEncoded(encoded, block.txs.length);
  ensure(
    bytesEqual(merkleRoot(ids), block.header.txRoot),
    'BAD_MERKLE_ROOT',
    'the txs do not hash to the header\u2019s txRoot',
  );
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    const key = byteKey(id);
    ensure(!seen.has(key), 'DUPLICATE_TX', () => `tx ${i} appears twice in the block`);
    seen.add(key);
  });
  block.txs.forEach((tx, i) => {
    try {
      checkTxSanity(tx);
    } catch (e) {
      if (e instanceof RuleError) throw new RuleError(e.code, `tx ${i}: ${e.message}`);
      throw e;
    }
  });
  return { hash, ids };
}

/** What checking a header against its chain needs, gathered by the caller (src/chain). */
export interface HeaderContext {
  readonly parent: BlockHeader;
  /** The block at height 1 of the parent's chain (the ASERT anchor), or undefined if parent is genesis. */
  readonly anchor: BlockHeader | undefined;
  /** Times of the parent and its ancestors, oldest first, at least the last 11 (fewer near genesis). */
  readonly recentTimes: readonly number[];
  /** The node's clock, unix seconds. An argument, so that this stays pure and testable. */
  readonly now: number;
}

/** A header against its parent chain: height, difficulty and time. */
export function checkHeaderContext(header: BlockHeader, ctx: HeaderContext, params: ChainParams): void {
  ensure(
    header.height === ctx.parent.height + 1,
    'BAD_HEIGHT',
    () => `height ${header.height} does not follow the parent's height ${ctx.parent.height}`,
  );
  const bits = requiredBits(params, ctx.parent, ctx.anchor);
  ensure(
    header.bits === bits,
    'BAD_DIFFBITS',
    () => `bits 0x${header.bits.toString(16)} are not the 0x${bits.toString(16)} that ASERT requires here`,
  );
  checkBlockTime(header.time, medianTimePast(ctx.recentTimes), ctx.now, params);
}
