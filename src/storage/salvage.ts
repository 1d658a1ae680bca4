// Reading a LevelDB database straight from its files, for `cairn reindex` (docs/STORAGE.md "Recovery").
//
// Why not through LevelDB: classic-level builds LevelDB with its assertions on, and LevelDB asserts that
// the keys of a table are well formed and in order. A damaged key in an .ldb file therefore ABORTS the
// process (SIGABRT, no exception) when an iterator or a compaction meets it, and reads schedule
// compactions, so a datadir with such a table can crash every process that opens it, the repair tool
// included (leveldb::RepairDB copies tables with the same asserting TableBuilder). This reader parses the
// files itself, checks every block's CRC32C (which LevelDB's reads skip: classic-level does not expose
// `verify_checksums`), never aborts, and hands back the newest version of every key it can read.
//
// The formats are LevelDB 1.20's (doc/table_format.md, doc/log_format.md, db/version_edit.cc):
//
//   table (.ldb)   data blocks ‖ meta blocks ‖ metaindex ‖ index ‖ footer (48 bytes, magic at the end)
//   block          entries (shared varint, unshared varint, value length varint, key delta, value)
//                  ‖ restarts u32[] ‖ restart count u32, then a 5-byte trailer: compression type, masked
//                  CRC32C of contents + type. Type 1 is Snappy.
//   internal key   user key ‖ (sequence << 8 | type) u64 LE; type 1 = value, 0 = deletion
//   log (.log)     32 KiB blocks of records: masked CRC32C u32, length u16, type u8 (full/first/middle/last)
//   write batch    sequence u64 ‖ count u32 ‖ records (type u8, key, [value]), lengths as varints
//   MANIFEST       a log of version edits; CURRENT names it. Edits add and delete table files, and name
//                  the log number below which logs are obsolete.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One key's newest version as salvaged. */
export interface SalvagedRecord {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** It came from a block whose checksum failed: only keep it if its value can be checked by its key. */
  readonly damaged: boolean;
}

export interface Salvage {
  /** The newest live version of every key, in no particular order (deleted keys are left out). */
  readonly records: SalvagedRecord[];
  /** Blocks (table blocks or log records) whose checksum failed or that did not parse. */
  readonly damagedBlocks: number;
  /** Files read (tables and logs). */
  readonly files: number;
  /** True when CURRENT and the MANIFEST were readable and named the live files. */
  readonly manifest: boolean;
}

// --- CRC32C (Castagnoli), as LevelDB's util/crc32c.cc, with its masking -----------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

function unmask(masked: number): number {
  const rot = (masked - 0xa282ead8) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

// --- Byte reading -------------------------------------------------------------------------------------

class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    readonly end = bytes.length,
  ) {}

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end || shift > 49) throw new Error('bad varint');
      const b = this.bytes[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) throw new Error('out of range');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  u8(): number {
    return this.take(1)[0]!;
  }
}

function u32le(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** A u64 little-endian as a number (sequence numbers stay far below 2^53). */
function u64le(b: Uint8Array, at: number): number {
  return u32le(b, at) + u32le(b, at + 4) * 2 ** 32;
}

// --- Snappy (format_description.txt of google/snappy) ------------------------------------------------

function snappyDecompress(src: Uint8Array): Uint8Array {
  const c = new Cursor(src);
  const length = c.varint();
  if (length > 64 * 1024 * 1024) throw new Error('snappy block too large');
  const out = new Uint8Array(length);
  let o = 0;
  while (c.pos < src.length) {
    const tag = c.u8();
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const bytes = c.take(len - 59);
        len = 0;
        for (let i = bytes.length - 1; i >= 0; i--) len = len * 256 + bytes[i]!;
      }
      len += 1;
      if (o + len > length) throw new Error('snappy literal past the end');
      out.set(c.take(len), o);
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | c.u8();
    } else if (kind === 2) {
      len = (tag >>> 2) + 1;
      const b = c.take(2);
      offset = b[0]! | (b[1]! << 8);
    } else {
      len = (tag >>> 2) + 1;
      offset = u32le(c.take(4), 0);
    }
    if (offset === 0 || offset > o || o + len > length) throw new Error('snappy copy out of range');
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset]!;
  }
  if (o !== length) throw new Error('snappy block shorter than it says');
  return out;
}

// --- Collecting versions ------------------------------------------------------------------------------

interface Version {
  readonly key: Uint8Array;
  readonly seq: number;
  readonly value: Uint8Array | undefined; // undefined: a deletion
  readonly damaged: boolean;
}

class Versions {
  private readonly sound = new Map<string, Version>();
  private readonly suspect = new Map<string, Version>();

  add(v: Version): void {
    const k = Buffer.from(v.key).toString('latin1');
    const map = v.damaged ? this.suspect : this.sound;
    const seen = map.get(k);
    if (!seen || v.seq > seen.seq) map.set(k, v);
  }

  /** Newest sound version of each key; a suspect one only where no sound version exists at all. */
  records(): SalvagedRecord[] {
    const out: SalvagedRecord[] = [];
    for (const v of this.sound.values()) {
      if (v.value !== undefined) out.push({ key: v.key, value: v.value, damaged: false });
    }
    for (const [k, v] of this.suspect) {
      if (!this.sound.has(k) && v.value !== undefined)
        out.push({ key: v.key, value: v.value, damaged: true });
    }
    return out;
  }
}

// --- Tables ---------------------------------------------------------------------------------------------

interface Handle {
  readonly offset: number;
  readonly size: number;
}

/** A block's contents (decompressed) and whether its checksum held; undefined if it cannot be read. */
function readBlock(file: Uint8Array, h: Handle): { data: Uint8Array; ok: boolean } | undefined {
  if (h.offset < 0 || h.size < 0 || h.offset + h.size + 5 > file.length) return undefined;
  const contents = file.subarray(h.offset, h.offset + h.size);
  const type = file[h.offset + h.size]!;
  const expected = unmask(u32le(file, h.offset + h.size + 1));
  const ok = crc32c(file.subarray(h.offset, h.offset + h.size + 1)) === expected;
  try {
    if (type === 0) return { data: contents, ok };
    if (type === 1) return { data: snappyDecompress(contents), ok };
  } catch {
    return undefined;
  }
  return undefined;
}

/** The entries of a block, as far as they parse. */
function blockEntries(data: Uint8Array): { key: Uint8Array; value: Uint8Array }[] {
  const out: { key: Uint8Array; value: Uint8Array }[] = [];
  if (data.length < 4) return out;
  const restarts = u32le(data, data.length - 4);
  const limit = data.length - 4 - restarts * 4;
  if (restarts > data.length / 4 || limit < 0) return out;
  const c = new Cursor(data, 0, limit);
  let last = new Uint8Array(0);
  try {
    while (c.pos < limit) {
      const shared = c.varint();
      const unshared = c.varint();
      const valueLength = c.varint();
      if (shared > last.length) break;
      const key = new Uint8Array(shared + unshared);
      key.set(last.subarray(0, shared));
      key.set(c.take(unshared), shared);
      const value = c.take(valueLength);
      out.push({ key, value });
      last = key;
    }
  } catch {
    // the rest of the block does not parse: keep what did
  }
  return out;
}

function addInternal(versions: Versions, key: Uint8Array, value: Uint8Array, damaged: boolean): void {
  if (key.length < 8) return;
  const tag = u64le(key, key.length - 8);
  const type = tag % 256;
  if (type > 1) return;
  versions.add({
    key: key.slice(0, key.length - 8),
    seq: Math.floor(tag / 256),
    value: type === 1 ? value.slice() : undefined,
    damaged,
  });
}

/** Reads one table into `versions`; returns how many of its blocks were damaged. */
function readTable(file: Uint8Array, versions: Versions): number {
  const MAGIC_LO = 0x8b80fb57;
  const MAGIC_HI = 0xdb477524;
  if (file.length < 48) return 1;
  const f = file.length - 48;
  if (u32le(file, f + 40) !== MAGIC_LO || u32le(file, f + 44) !== MAGIC_HI) return 1;
  let index: Handle;
  try {
    const c = new Cursor(file, f, f + 40);
    c.varint(); // metaindex offset
    c.varint(); // metaindex size
    index = { offset: c.varint(), size: c.varint() };
  } catch {
    return 1;
  }
  const indexBlock = readBlock(file, index);
  if (!indexBlock) return 1;
  let damaged = indexBlock.ok ? 0 : 1;
  for (const { value } of blockEntries(indexBlock.data)) {
    let h: Handle;
    try {
      const c = new Cursor(value);
      h = { offset: c.varint(), size: c.varint() };
    } catch {
      damaged++;
      continue;
    }
    const block = readBlock(file, h);
    if (!block) {
      damaged++;
      continue;
    }
    if (!block.ok) damaged++;
    for (const e of blockEntries(block.data)) addInternal(versions, e.key, e.value, !block.ok);
  }
  return damaged;
}

// --- Logs -----------------------------------------------------------------------------------------------

const LOG_BLOCK = 32 * 1024;

/** The records of a log file with a sound checksum, reassembled from their fragments. */
function logRecords(file: Uint8Array): { records: Uint8Array[]; damaged: number } {
  const records: Uint8Array[] = [];
  let damaged = 0;
  let parts: Uint8Array[] | undefined;
  for (let block = 0; block < file.length; block += LOG_BLOCK) {
    let pos = block;
    const end = Math.min(file.length, block + LOG_BLOCK);
    while (pos + 7 <= end) {
      const length = file[pos + 4]! | (file[pos + 5]! << 8);
      const type = file[pos + 6]!;
      if (type === 0 && length === 0) break; // zeroed tail of a preallocated block
      if (pos + 7 + length > end) {
        damaged++;
        parts = undefined;
        break;
      }
      const expected = unmask(u32le(file, pos));
      if (crc32c(file.subarray(pos + 6, pos + 7 + length)) !== expected) {
        damaged++; // as LevelDB's log reader: drop the rest of this block
        parts = undefined;
        break;
      }
      const payload = file.subarray(pos + 7, pos + 7 + length);
      pos += 7 + length;
      if (type === 1) {
        records.push(payload);
        parts = undefined;
      } else if (type === 2) {
        parts = [payload];
      } else if (type === 3) {
        parts?.push(payload);
      } else if (type === 4) {
        if (parts) {
          parts.push(payload);
          records.push(Buffer.concat(parts));
        }
        parts = undefined;
      }
    }
  }
  return { records, damaged };
}

function readLog(file: Uint8Array, versions: Versions): number {
  const { records, damaged } = logRecords(file);
  let bad = damaged;
  for (const r of records) {
    try {
      if (r.length < 12) throw new Error('short batch');
      const seq = u64le(r, 0);
      const count = u32le(r, 8);
      const c = new Cursor(r, 12);
      for (let i = 0; i < count; i++) {
        const type = c.u8();
        const key = c.take(c.varint()).slice();
        if (type === 1)
          versions.add({ key, seq: seq + i, value: c.take(c.varint()).slice(), damaged: false });
        else if (type === 0) versions.add({ key, seq: seq + i, value: undefined, damaged: false });
        else throw new Error('bad batch record type');
      }
    } catch {
      bad++;
    }
  }
  return bad;
}

// --- The manifest ----------------------------------------------------------------------------------------

/** The live table numbers and the oldest live log number, or undefined if the manifest cannot be read. */
async function liveFiles(dir: string): Promise<{ tables: Set<number>; minLog: number } | undefined> {
  try {
    const current = (await readFile(join(dir, 'CURRENT'), 'latin1')).trim();
    if (!/^MANIFEST-\d+$/.test(current)) return undefined;
    const { records, damaged } = logRecords(await readFile(join(dir, current)));
    if (damaged > 0) return undefined;
    const tables = new Set<number>();
    let minLog = 0;
    let prevLog = Number.POSITIVE_INFINITY;
    for (const r of records) {
      const c = new Cursor(r);
      while (c.pos < r.length) {
        const tag = c.varint();
        if (tag === 1) c.take(c.varint());
        else if (tag === 2) minLog = c.varint();
        else if (tag === 3 || tag === 4) c.varint();
        else if (tag === 9) prevLog = c.varint();
        else if (tag === 5) {
          c.varint();
          c.take(c.varint());
        } else if (tag === 6) {
          c.varint();
          tables.delete(c.varint());
        } else if (tag === 7) {
          c.varint();
          const n = c.varint();
          c.varint();
          c.take(c.varint());
          c.take(c.varint());
          tables.add(n);
        } else return undefined;
      }
    }
    return { tables, minLog: Math.min(minLog, prevLog || minLog) };
  } catch {
    return undefined;
  }
}

/**
 * Every key of the LevelDB database in directory `dir` that can still be read, at its newest version, with
 * no LevelDB code involved. The database must not be written meanwhile (hold the datadir lock).
 */
export async function salvageLevelDb(dir: string): Promise<Salvage> {
  const live = await liveFiles(dir);
  const versions = new Versions();
  let damagedBlocks = 0;
  let files = 0;
  for (const name of (await readdir(dir)).sort()) {
    const m = /^(\d+)\.(ldb|sst|log)$/.exec(name);
    if (!m) continue;
    const n = Number(m[1]);
    const isLog = m[2] === 'log';
    if (live && (isLog ? n < live.minLog : !live.tables.has(n))) continue; // obsolete: left by a crash
    const bytes = await readFile(join(dir, name));
    files++;
    damagedBlocks += isLog ? readLog(bytes, versions) : readTable(bytes, versions);
  }
  return { records: versions.records(), damagedBlocks, files, manifest: live !== undefined };
}
