// The mempool's side of the chain (docs/PROTOCOL.md §13): how it reads senders' accounts (coalesced
// across the concurrent `add`s of one turn of the event loop, or all the distinct senders of one
// `addMany` at once), and how it follows blocks connected and disconnected.
// Split out of mempool.ts: the pool owns one AccountReads over its MempoolChain, and its
// onBlockConnected / onBlockDisconnected call the free functions here with the few pool operations they
// need (ChainFollowing).

import { type Origin, originNow } from '../chain/origin.js';
import { addressHash } from '../consensus/address.js';
import { isRuleError } from '../consensus/errors.js';
import { txId } from '../consensus/hash.js';
import { EMPTY_ACCOUNT, touchedAddresses } from '../consensus/state.js';
import type { Account, Block, Hash, Tx } from '../consensus/types.js';
import { checkTxSanity } from '../consensus/validation.js';
import { keyOf } from './entries.js';
import { isMempoolError } from './policy.js';

/** The chain state the pool reads: accounts at the current tip, many per call (one storage batch). */
export interface MempoolChain {
  getAccounts(addresses: readonly Uint8Array[]): Promise<(Account | undefined)[]>;
}

export class AccountReads {
  /** Account reads waiting for the end of this turn of the event loop (readAccount). */
  private pendingReads: {
    readonly address: Uint8Array;
    readonly resolve: (account: Account) => void;
    readonly reject: (e: unknown) => void;
  }[] = [];

  constructor(private readonly chain: MempoolChain) {}

  /**
   * One sender's account, read together with every other read asked for in the same turn of the event
   * loop: concurrent `add`s (a burst of POST /txs, a gossip flood) share one storage read instead of
   * paying a round trip to LevelDB's threads each (~50 µs of this thread's time per call, whatever its
   * size). The reads go at the end of the turn (setImmediate), so a lone tx waits for nothing else.
   */
  readAccount(address: Uint8Array): Promise<Account> {
    return new Promise((resolve, reject) => {
      if (this.pendingReads.length === 0) setImmediate(() => this.flushReads());
      this.pendingReads.push({ address, resolve, reject });
    });
  }

  private flushReads(): void {
    const reads = this.pendingReads;
    this.pendingReads = [];
    this.chain.getAccounts(reads.map((r) => r.address)).then(
      (accounts) => {
        reads.forEach((r, i) => {
          r.resolve(accounts[i] ?? EMPTY_ACCOUNT);
        });
      },
      (e: unknown) => {
        for (const r of reads) r.reject(e);
      },
    );
  }

  /** Each distinct sender's account in one read, by the sender's key (keyOf). */
  async readAccounts(
    jobs: readonly { readonly sender: Uint8Array; readonly senderKey: string }[],
  ): Promise<Map<string, Account>> {
    const distinct = new Map<string, Uint8Array>();
    for (const j of jobs) distinct.set(j.senderKey, j.sender);
    const addresses = [...distinct.values()];
    const read = addresses.length > 0 ? await this.chain.getAccounts(addresses) : [];
    const out = new Map<string, Account>();
    [...distinct.keys()].forEach((k, i) => {
      out.set(k, read[i] ?? EMPTY_ACCOUNT);
    });
    return out;
  }
}

/** What following the chain needs of the pool (the Mempool's own private operations, see mempool.ts). */
export interface ChainFollowing {
  readonly chain: MempoolChain;
  /** Bump the pool's epoch: an `add` that read an account before re-reads it before it commits. */
  bumpEpoch(): void;
  serialize<T>(job: () => Promise<T>): Promise<T>;
  /** Remove the tx with this id, if pending, as 'mined'. */
  removeMined(id: Hash): void;
  /** Whether this address has pending txs. */
  hasSender(address: Uint8Array): boolean;
  /** Set a pending sender's account (nothing if it has no pending txs), without re-checking its txs. */
  setAccount(address: Uint8Array, account: Account): void;
  /** Set a pending sender's account to a fresh read and drop what no longer fits it. */
  refresh(address: Uint8Array, account: Account | undefined): void;
  commit(tx: Tx, id: Hash, key: string, sender: Uint8Array, account: Account, origin: Origin): unknown;
}

/**
 * A block was connected: its txs leave as mined, and the accounts it touched are read again (in one
 * batch) so that txs it made invalid leave too: nonces now used, balances now too small.
 * Core: CTxMemPool::removeForBlock.
 */
export function onBlockConnected(pool: ChainFollowing, block: Block, ids?: readonly Hash[]): Promise<void> {
  pool.bumpEpoch();
  return pool.serialize(async () => {
    const txIds = ids ?? block.txs.map(txId);
    for (const id of txIds) pool.removeMined(id);
    const senders = touchedAddresses(block).filter((a) => pool.hasSender(a));
    if (senders.length === 0) return;
    const accounts = await pool.chain.getAccounts(senders);
    senders.forEach((address, i) => {
      pool.refresh(address, accounts[i]);
    });
  });
}

/**
 * A block was disconnected (a reorg): its txs come back to the pool, so that the new branch (or a later
 * block) can include them; any that no longer fit are dropped quietly. Their signatures were verified
 * when the block was connected, so they are not checked again. During a reorg the chain disconnects
 * first and connects after, and this queue keeps that order; txs the new branch includes leave again.
 * They come back with origin 'reorg' (their first arrival, if this node saw one, is not remembered).
 * Core: MaybeUpdateMempoolForReorg.
 */
export function onBlockDisconnected(
  pool: ChainFollowing,
  block: Block,
  ids?: readonly Hash[],
): Promise<void> {
  pool.bumpEpoch();
  return pool.serialize(async () => {
    const txIds = ids ?? block.txs.map(txId);
    const touched = touchedAddresses(block);
    const read = await pool.chain.getAccounts(touched);
    const accounts = new Map(touched.map((a, i) => [keyOf(a), read[i] ?? EMPTY_ACCOUNT]));
    for (const address of touched) pool.setAccount(address, accounts.get(keyOf(address))!);
    // Block order is each sender's nonce order, so every tx finds its predecessor already back.
    const origin = originNow('reorg');
    block.txs.forEach((tx, i) => {
      const sender = addressHash(tx.from);
      const id = txIds[i]!;
      try {
        checkTxSanity(tx);
        pool.commit(tx, id, keyOf(id), sender, accounts.get(keyOf(sender))!, origin);
      } catch (e) {
        if (!isMempoolError(e) && !isRuleError(e)) throw e;
      }
    });
    // Recipients and the miner lost what the block gave them: their own pending txs may not fit now.
    for (const address of touched) pool.refresh(address, accounts.get(keyOf(address)));
  });
}
