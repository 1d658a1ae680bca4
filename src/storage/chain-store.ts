// ChainStore: the chain's LevelDB database behind a small typed interface (docs/STORAGE.md).
//
// Storage knows the key layout (layout.ts) and the record formats (codec.ts), and nothing about consensus:
// it never decides what is valid, which chain is best, or what undo data means. src/chain is its only
// writer of chain state, and it writes through exactly one door, ChainBatch, so that everything one step of
// the chain changes (a block connected or disconnected: accounts, undo, main chain, tx index, digest, tip)
// lands on disk together or not at all.
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { toHex } from '../consensus/bytes.js';
import { decodeHeader } from '../consensus/encoding.js';
import {
  type Account,
  ADDRESS_BYTES,
  type BlockHeader,
  HASH_BYTES,
  type Hash,
  HEADER_BYTES,
  MAX_U32,
} from '../consensus/types.js';
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
  blockRecordProblem,
  headerRecordProblem,
  isLevelCorruption,
  levelCorruptionIn,
} from './integrity.js';
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
import { salvageLevelDb } from './salvage.js';

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

export interface ChainStoreOptions {
  readonly durability?: Durability;
}

export class ChainStore {
  private closing: Promise<void> | undefined;

  private constructor(
    /** The datadir (the LevelDB database is in DIR/chain). */
    readonly dir: string,
    private readonly db: Db,
    private readonly sub: Sublevels,
    private readonly lock: DatadirLock,
    /** The durability the store was opened with. */
    readonly durability: Durability,
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
    let lock: DatadirLock;
    try {
      lock = await lockDatadir(dir, db);
    } catch (e) {
      // LevelDB's own damage (a broken table or manifest) is what `cairn reindex` salvages; anything
      // else (a file in the way, no permission) stays DATADIR_UNUSABLE.
      const damage = levelCorruptionIn(e);
      if (!damage) throw e;
      throw new StorageError(
        'CORRUPT_RECORD',
        `LevelDB cannot open the database in ${join(dir, CHAIN_DB_DIR)} (${(damage as Error).message}): ` +
          'run `cairn reindex`, which reads what it can of the damaged files',
        { cause: damage },
      );
    }
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
    const store = new ChainStore(dir, db, sub, lock, options.durability ?? 'none');
    try {
      await store.checkSchema();
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  /**
   * Rewrites the database of datadir `dir` from what can still be read of its files, and puts the fresh one
   * in its place: `cairn reindex` works on the copy, never on the damaged tables. The files are read by
   * salvage.ts, not by LevelDB: LevelDB (as classic-level builds it) aborts the whole process when it
   * meets a table with a damaged key, and it skips the block checksums that salvage.ts checks. A record
   * from a block whose checksum failed is kept only if its key vouches for its value (a block body or a
   * header entry, both checked against their hash afterwards); every other one is dropped, and the chain
   * rebuilds it (src/chain/reindex.ts). Holds the datadir lock throughout when LevelDB can open the
   * database; when it cannot (a damaged manifest), nothing else can open it either.
   */
  static async rebuild(dir: string): Promise<{ copied: number; lost: number; damagedBlocks: number }> {
    const path = join(dir, CHAIN_DB_DIR);
    const old: Db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    let lock: DatadirLock | undefined;
    try {
      lock = await lockDatadir(dir, old);
    } catch (e) {
      if (!levelCorruptionIn(e)) throw e;
    }
    const freshPath = `${path}.rebuild`;
    const self = (name: string) => new TextEncoder().encode(`!${name}!`);
    const verifiable = [self(SUBLEVEL.block), self(SUBLEVEL.header)];
    const known = Object.values(SUBLEVEL).map(self);
    let copied = 0;
    let lost = 0;
    let damagedBlocks = 0;
    try {
      const salvage = await salvageLevelDb(path);
      damagedBlocks = salvage.damagedBlocks;
      await rm(freshPath, { recursive: true, force: true });
      const fresh: Db = new Level<Uint8Array, Uint8Array>(freshPath, {
        keyEncoding: 'view',
        valueEncoding: 'view',
      });
      await fresh.open();
      try {
        let ops: { type: 'put'; key: Uint8Array; value: Uint8Array }[] = [];
        for (const r of salvage.records) {
          const keep = r.damaged
            ? verifiable.some((p) => startsWith(r.key, p))
            : known.some((p) => startsWith(r.key, p));
          if (!keep) {
            lost++;
            continue;
          }
          ops.push({ type: 'put', key: r.key, value: r.value });
          copied++;
          if (ops.length >= 1_000) {
            await fresh.batch(ops);
            ops = [];
          }
        }
        if (ops.length > 0) await fresh.batch(ops);
      } finally {
        await fresh.close();
      }
    } finally {
      await lock?.release();
      if (lock) await old.close();
    }
    // The swap: the damaged database goes only once the copy is complete and closed.
    const damaged = `${path}.damaged`;
    await rm(damaged, { recursive: true, force: true });
    await rename(path, damaged);
    await rename(freshPath, path);
    await rm(damaged, { recursive: true, force: true });
    return { copied, lost, damagedBlocks };
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
  //
  // Every read goes through `damaged` below: LevelDB's own corruption reports (a table block whose
  // structure broke) become CORRUPT_RECORD naming what was being read, like every record that does not
  // decode. Block bodies are checked against their key as well (integrity.ts).

  async getHeaderEntry(hash: Hash): Promise<HeaderEntry | undefined> {
    expectLength(hash, HASH_BYTES, 'block hash');
    const value = await damaged(this.sub.header.get(hash), 'a header entry', hash);
    return value === undefined ? undefined : checkedHeaderEntry(hash, view(value));
  }

  /** One result per hash, in the same order; undefined where the header is unknown. */
  async getHeaderEntries(hashes: readonly Hash[]): Promise<(HeaderEntry | undefined)[]> {
    for (const h of hashes) expectLength(h, HASH_BYTES, 'block hash');
    const values = await damaged(this.sub.header.getMany([...hashes]), 'header entries');
    return values.map((v, i) => (v === undefined ? undefined : checkedHeaderEntry(hashes[i]!, view(v))));
  }

  /** Every header entry, in hash order (not height order): for loading the block index at startup. */
  async *iterateHeaderEntries(): AsyncGenerator<HeaderEntry, void, undefined> {
    for await (const [key, value] of damagedIterator(this.sub.header.iterator(), 'the header index')) {
      yield checkedHeaderEntry(view(key), view(value));
    }
  }

  /**
   * Every header-index record as stored, undecoded, in hash order: for `cairn reindex`, which must see
   * every record, including the damaged ones a decoder would refuse, to report and drop them.
   */
  async *iterateHeaderRecords(): AsyncGenerator<readonly [Uint8Array, Uint8Array], void, undefined> {
    for await (const [key, value] of damagedIterator(this.sub.header.iterator(), 'the header index')) {
      yield [new Uint8Array(key), new Uint8Array(value)] as const;
    }
  }

  /**
   * The encoded block stored under `hash`, or undefined. It is checked against the hash first (integrity.ts):
   * a body that is not exactly the block `hash` throws StorageError('CORRUPT_RECORD') naming the block's
   * height (from the header index, when that is intact) and hash, and is never returned. The bytes are a
   * view of the read buffer: do not modify them.
   */
  async getBlockBytes(hash: Hash): Promise<Uint8Array | undefined> {
    expectLength(hash, HASH_BYTES, 'block hash');
    let value: Uint8Array | undefined;
    try {
      value = await this.sub.block.get(hash);
    } catch (e) {
      if (!isLevelCorruption(e)) throw e;
      throw await this.corruptBlock(hash, `LevelDB cannot read it (${(e as Error).message})`, e);
    }
    if (value === undefined) return undefined;
    const bytes = view(value);
    const problem = blockRecordProblem(hash, bytes);
    if (problem !== undefined) throw await this.corruptBlock(hash, problem);
    return bytes;
  }

  /**
   * The header of every stored body that passes its check, in hash order: for `cairn reindex`, which
   * rebuilds the chain from the bodies when the header index and the main-chain records are damaged.
   * Bodies that fail are skipped (the walk reports them when it reads them).
   */
  async *iterateBlockHeaders(): AsyncGenerator<BlockHeader, void, undefined> {
    for await (const [key, value] of damagedIterator(this.sub.block.iterator(), 'the block bodies')) {
      const bytes = view(value);
      if (key.length !== HASH_BYTES || blockRecordProblem(view(key), bytes) !== undefined) continue;
      yield decodeHeader(bytes.subarray(0, HEADER_BYTES));
    }
  }

  /** The CORRUPT_RECORD error of the body stored under `hash`, with the height if the index still knows it. */
  private async corruptBlock(hash: Hash, why: string, cause?: unknown): Promise<StorageError> {
    let height: number | undefined;
    try {
      height = (await this.getHeaderEntry(hash))?.header.height;
    } catch {
      // the header entry is damaged too: the message names the hash alone
    }
    const hex = toHex(hash);
    const where = height === undefined ? `block ${hex}` : `block at height ${height} (${hex})`;
    return new StorageError('CORRUPT_RECORD', `the stored body of ${where} is damaged: ${why}`, {
      height,
      hash: hex,
      cause,
    });
  }

  async getUndo(hash: Hash): Promise<Uint8Array | undefined> {
    expectLength(hash, HASH_BYTES, 'block hash');
    return optionalView(await damaged(this.sub.undo.get(hash), 'undo data', hash));
  }

  /** Hash of the main-chain block at `height`, or undefined above the tip. */
  async getMainHash(height: number): Promise<Hash | undefined> {
    const value = await damaged(this.sub.mainChain.get(heightKey(height)), `main-chain height ${height}`);
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
    const records = damagedIterator(this.sub.mainChain.iterator({ gte, lte }), 'the main chain');
    for await (const [key, value] of records) {
      const height = heightFromKey(view(key));
      // The main chain is contiguous from genesis; a gap means a write was lost or a record damaged.
      if (height !== from + out.length) {
        throw new StorageError(
          'CORRUPT_RECORD',
          `main chain has a gap: expected height ${from + out.length}, found ${height}`,
          { height: from + out.length },
        );
      }
      out.push(decodeHash(view(value), `main-chain hash at height ${height}`));
    }
    return out;
  }

  /**
   * The main-chain records from `from` up, as stored: [height, hash or undefined if the value is damaged].
   * Unlike getMainHashes it does not stop at a gap: `cairn reindex` uses it to find and delete every record
   * above the part of the chain it keeps.
   */
  async *iterateMainRecords(from = 0): AsyncGenerator<readonly [number, Hash | undefined], void, undefined> {
    const records = damagedIterator(this.sub.mainChain.iterator({ gte: heightKey(from) }), 'the main chain');
    for await (const [key, value] of records) {
      if (key.length !== 4) continue; // not a height: nothing Cairn wrote, nothing it can delete by height
      yield [
        heightFromKey(view(key)),
        value.length === HASH_BYTES ? new Uint8Array(value) : undefined,
      ] as const;
    }
  }

  /** One result per address, in the same order; undefined for accounts never written (balance 0, nonce 0). */
  async getAccounts(addresses: readonly Uint8Array[]): Promise<(Account | undefined)[]> {
    for (const a of addresses) expectLength(a, ADDRESS_BYTES, 'address');
    const values = await damaged(this.sub.account.getMany([...addresses]), 'accounts');
    return values.map((v) => (v === undefined ? undefined : decodeAccount(view(v))));
  }

  /** Every stored account as [address, account], in address order: for reindex checks and the digest. */
  async *iterateAccounts(): AsyncGenerator<readonly [Uint8Array, Account], void, undefined> {
    for await (const [key, value] of damagedIterator(this.sub.account.iterator(), 'the accounts')) {
      if (key.length !== ADDRESS_BYTES) {
        throw new StorageError('CORRUPT_RECORD', `stored account key is ${key.length} bytes, expected 20`);
      }
      yield [new Uint8Array(key), decodeAccount(view(value))] as const;
    }
  }

  /** Every stored account key, whatever its value: for `cairn reindex`, which rewrites them all. */
  async *iterateAccountKeys(): AsyncGenerator<Uint8Array, void, undefined> {
    for await (const key of damagedIterator(this.sub.account.keys(), 'the accounts')) {
      yield new Uint8Array(key);
    }
  }

  /** Every address index key, whatever its value: for `cairn reindex`, which drops the index to rebuild it. */
  async *iterateAddressTxKeys(): AsyncGenerator<Uint8Array, void, undefined> {
    for await (const key of damagedIterator(this.sub.addressTx.keys(), 'the address index')) {
      yield new Uint8Array(key);
    }
  }

  async getTxLocation(id: Hash): Promise<TxLocation | undefined> {
    expectLength(id, HASH_BYTES, 'tx id');
    const value = await damaged(this.sub.txIndex.get(id), 'a tx location');
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
    const entries = this.sub.addressTx.iterator({ ...range, reverse: true, limit });
    for await (const [key, value] of damagedIterator(entries, 'the address index')) {
      out.push(decodeAddressTx(view(key), view(value)));
    }
    return out;
  }

  /** The main chain's tip hash; undefined only before the chain has written genesis. */
  async getTip(): Promise<Hash | undefined> {
    const value = await damaged(this.sub.meta.get(metaKey(META.tip)), 'the tip');
    return value === undefined ? undefined : decodeHash(view(value), 'tip');
  }

  /** The account-state digest at the tip, as last written with setDigest. */
  async getDigest(): Promise<Uint8Array | undefined> {
    const value = await damaged(this.sub.meta.get(metaKey(META.digest)), 'the state digest');
    return value === undefined ? undefined : decodeHash(view(value), 'state digest');
  }

  async getMeta(name: string): Promise<Uint8Array | undefined> {
    const value = await damaged(this.sub.meta.get(metaKey(name)), `meta record '${name}'`);
    return value === undefined ? undefined : new Uint8Array(value);
  }

  // ---- writes --------------------------------------------------------------------------------------

  /** Start a batch. Nothing is written until its write(). */
  batch(): ChainBatch {
    return new Batch(this.db, this.sub, this.durability);
  }
}

type NativeBatch = ReturnType<Db['batch']>;

class Batch implements ChainBatch {
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

/** A header-index record, checked against its key (integrity.ts) and decoded (codec.ts). */
function checkedHeaderEntry(key: Uint8Array, value: Uint8Array): HeaderEntry {
  const hash = toHex(key);
  const corrupt = (why: string, cause?: unknown) =>
    new StorageError('CORRUPT_RECORD', `the stored header entry of block ${hash} is damaged: ${why}`, {
      hash,
      cause,
    });
  const problem = headerRecordProblem(key, value);
  if (problem !== undefined) throw corrupt(problem);
  try {
    return decodeHeaderEntry(key, value);
  } catch (e) {
    throw e instanceof StorageError ? corrupt(e.message, e) : e;
  }
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

/** LevelDB's corruption report while reading `what` as CORRUPT_RECORD; any other failure as it is. */
function corruptionError(e: unknown, what: string, key?: Uint8Array): unknown {
  if (!isLevelCorruption(e)) return e;
  const hash = key?.length === HASH_BYTES ? toHex(key) : undefined;
  return new StorageError(
    'CORRUPT_RECORD',
    `LevelDB reports damage while reading ${what}${hash ? ` of ${hash}` : ''}: ${(e as Error).message}`,
    { hash, cause: e },
  );
}

async function damaged<T>(read: Promise<T>, what: string, key?: Uint8Array): Promise<T> {
  try {
    return await read;
  } catch (e) {
    throw corruptionError(e, what, key);
  }
}

async function* damagedIterator<T>(it: AsyncIterable<T>, what: string): AsyncGenerator<T, void, undefined> {
  try {
    for await (const x of it) yield x;
  } catch (e) {
    throw corruptionError(e, what);
  }
}
