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
  Batch,
  type ChainBatch,
  type Db,
  type Durability,
  openSublevels,
  type Sublevels,
} from './chain-batch.js';
import {
  type AddressTxRef,
  decodeAccount,
  decodeAddressTx,
  decodeHash,
  decodeTxLocation,
  decodeU32,
  encodeAddressTxKey,
  encodeU32,
  expectLength,
  type HeaderEntry,
  type TxLocation,
} from './codec.js';
import { type DatadirLock, lockDatadir } from './datadir-lock.js';
import { datadirUnusable, StorageError } from './errors.js';
import { blockRecordProblem, checkBlockRecord, isLevelCorruption, levelCorruptionIn } from './integrity.js';
import { CHAIN_DB_DIR, heightFromKey, heightKey, META, metaKey, SCHEMA_VERSION } from './layout.js';
import { checkedHeaderEntry, damaged, damagedIterator, optionalView, view } from './read-checks.js';
import { rebuildDatabase } from './rebuild.js';

export type { ChainBatch, Durability } from './chain-batch.js';

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
    const sub = openSublevels(db);
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
   * Rewrites the database of datadir `dir` from what can still be read of its files and swaps it in
   * (rebuild.ts): what `cairn reindex` does first when LevelDB's own files are damaged.
   */
  static rebuild(dir: string): Promise<{ copied: number; lost: number; damagedBlocks: number }> {
    return rebuildDatabase(dir);
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
    return (await this.getBlockRecord(hash))?.bytes;
  }

  /**
   * As getBlockBytes, with the ids of the block's txs, which its check hashed anyway (for a reader that
   * needs them: connecting or disconnecting a stored block).
   */
  async getBlockRecord(hash: Hash): Promise<{ bytes: Uint8Array; ids: Hash[] } | undefined> {
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
    const ids = checkBlockRecord(hash, bytes);
    if (typeof ids === 'string') throw await this.corruptBlock(hash, ids);
    return { bytes, ids };
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
