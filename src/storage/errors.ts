// Storage errors are data too, like RuleError: a stable `code` to match on and a message for a human. They
// are not consensus failures, so they are not RuleErrors: a corrupt record or a locked datadir says
// nothing about whether a block is valid.
import type { DecodeErrorFactory } from '../consensus/binary.js';

export type StorageErrorCode =
  /** another process (or this one) already has the datadir open */
  | 'DATADIR_LOCKED'
  /**
   * the datadir or a file in it cannot be used: the path is a file, a directory is not writable, the
   * database does not open (damaged beyond what LevelDB repairs on open), the peer key is unreadable
   */
  | 'DATADIR_UNUSABLE'
  /** the datadir was written by a newer Cairn with a storage schema this build does not know */
  | 'SCHEMA_TOO_NEW'
  /** the datadir has an older schema and no migration exists for it */
  | 'SCHEMA_TOO_OLD'
  /** a stored record does not decode: disk corruption or a bug in whoever wrote it */
  | 'CORRUPT_RECORD'
  /** a caller passed a value that cannot be stored (wrong length, out of range) */
  | 'BAD_ARGUMENT'
  /** a ChainBatch was written twice */
  | 'BATCH_WRITTEN';

/**
 * Where a damaged record belongs, when the reader knows: the block's height and hash (hex). A CORRUPT_RECORD
 * about a block names both, so an operator (and `cairn reindex`) can tell which block to fetch again.
 */
export interface RecordLocation {
  readonly height?: number;
  readonly hash?: string;
}

export class StorageError extends Error {
  override readonly name: string = 'StorageError';
  readonly height: number | undefined;
  readonly hash: string | undefined;

  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown } & RecordLocation,
  ) {
    super(message, options);
    this.height = options?.height;
    this.hash = options?.hash;
  }
}

export function isStorageError(e: unknown): e is StorageError {
  return e instanceof StorageError;
}

/** True for a StorageError('CORRUPT_RECORD'): the datadir holds a record that is not what its key says. */
export function isCorruptRecord(e: unknown): e is StorageError {
  return e instanceof StorageError && e.code === 'CORRUPT_RECORD';
}

/** DATADIR_UNUSABLE for `what` (a path and what it is), with the operating system's or LevelDB's reason. */
export function datadirUnusable(what: string, cause: unknown, advice: string): StorageError {
  const e = cause as { code?: unknown; message?: unknown; cause?: { message?: unknown } } | null;
  // level wraps the real reason ("Corruption: CURRENT file does not end with newline") in its cause.
  const inner = typeof e?.cause?.message === 'string' ? `: ${e.cause.message}` : '';
  const why = `${typeof e?.message === 'string' ? e.message : String(cause)}${inner}`;
  return new StorageError('DATADIR_UNUSABLE', `${what} is unusable (${why}): ${advice}`, { cause });
}

/** The Reader's error for a stored record: a value that does not decode is CORRUPT_RECORD, naming it. */
export function corruptRecord(what: string): DecodeErrorFactory {
  return (why) => new StorageError('CORRUPT_RECORD', `stored ${what} is corrupt: ${why}`);
}

/** The Writer's error for a value that cannot be stored: BAD_ARGUMENT, so it never reaches disk. */
export function badArgument(what: string): DecodeErrorFactory {
  return (why) => new StorageError('BAD_ARGUMENT', `${what} cannot be stored: ${why}`);
}
