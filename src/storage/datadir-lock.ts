// The datadir lock: one Cairn process per datadir, for as long as it has the chain database open
// (docs/STORAGE.md "The datadir lock": a second node on the same datadir fails with a clear error).
//
// Correctness comes from LevelDB's own LOCK file (DIR/chain/LOCK): LevelDB takes an fcntl() lock on it when
// the database opens and refuses a second opener, in this process or any other. It is an OS lock, so the
// kernel drops it when the holder dies, even by kill -9: a crash can never leave the datadir locked.
// (Core: LockDirectory on DIR/.lock, also an fcntl lock, for the same reason.)
//
// DIR/LOCK.pid only makes the error useful: it names the holder's pid. It is never trusted for locking. A
// stale pid file left by kill -9 is simply overwritten by the next process that gets the real lock.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { datadirUnusable, StorageError } from './errors.js';

/** Name of the pid file in the datadir. */
export const PID_FILE = 'LOCK.pid';

export class DatadirLockedError extends StorageError {
  override readonly name = 'DatadirLockedError';

  constructor(
    readonly dir: string,
    /** The holder's pid as recorded in DIR/LOCK.pid, if it could be read. */
    readonly pid: number | undefined,
    options?: { cause?: unknown },
  ) {
    const who =
      pid === undefined
        ? 'another Cairn process (pid unknown)'
        : pid === process.pid
          ? `this Cairn process (pid ${pid}), which already has it open`
          : `another Cairn process (pid ${pid})`;
    super('DATADIR_LOCKED', `datadir ${dir} is in use by ${who}`, options);
  }
}

/** A held datadir lock. The OS lock itself belongs to the database; this owns the pid file. */
export interface DatadirLock {
  readonly dir: string;
  /** Remove the pid file. Call before closing the database, so the next holder's file is never removed. */
  release(): Promise<void>;
}

/**
 * Open `db`, whose LevelDB LOCK is the datadir's lock, and record our pid in DIR/LOCK.pid.
 * If another opener holds it, throw DatadirLockedError naming the dir and that opener's pid.
 */
export async function lockDatadir(dir: string, db: { open(): Promise<void> }): Promise<DatadirLock> {
  try {
    await db.open();
  } catch (e) {
    if (isLevelLocked(e)) throw new DatadirLockedError(dir, await readPid(dir), { cause: e });
    throw datadirUnusable(
      `the chain database in ${dir}`,
      e,
      'it does not open, so nothing in it can be read; move the datadir away (keep it for a bug report) and start again to sync the chain from peers',
    );
  }
  const pidFile = join(dir, PID_FILE);
  await writeFile(pidFile, `${process.pid}\n`);
  let released = false;
  return {
    dir,
    async release() {
      if (released) return;
      released = true;
      // Only our own record: never delete a file we did not write.
      if ((await readPid(dir)) === process.pid) await rm(pidFile, { force: true });
    },
  };
}

/**
 * level v10 reports a held LOCK as LEVEL_DATABASE_NOT_OPEN whose `cause` has code LEVEL_LOCKED
 * ("IO error: lock DIR/chain/LOCK: already held by process").
 */
export function isLevelLocked(e: unknown): boolean {
  const err = e as { code?: unknown; cause?: { code?: unknown } } | null;
  return err?.code === 'LEVEL_LOCKED' || err?.cause?.code === 'LEVEL_LOCKED';
}

/** The pid recorded in DIR/LOCK.pid, or undefined if there is no readable one. */
export async function readPid(dir: string): Promise<number | undefined> {
  try {
    const text = (await readFile(join(dir, PID_FILE), 'utf8')).trim();
    const pid = Number(text);
    return /^[0-9]+$/.test(text) && Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
