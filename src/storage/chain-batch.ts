// ChainBatch: the one door through which src/chain writes chain state (docs/STORAGE.md). Everything one
// step of the chain changes is queued here, checked as it is added, and committed as one LevelDB write.
import type { Level } from 'level';
import { type Account, ADDRESS_BYTES, HASH_BYTES, type Hash } from '../consensus/types.js';
import {
  type AddressTxRef,
  encodeAccount,
  encodeAddressTxKey,
  encodeAddressTxValue,
  encodeHeaderEntry,
  encodeTxLocation,
  expectLength,
  type HeaderEntry,
} from './codec.js';
import { StorageError } from './errors.js';
import { heightKey, isReservedMetaName, META, metaKey, SUBLEVEL } from './layout.js';

export type Db = Level<Uint8Array, Uint8Array>;

function openSublevel(db: Db, name: string) {
  return db.sublevel<Uint8Array, Uint8Array>(name, { keyEncoding: 'view', valueEncoding: 'view' });
}
export type Sublevel = ReturnType<typeof openSublevel>;
export type Sublevels = { readonly [K in keyof typeof SUBLEVEL]: Sublevel };

/** Every sublevel of the chain database, by name (layout.ts). */
export function openSublevels(db: Db): Sublevels {
  const sub = {} as { -readonly [K in keyof typeof SUBLEVEL]: Sublevel };
  for (const name of Object.keys(SUBLEVEL) as (keyof typeof SUBLEVEL)[])
    sub[name] = openSublevel(db, SUBLEVEL[name]);
  return sub;
}

/**
 * One queued write, its key already carrying its sublevel's prefix (`!a!` ‖ address): what LevelDB stores.
 * `value` undefined means delete.
 */
interface Op {
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
}

/**
 * A set of writes that commit together. Ops are chainable and checked as they are added (a bad value throws
 * StorageError('BAD_ARGUMENT') at once, naming the op); nothing touches the database until write().
 * A batch that is dropped without write() leaves no trace, so a caller may abandon one halfway, e.g. when
 * a block fails to connect. Ops apply in the order added: a later op on the same key wins.
 */
export interface ChainBatch {
  /** Number of ops queued. */
  readonly length: number;
  putHeaderEntry(entry: HeaderEntry): this;
  /** Forget a header entry (a damaged one: `cairn reindex`). */
  delHeaderEntry(hash: Hash): this;
  putBlock(hash: Hash, bytes: Uint8Array): this;
  /** Forget a body (a damaged one, to be fetched again); its header entry must then say it has none. */
  delBlock(hash: Hash): this;
  putUndo(hash: Hash, bytes: Uint8Array): this;
  delUndo(hash: Hash): this;
  putMainHash(height: number, hash: Hash): this;
  delMainHash(height: number): this;
  putAccount(address: Uint8Array, account: Account): this;
  delAccount(address: Uint8Array): this;
  putTxLocation(id: Hash, blockHash: Hash, index: number): this;
  delTxLocation(id: Hash): this;
  /** An address index entry: the tx at (height, position), in block `blockHash`, sends from or pays `address`. */
  putAddressTx(address: Uint8Array, ref: AddressTxRef): this;
  delAddressTx(address: Uint8Array, height: number, position: number): this;
  /** An address index record by its raw key, whatever it holds: for `cairn reindex`, which drops them all. */
  delAddressTxKey(key: Uint8Array): this;
  setTip(hash: Hash): this;
  setDigest(digest: Uint8Array): this;
  /** A small named record; the names with typed setters (tip, schema, digest) are refused here. */
  setMeta(name: string, bytes: Uint8Array): this;
  /**
   * Commit every op as one atomic LevelDB write. A batch can be written once. `sync` overrides the store's
   * durability for this batch (docs/STORAGE.md "Durability").
   */
  write(options?: { readonly sync?: boolean }): Promise<void>;
  /**
   * Do the costly part of write() now, on this thread: hand the ops queued so far to LevelDB's native
   * batch, so that the write() that follows only commits it (ops added later are handed over by write()).
   * For a caller that can prepare its batch while it waits for something else (the chain, while the
   * signatures are verified). A staged batch holds native memory: write() or discard() it.
   */
  stage(): this;
  /** Abandon the batch unwritten, freeing what stage() took. Safe on an unstaged or written batch. */
  discard(): Promise<void>;
}

/**
 * When a write reaches the disk itself, not just the kernel (docs/STORAGE.md "Durability"):
 *   'none'  no fsync: a write survives the process being killed (it is in the page cache), not a power
 *           loss or a kernel crash, which can take the last seconds of writes with them;
 *   'tip'   the batches that move the tip (connect, disconnect, reindex) are fsynced before write()
 *           resolves, so a block the node has acknowledged survives a power loss; bodies stored ahead
 *           of connecting, header entries and the tx index are not (they are fetched or rebuilt again).
 * The node runs with 'tip' (src/node/services.ts), at a measured cost (`npm run bench -- chain`,
 * chain.fsync_cost); the library default is 'none' for tests and tools.
 */
export type Durability = 'none' | 'tip';

type NativeBatch = ReturnType<Db['batch']>;

export class Batch implements ChainBatch {
  private readonly ops: Op[] = [];
  private written = false;
  /** setTip was called: this batch moves the tip, which 'tip' durability fsyncs. */
  private movesTip = false;
  /** The native batch stage() filled, and how many ops it has been given. */
  private native: NativeBatch | undefined;
  private staged = 0;

  constructor(
    private readonly db: Db,
    private readonly sub: Sublevels,
    private readonly durability: Durability,
  ) {}

  get length(): number {
    return this.ops.length;
  }

  // The key is prefixed here, once, by the sublevel's own prefixKey (abstract-level's documented way to
  // get the bytes a sublevel stores a key under), so that write() can hand LevelDB plain root keys.
  private put(sublevel: Sublevel, key: Uint8Array, value: Uint8Array): this {
    if (this.written) throw batchWritten();
    this.ops.push({ key: sublevel.prefixKey(key, 'view', false), value });
    return this;
  }

  private del(sublevel: Sublevel, key: Uint8Array): this {
    if (this.written) throw batchWritten();
    this.ops.push({ key: sublevel.prefixKey(key, 'view', false), value: undefined });
    return this;
  }

  putHeaderEntry(entry: HeaderEntry): this {
    return this.put(this.sub.header, entry.hash, encodeHeaderEntry(entry));
  }

  delHeaderEntry(hash: Hash): this {
    expectLength(hash, HASH_BYTES, 'block hash');
    return this.del(this.sub.header, hash);
  }

  putBlock(hash: Hash, bytes: Uint8Array): this {
    expectLength(hash, HASH_BYTES, 'block hash');
    return this.put(this.sub.block, hash, bytes);
  }

  delBlock(hash: Hash): this {
    expectLength(hash, HASH_BYTES, 'block hash');
    return this.del(this.sub.block, hash);
  }

  putUndo(hash: Hash, bytes: Uint8Array): this {
    expectLength(hash, HASH_BYTES, 'block hash');
    return this.put(this.sub.undo, hash, bytes);
  }

  delUndo(hash: Hash): this {
    expectLength(hash, HASH_BYTES, 'block hash');
    return this.del(this.sub.undo, hash);
  }

  putMainHash(height: number, hash: Hash): this {
    expectLength(hash, HASH_BYTES, 'block hash');
    return this.put(this.sub.mainChain, heightKey(height), hash);
  }

  delMainHash(height: number): this {
    return this.del(this.sub.mainChain, heightKey(height));
  }

  putAccount(address: Uint8Array, account: Account): this {
    expectLength(address, ADDRESS_BYTES, 'address');
    return this.put(this.sub.account, address, encodeAccount(account));
  }

  delAccount(address: Uint8Array): this {
    expectLength(address, ADDRESS_BYTES, 'address');
    return this.del(this.sub.account, address);
  }

  putTxLocation(id: Hash, blockHash: Hash, index: number): this {
    expectLength(id, HASH_BYTES, 'tx id');
    return this.put(this.sub.txIndex, id, encodeTxLocation(blockHash, index));
  }

  delTxLocation(id: Hash): this {
    expectLength(id, HASH_BYTES, 'tx id');
    return this.del(this.sub.txIndex, id);
  }

  putAddressTx(address: Uint8Array, ref: AddressTxRef): this {
    return this.put(
      this.sub.addressTx,
      encodeAddressTxKey(address, ref.height, ref.position),
      encodeAddressTxValue(ref.id, ref.blockHash),
    );
  }

  delAddressTx(address: Uint8Array, height: number, position: number): this {
    return this.del(this.sub.addressTx, encodeAddressTxKey(address, height, position));
  }

  delAddressTxKey(key: Uint8Array): this {
    return this.del(this.sub.addressTx, key);
  }

  setTip(hash: Hash): this {
    expectLength(hash, HASH_BYTES, 'tip hash');
    this.movesTip = true;
    return this.put(this.sub.meta, metaKey(META.tip), hash);
  }

  setDigest(digest: Uint8Array): this {
    expectLength(digest, HASH_BYTES, 'state digest');
    return this.put(this.sub.meta, metaKey(META.digest), digest);
  }

  setMeta(name: string, bytes: Uint8Array): this {
    if (isReservedMetaName(name)) {
      throw new StorageError('BAD_ARGUMENT', `meta name '${name}' is reserved: use its typed setter`);
    }
    if (!(bytes instanceof Uint8Array))
      throw new StorageError('BAD_ARGUMENT', `meta '${name}' must be bytes`);
    return this.put(this.sub.meta, metaKey(name), bytes);
  }

  /**
   * Why this makes kill -9 safe: all ops, across every sublevel, go to LevelDB as ONE WriteBatch (a
   * chained batch on the root database is one native leveldb::WriteBatch, committed by its write()).
   * LevelDB appends a WriteBatch to its log as one record with a checksum, and on recovery replays a record
   * whole or, if it was torn by the crash, not at all. The tip is inside the batch, so the tip on disk always
   * names exactly the state on disk: after a crash at any instant the node reopens either before the block
   * (old tip, old accounts, old undo) or after it (new everything), never between, and never needs a replay
   * from genesis. Writing the tip in a second write would open a window where it points at a state
   * that is not there. (Core gets the same guarantee from its chainstate's best-block marker, written
   * atomically with the coins it describes in CCoinsViewDB::BatchWrite.)
   *
   * Without `sync`, write() resolves once LevelDB has handed the record to the kernel (write(2)); a process
   * killed after that cannot lose it, as the data is in the OS page cache. Only power loss needs `sync`
   * (an fdatasync of the log before write() resolves), which the store's durability decides.
   */
  async write(options: { readonly sync?: boolean } = {}): Promise<void> {
    if (this.written) throw batchWritten();
    if (this.ops.length === 0) {
      this.written = true;
      return;
    }
    try {
      this.stage();
    } catch (e) {
      await this.discard(); // nothing was written; free the native batch
      throw e;
    }
    this.written = true;
    const sync = options.sync ?? (this.durability === 'tip' && this.movesTip);
    await this.native!.write({ sync });
  }

  // The chained form on the root database, with the keys prefixed already: each op goes straight into
  // the native WriteBatch. The array form with a `sublevel` per op clones and re-encodes every op in JS
  // first, which cost ~10 µs an op on the main thread: 40 ms of a 1,000-tx block's 3,000 writes
  // (docs/BENCHMARKS.md, chain.import_vs_pool), against ~2 µs this way.
  stage(): this {
    if (this.written) throw batchWritten();
    this.native ??= this.db.batch();
    for (; this.staged < this.ops.length; this.staged++) {
      const op = this.ops[this.staged]!;
      if (op.value === undefined) this.native.del(op.key);
      else this.native.put(op.key, op.value);
    }
    return this;
  }

  async discard(): Promise<void> {
    if (this.written) return;
    this.written = true;
    const native = this.native;
    this.native = undefined;
    if (native) await native.close();
  }
}

function batchWritten(): StorageError {
  return new StorageError(
    'BATCH_WRITTEN',
    'this batch was already written: start a new one with store.batch()',
  );
}
