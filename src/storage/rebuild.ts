// `cairn reindex`'s first step when LevelDB's own files are damaged: copy what can still be read into a
// fresh database and swap it in (docs/STORAGE.md "Recovery").
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import type { Db } from './chain-batch.js';
import { type DatadirLock, lockDatadir } from './datadir-lock.js';
import { levelCorruptionIn } from './integrity.js';
import { CHAIN_DB_DIR, SUBLEVEL } from './layout.js';
import { salvageLevelDb } from './salvage.js';

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
export async function rebuildDatabase(
  dir: string,
): Promise<{ copied: number; lost: number; damagedBlocks: number }> {
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

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}
