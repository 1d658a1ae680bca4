// Write a whole file or nothing. The data go to a temporary file in the same directory (so the rename
// cannot cross file systems), which is flushed to disk (fsync) and then renamed over the final name; the
// directory is fsynced last, so that the rename itself survives a power cut. rename(2) replaces the
// target atomically (POSIX), so a reader sees either the old file or the new one, never half of one, and
// a crash or a full disk leaves at worst a stray temporary file, which this removes when it can.
// Core: the same dance in `FileCommit` + `RenameOver` + `DirectoryCommit` (src/util/fs_helpers.cpp).
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Permission bits of the new file (default 0o666 before the umask, like writeFile). */
  readonly mode?: number;
}

/**
 * Writes `data` to `path` atomically (see the top of this file). Throws the file system's error (with its
 * `code`, e.g. ENOENT when the directory is missing) after removing the temporary file.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = dirname(path);
  // A dot-name ending in .tmp: no reader that looks for `*.json` mistakes it for the real file.
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // O_EXCL: never write through a file (or symlink) that someone else put at the temporary name.
    const handle = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
      options.mode ?? 0o666,
    );
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => {});
    throw e;
  }
  await fsyncDir(dir);
}

/** fsync a directory, so that a rename in it is on disk. */
async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
