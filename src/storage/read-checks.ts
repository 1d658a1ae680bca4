// The checks every ChainStore read goes through: LevelDB's own corruption reports become CORRUPT_RECORD
// naming what was being read, header records are checked against their key (integrity.ts), and the Buffers
// classic-level returns are re-wrapped as plain Uint8Arrays.
import { toHex } from '../consensus/bytes.js';
import { HASH_BYTES } from '../consensus/types.js';
import { decodeHeaderEntry, type HeaderEntry } from './codec.js';
import { StorageError } from './errors.js';
import { headerRecordProblem, isLevelCorruption } from './integrity.js';

/**
 * classic-level returns Node Buffers even for 'view'. A Buffer is a Uint8Array subclass with different
 * slice() semantics and equality, so re-wrap the same memory as a plain Uint8Array (no copy).
 */
export function view(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function optionalView(b: Uint8Array | undefined): Uint8Array | undefined {
  return b === undefined ? undefined : view(b);
}

/** A header-index record, checked against its key (integrity.ts) and decoded (codec.ts). */
export function checkedHeaderEntry(key: Uint8Array, value: Uint8Array): HeaderEntry {
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

/** LevelDB's corruption report while reading `what` as CORRUPT_RECORD; any other failure as it is. */
export function corruptionError(e: unknown, what: string, key?: Uint8Array): unknown {
  if (!isLevelCorruption(e)) return e;
  const hash = key?.length === HASH_BYTES ? toHex(key) : undefined;
  return new StorageError(
    'CORRUPT_RECORD',
    `LevelDB reports damage while reading ${what}${hash ? ` of ${hash}` : ''}: ${(e as Error).message}`,
    { hash, cause: e },
  );
}

export async function damaged<T>(read: Promise<T>, what: string, key?: Uint8Array): Promise<T> {
  try {
    return await read;
  } catch (e) {
    throw corruptionError(e, what, key);
  }
}

export async function* damagedIterator<T>(
  it: AsyncIterable<T>,
  what: string,
): AsyncGenerator<T, void, undefined> {
  try {
    for await (const x of it) yield x;
  } catch (e) {
    throw corruptionError(e, what);
  }
}
