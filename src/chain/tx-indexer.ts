// The tx index (tx id → block, position), an INDEXER fed by the chain's events rather than a part of
// connecting a block (Core: the optional -txindex, a BaseIndex that follows the validation signals;
// btcd: blockchain/indexers/txindex.go behind the index manager).
//
// Each connected block's tx locations are written in a batch of their own right after the block's
// state batch, without holding up the next block: the index is derived data, not consensus state. Its
// `txIndexTip` meta record says how far it reached, so a crash between the two batches is repaired at
// the next start by catching up on the main-chain blocks it missed (as Core's BaseIndex::Init syncs an
// index that lags the chain). Entries of disconnected blocks are left in place: `find` only believes an
// entry whose block is on the main chain, and a tx mined again overwrites its entry.
import { txId } from '../consensus/hash.js';
import type { Block, Hash } from '../consensus/types.js';
import type { ChainStore } from '../storage/index.js';
import { forkPoint, type IndexEntry } from './block-index.js';

/** Meta record: the last block whose txs are in the tx index. */
export const TX_INDEX_TIP = 'txIndexTip';

/** What the indexer needs of a connected block (a ConnectedBlock has it). */
export interface IndexedBlock {
  readonly entry: { readonly hash: Hash };
  readonly ids: readonly Hash[];
}

/** The chain as the indexer reads it to catch up and to answer. */
export interface TxIndexChain {
  readonly tip: IndexEntry;
  readonly height: number;
  atHeight(height: number): IndexEntry | undefined;
  isOnMainChain(entry: IndexEntry): boolean;
  getBlock(hash: Hash): Promise<Block | undefined>;
  readonly index: { get(hash: Hash): IndexEntry | undefined };
}

export class TxIndexer {
  /** Index writes in flight, one after another, in connect order. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly store: ChainStore) {}

  /** The 'block:connected' listener: queues the block's tx locations and the new index tip. */
  onConnected(b: IndexedBlock): void {
    this.writing = this.writing.then(async () => {
      const batch = this.store.batch();
      for (const [i, id] of b.ids.entries()) batch.putTxLocation(id, b.entry.hash, i);
      batch.setMeta(TX_INDEX_TIP, b.entry.hash);
      await batch.write();
    });
  }

  /**
   * Indexes the main-chain blocks after the fork point of the index tip and the chain tip: after a
   * crash between the two batches, or from genesis for a store whose index tip is gone (`cairn reindex`).
   * Returns how many blocks it indexed.
   */
  async catchUp(chain: TxIndexChain): Promise<number> {
    const indexed = await this.store.getMeta(TX_INDEX_TIP);
    const from = indexed && chain.index.get(indexed);
    const fork = from ? forkPoint(from, chain.tip) : chain.atHeight(0)!;
    let count = 0;
    for (let h = fork.header.height + 1; h <= chain.height; h++) {
      const entry = chain.atHeight(h)!;
      const block = await chain.getBlock(entry.hash);
      if (!block) continue;
      this.onConnected({ entry, ids: block.txs.map(txId) });
      count++;
    }
    await this.idle();
    return count;
  }

  /** Where a confirmed tx is: its block (on the main chain) and index. */
  async find(chain: TxIndexChain, id: Hash): Promise<{ entry: IndexEntry; index: number } | undefined> {
    await this.writing;
    const loc = await this.store.getTxLocation(id);
    const entry = loc && chain.index.get(loc.blockHash);
    return entry && chain.isOnMainChain(entry) ? { entry, index: loc.index } : undefined;
  }

  /** Resolves once every queued write is on disk. */
  idle(): Promise<void> {
    return this.writing;
  }
}
