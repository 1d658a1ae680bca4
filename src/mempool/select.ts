// Choosing the txs of a block template from the pool (Core: BlockAssembler::addPackageTxs, node/miner.cpp).
import { EMPTY_ACCOUNT } from '../consensus/state.js';
import { type Account, BLOCK_OVERHEAD_BYTES, TX_BYTES } from '../consensus/types.js';
import { type Entry, eligible, minesBefore, type Sender } from './entries.js';
import { Heap } from './heap.js';

/** Reads an account for a block template; undefined means the account does not exist (empty). */
export type AccountReader = (address: Uint8Array) => Account | undefined;

/**
 * The txs for a block template of at most `maxBytes` (header and tx count included): the highest fees
 * first, each sender's txs in nonce order, only those contiguous from the account nonce.
 *
 * Each sender is a queue sorted by nonce; a heap holds each queue's NEXT tx by fee, and the template
 * repeatedly takes the best head and exposes that sender's following tx (a greedy merge, Ethereum's
 * "price and nonce" ordering, TransactionsByPriceAndNonce). It is greedy: a sender whose cheap nonce N
 * blocks a rich nonce N + 1 waits; Core instead scores packages of ancestors (CPFP), which an account
 * chain could do too, at the cost of a harder lesson.
 *
 * `accounts` gives the state the block builds on; without it each sender's account as the pool last read
 * it. Every tx is 142 bytes, so the byte limit is a count limit.
 */
export function selectForBlock(
  senders: Iterable<Sender>,
  maxBytes: number,
  accounts?: AccountReader,
): Entry[] {
  const room = Math.floor((maxBytes - BLOCK_OVERHEAD_BYTES) / TX_BYTES);
  if (room <= 0) return [];
  interface Cursor {
    readonly queue: readonly Entry[];
    readonly at: number;
  }
  const heads = new Heap<Cursor>((a, b) => minesBefore(a.queue[a.at]!, b.queue[b.at]!));
  for (const sender of senders) {
    const account = accounts ? (accounts(sender.address) ?? EMPTY_ACCOUNT) : sender.account;
    const queue = eligible(sender, account);
    if (queue.length > 0) heads.push({ queue, at: 0 });
  }
  const out: Entry[] = [];
  for (let c = heads.pop(); c && out.length < room; c = heads.pop()) {
    out.push(c.queue[c.at]!);
    if (c.at + 1 < c.queue.length) heads.push({ queue: c.queue, at: c.at + 1 });
  }
  return out;
}
