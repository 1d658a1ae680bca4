// ChainStore: the chain's LevelDB database behind a small typed interface (docs/STORAGE.md).
//
// Storage knows the key layout (layout.ts) and the record formats (codec.ts), and nothing about consensus:
// it never decides what is valid, which chain is best, or what undo data means. src/chain is its only
// writer of chain state, and it writes through exactly one door, ChainBatch, so that everything one step of
// the chain changes (a block connected or disconnected: accounts, undo, main chain, tx index, digest, tip)
// lands on disk together or not at all.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { type Account, ADDRESS_BYTES, HASH_BYTES, type Hash, MAX_U32 } from '../consensus/types.js';
import {
  type AddressTxRef,
  decodeAccount,
  decodeAddressTx,
  decodeHash,
  decodeHeaderEntry,
  decodeTxLocation,
  decodeU32,
  encodeAccount,
  encodeAddressTxKey,
  encodeAddressTxValue,
  encodeHeaderEntry,
  encodeTxLocation,
  encodeU32,
  expectLength,
  type HeaderEntry,
  type TxLocation,
} from './codec.js';
import { type DatadirLock, lockDatadir } from './datadir-lock.js';
import { datadirUnusable, StorageError } from './errors.js';
import {
  CHAIN_DB_DIR,
  heightFromKey,
  heightKey,
  isReservedMetaName,
  META,
  metaKey,
  SCHEMA_VERSION,
  SUBLEVEL,
} from './layout.js';

type Db = Level<Uint8Array, Uint8Array>;

function openSublevel(db: Db, name: string) {
  return db.sublevel<Uint8Array, Uint8Array>(name, { keyEncoding: 'view', valueEncoding: 'view' });
}
type Sublevel = ReturnType<typeof openSublevel>;
type Sublevels = { readonly [K in keyof typeof SUBLEVEL]: Sublevel };

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
  putBlock(hash: Hash, bytes: Uint8Array): this;
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
  setTip(hash: Hash): this;
  setDigest(digest: Uint8Array): this;
  /** A small named record; the names with typed setters (tip, schema, digest) are refused here. */
  setMeta(name: string, bytes: Uint8Array): this;
  /** Commit every op as one atomic LevelDB write. A batch can be written once. */
  write(): Promise<void>;
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

export interface ChainStoreOptions {
  /**
   * fsync each batch before write() resolves. Not needed to survive kill -9 (see ChainBatch.write), only
   * to survive power loss or a kernel crash, and it costs a disk flush per block. Default false.
   */
  readonly sync?: boolean;
}

export class ChainStore {
  private closing: Promise<void> | undefined;

  private constructor(
    /** The datadir (the LevelDB database is in DIR/chain). */
    readonly dir: string,
    private readonly db: Db,
    private readonly sub: Sublevels,
    private readonly lock: DatadirLock,
    private readonly sync: boolean,
  ) {}

  /**
   * Open (creating if needed) the store in datadir `dir`, holding the datadir lock until close().
   * Throws DatadirLockedError if another opener has the datadir, StorageError('SCHEMA_TOO_NEW') if a newer
   * Cairn wrote it.
   */
  static async open(dir: string, options: ChainStoreOptions = {}): Promise<ChainStore> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw datadirUnusable(
        `datadir ${dir}`,
        e,
        'it cannot be created as a directory (a file in the way, or no permission); give another --datadir',
      );
    }
    const db: Db = new Level<Uint8Array, Uint8Array>(join(dir, CHAIN_DB_DIR), {
      keyEncoding: 'view',
      valueEncoding: 'view',
    });
    const lock = await lockDatadir(dir, db);
    const sub: Sublevels = {
      header: openSublevel(db, SUBLEVEL.header),
      block: openSublevel(db, SUBLEVEL.block),
      undo: openSublevel(db, SUBLEVEL.undo),
      mainChain: openSublevel(db, SUBLEVEL.mainChain),
      account: openSublevel(db, SUBLEVEL.account),
      txIndex: openSublevel(db, SUBLEVEL.txIndex),
      addressTx: openSublevel(db, SUBLEVEL.addressTx),
      meta: openSublevel(db, SUBLEVEL.meta),
    };
    const store = new ChainStore(dir, db, sub, lock, options.sync ?? false);
    try {
      await store.checkSchema();
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  /** A fresh datadir gets the current schema; an existing one must have exactly it (no migrations yet). */
  private async checkSchema(): Promise<void> {
    const key = metaKey(META.schema);
    const stored = await this.sub.meta.get(key);
    if (stored === undefined) {
      const value = encodeU32(SCHEMA_VERSION, 'schema version');
      await this.db.batch([{ type: 'put', sublevel: this.sub.meta, key, value }], { sync: true });
      return;
    }
    const version = decodeU32(stored, 'schema version');
    if (version > SCHEMA_VERSION) {
      throw new StorageError(
        'SCHEMA_TOO_NEW',
        `datadir ${this.dir} uses storage schema ${version}, but this Cairn only knows schema ${SCHEMA_VERSION}: ` +
          'upgrade Cairn, or use another datadir',
      );
    }
    if (version < SCHEMA_VERSION) {
      throw new StorageError(
        'SCHEMA_TOO_OLD',
        `datadir ${this.dir} uses storage schema ${version}, older than this Cairn's ${SCHEMA_VERSION}, ` +
          'and there is no migration: use a new datadir',
      );
    }
  }

  /** Close the database and release the datadir lock. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // Pid file first: once the database closes, the next process may take the lock and write its own.
      await this.lock.release();
      await this.db.close();
    })();
    return this.closing;
  }

  // ---- reads ---------------------------------------------------------------------------------------

  async getHeaderEntry(hash: Hash): Promise<HeaderEntry | undefined> {
    expectLength(hash, HASH_BYTES, 'block hash');
    const value = await this.sub.header.get(hash);
    return value === undefined ? undefined : decodeHeaderEntry(hash, view(value));
  }

  /** One result per hash, in the same order; undefined where the header is unknown. */
  async getHeaderEntries(hashes: readonly Hash[]): Promise<(HeaderEntry | undefined)[]> {
    for (const h of hashes) expectLength(h, HASH_BYTES, 'block hash');
    const values = await this.sub.header.getMany([...hashes]);
    return values.map((v, i) => (v === undefined ? undefined : decodeHeaderEntry(hashes[i]!, view(v))));
  }

  /** Every header entry, in hash order (not height order): for loading the block index at startup. */
  async *iterateHeaderEntries(): AsyncGenerator<HeaderEntry, void, undefined> {
    for await (const [key, value] of this.sub.header.iterator()) {
      yield decodeHeaderEntry(view(key), view(value));
    }
  }

  /** The encoded block, or undefined. The bytes are a view of the read buffer: do not modify them. */
  async getBlockBytes(hash: Hash): Promise<Uint8Array | undefined> {
    expectLength(hash, HASH_BYTES, 'block hash');
    return optionalView(await this.sub.block.get(hash));
  }

  async getUndo(hash: Hash): Promise<Uint8Array | undefined> {
    expectLength(hash, HASH_BYTES, 'block hash');
    return optionalView(await this.sub.undo.get(hash));
  }

  /** Hash of the main-chain block at `height`, or undefined above the tip. */
  async getMainHash(height: number): Promise<Hash | undefined> {
    const value = await this.sub.mainChain.get(heightKey(height));
    return value === undefined ? undefined : decodeHash(view(value), `main-chain hash at height ${height}`);
  }

  /**
   * Main-chain hashes for heights `from`..`to` inclusive, in height order, stopping at the tip:
   * result[i] is the hash at height from + i. One range scan over `c`, not one read per height.
   */
  async getMainHashes(from: number, to: number): Promise<Hash[]> {
    const gte = heightKey(from);
    const lte = heightKey(to);
    const out: Hash[] = [];
    if (from > to) return out;
    for await (const [key, value] of this.sub.mainChain.iterator({ gte, lte })) {
      const height = heightFromKey(view(key));
      // The main chain is contiguous from genesis; a gap means a batch was built wrongly.
      if (height !== from + out.length) {
        throw new StorageError(
          'CORRUPT_RECORD',
          `main chain has a gap: expected height ${from + out.length}, found ${height}`,
        );
      }
      out.push(decodeHash(view(value), `main-chain hash at height ${height}`));
    }
    return out;
  }

  /** One result per address, in the same order; undefined for accounts never written (balance 0, nonce 0). */
  async getAccounts(addresses: readonly Uint8Array[]): Promise<(Account | undefined)[]> {
    for (const a of addresses) expectLength(a, ADDRESS_BYTES, 'address');
    const values = await this.sub.account.getMany([...addresses]);
    return values.map((v) => (v === undefined ? undefined : decodeAccount(view(v))));
  }

  /** Every stored account as [address, account], in address order: for reindex checks and the digest. */
  async *iterateAccounts(): AsyncGenerator<readonly [Uint8Array, Account], void, undefined> {
    for await (const [key, value] of this.sub.account.iterator()) {
      if (key.length !== ADDRESS_BYTES) {
        throw new StorageError('CORRUPT_RECORD', `stored account key is ${key.length} bytes, expected 20`);
      }
      yield [new Uint8Array(key), decodeAccount(view(value))] as const;
    }
  }

  async getTxLocation(id: Hash): Promise<TxLocation | undefined> {
    expectLength(id, HASH_BYTES, 'tx id');
    const value = await this.sub.txIndex.get(id);
    return value === undefined ? undefined : decodeTxLocation(view(value));
  }

  /**
   * The address index entries of `address`, newest first (highest height, then position), strictly before
   * (`before.height`, `before.position`) when given, at most `limit`. One reverse range scan.
   */
  async getAddressTxs(
    address: Uint8Array,
    limit: number,
    before?: { readonly height: number; readonly position: number },
  ): Promise<AddressTxRef[]> {
    expectLength(address, ADDRESS_BYTES, 'address');
    const gte = encodeAddressTxKey(address, 0, 0);
    const end = before ?? { height: MAX_U32, position: MAX_U32 };
    const bound = encodeAddressTxKey(address, end.height, end.position);
    // Without a cursor the last possible key is included too (lte); with one, the cursor itself is not.
    const range = before ? { gte, lt: bound } : { gte, lte: bound };
    const out: AddressTxRef[] = [];
    for await (const [key, value] of this.sub.addressTx.iterator({ ...range, reverse: true, limit })) {
      out.push(decodeAddressTx(view(key), view(value)));
    }
    return out;
  }

  /** The main chain's tip hash; undefined only before the chain has written genesis. */
  async getTip(): Promise<Hash | undefined> {
    const value = await this.sub.meta.get(metaKey(META.tip));
    return value === undefined ? undefined : decodeHash(view(value), 'tip');
  }

  /** The account-state digest at the tip, as last written with setDigest. */
  async getDigest(): Promise<Uint8Array | undefined> {
    const value = await this.sub.meta.get(metaKey(META.digest));
    return value === undefined ? undefined : decodeHash(view(value), 'state digest');
  }

  async getMeta(name: string): Promise<Uint8Array | undefined> {
    const value = await this.sub.meta.get(metaKey(name));
    return value === undefined ? undefined : new Uint8Array(value);
  }

  // ---- writes --------------------------------------------------------------------------------------

  /** Start a batch. Nothing is written until its write(). */
  batch(): ChainBatch {
    return new Batch(this.db, this.sub, this.sync);
  }
}

type NativeBatch = ReturnType<Db['batch']>;

class Batch implements ChainBatch {
  private readonly ops: Op[] = [];
  private written = false;
  /** The native batch stage() filled, and how many ops it has been given. */
  private native: NativeBatch | undefined;
  private staged = 0;

  constructor(
    private readonly db: Db,
    private readonly sub: Sublevels,
    private readonly sync: boolean,
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

  putBlock(hash: Hash, bytes: Uint8Array): this {
    expectLength(hash, HASH_BYTES, 'block hash');
    return this.put(this.sub.block, hash, bytes);
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

  setTip(hash: Hash): this {
    expectLength(hash, HASH_BYTES, 'tip hash');
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
   * killed after that cannot lose it, as the data is in the OS page cache. Only power loss needs `sync`.
   */
  async write(): Promise<void> {
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
    await this.native!.write({ sync: this.sync });
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

/**
 * classic-level returns Node Buffers even for 'view'. A Buffer is a Uint8Array subclass with different
 * slice() semantics and equality, so re-wrap the same memory as a plain Uint8Array (no copy).
 */
function view(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function optionalView(b: Uint8Array | undefined): Uint8Array | undefined {
  return b === undefined ? undefined : view(b);
}
