// The wallet directory: where keystores and the per-wallet sent logs live.
//
//   <dir>/                   mode 0700 (created by the wallet)
//     alice.json             the keystore of wallet "alice", mode 0600 (wallet/keystore.ts)
//     alice.sent.jsonl       one JSON line per tx `send` submitted or `sign` produced (history)
//
// Writes of keystores are atomic: the file is written under a temporary name in the same directory,
// flushed to disk (fsync), then renamed over the final name, and the directory itself is fsynced. A
// crash or a full disk leaves either no keystore or a whole one, never half a key. (Core writes its
// wallet through SQLite/BerkeleyDB transactions for the same reason.)
import { mkdir, open, readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic as atomicWrite } from '../src/util/atomic-write.js';
import { badInput, WalletError } from './errors.js';
import { type KeystoreFile, parseKeystore, serializeKeystore } from './keystore.js';

/** `--wallet-dir`, else env CAIRN_WALLET_DIR, else ~/.cairn/wallets. */
export function resolveWalletDir(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const dir = option ?? env.CAIRN_WALLET_DIR;
  return resolve(dir && dir.length > 0 ? dir : join(homedir(), '.cairn', 'wallets'));
}

/**
 * Wallet names are file names, so they are restricted to letters, digits, "_" and "-" (1 to 64, starting
 * with a letter or digit): no path separators, no dots, nothing a shell would need quoted.
 */
export function checkName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name)) {
    throw badInput(
      'BAD_NAME',
      `wallet name ${JSON.stringify(name.slice(0, 80))} is not allowed: use 1 to 64 letters, digits, "_" or "-", starting with a letter or digit`,
    );
  }
  return name;
}

export function keystorePath(dir: string, name: string): string {
  return join(dir, `${checkName(name)}.json`);
}

function sentLogPath(dir: string, name: string): string {
  return join(dir, `${checkName(name)}.sent.jsonl`);
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

function ioError(what: string, e: unknown): WalletError {
  const reason = e instanceof Error ? e.message : String(e);
  return new WalletError('FAILED', 'IO_ERROR', `${what}: ${reason}`);
}

export async function walletExists(dir: string, name: string): Promise<boolean> {
  try {
    await stat(keystorePath(dir, name));
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw ioError(`cannot look for wallet "${name}"`, e);
  }
}

function noSuchWallet(dir: string, name: string): WalletError {
  return badInput(
    'NO_SUCH_WALLET',
    `no wallet named "${name}" in ${dir} (see \`cairn-wallet list\`, or create it with \`cairn-wallet create ${name}\`)`,
  );
}

/** Read and check the keystore of `name`. Throws NO_SUCH_WALLET or CORRUPT_KEYSTORE. */
export async function readKeystore(dir: string, name: string): Promise<KeystoreFile> {
  let text: string;
  try {
    text = await readFile(keystorePath(dir, name), 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) throw noSuchWallet(dir, name);
    throw ioError(`cannot read the keystore of wallet "${name}"`, e);
  }
  return parseKeystore(text, name);
}

/** Create the directory with mode 0700 if it does not exist (an existing directory is left as it is). */
async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw ioError(`cannot create the wallet directory ${dir}`, e);
  }
}

/**
 * Write `data` to `path` atomically with `mode` (src/util/atomic-write.ts: temp file in the same
 * directory, fsync, rename, fsync the directory). `dir` must be the directory of `path`. A failure becomes
 * the wallet's IO_ERROR.
 */
export async function writeFileAtomic(path: string, dir: string, data: string, mode: number): Promise<void> {
  try {
    // The temp file lives beside `path`: a `dir` that is not its directory is a caller's mistake.
    if (resolve(dirname(path)) !== resolve(dir)) throw new Error(`${path} is not in ${dir}`);
    await atomicWrite(path, data, { mode });
  } catch (e) {
    throw ioError(`cannot write ${path}`, e);
  }
}

/** Write a NEW keystore; refuses (WALLET_EXISTS) to replace an existing one. */
export async function writeNewKeystore(dir: string, ks: KeystoreFile): Promise<string> {
  const path = keystorePath(dir, ks.name);
  if (await walletExists(dir, ks.name)) throw walletAlreadyExists(dir, ks.name);
  await ensureDir(dir);
  await writeFileAtomic(path, dir, serializeKeystore(ks), 0o600);
  return path;
}

export function walletAlreadyExists(dir: string, name: string): WalletError {
  return badInput(
    'WALLET_EXISTS',
    `a wallet named "${name}" already exists in ${dir}; choose another name (nothing was changed)`,
  );
}

export interface WalletListing {
  readonly name: string;
  readonly address: string | null;
  /** Why the keystore could not be read, if it could not. */
  readonly problem: string | null;
}

/** Every keystore in the directory, by name; unreadable ones are listed with their problem. */
export async function listWallets(dir: string): Promise<WalletListing[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return [];
    throw ioError(`cannot list ${dir}`, e);
  }
  const names = entries
    .filter((f) => f.endsWith('.json') && /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\.json$/.test(f))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
  const out: WalletListing[] = [];
  for (const name of names) {
    try {
      const ks = await readKeystore(dir, name);
      out.push({ name, address: ks.address, problem: null });
    } catch (e) {
      if (!(e instanceof WalletError)) throw e;
      out.push({ name, address: null, problem: e.message });
    }
  }
  return out;
}

/** One line of a wallet's sent log. Public data only: the raw tx is already public once broadcast. */
export interface SentRecord {
  readonly id: string;
  readonly kind: 'sent' | 'signed';
  readonly to: string;
  readonly amount: string; // base units, decimal
  readonly fee: string; // base units, decimal
  readonly nonce: string;
  readonly network: string | null;
  readonly time: string; // ISO 8601
  readonly raw: string;
}

/** Append one record to the wallet's sent log (created with mode 0600), flushed to disk. */
export async function appendSentLog(dir: string, name: string, record: SentRecord): Promise<void> {
  try {
    const handle = await open(sentLogPath(dir, name), 'a', 0o600);
    try {
      await handle.appendFile(`${JSON.stringify(record)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw ioError(`cannot write the sent log of wallet "${name}"`, e);
  }
}

/**
 * The wallet's sent log, oldest first. A torn last line (a crash mid-append) or a line that is not a
 * record is skipped rather than making the whole history unreadable.
 */
export async function readSentLog(dir: string, name: string): Promise<SentRecord[]> {
  let text: string;
  try {
    text = await readFile(sentLogPath(dir, name), 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return [];
    throw ioError(`cannot read the sent log of wallet "${name}"`, e);
  }
  const records: SentRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as Partial<SentRecord>;
      const digits = (v: unknown) => typeof v === 'string' && /^[0-9]{1,20}$/.test(v);
      if (
        typeof r.id === 'string' &&
        /^[0-9a-f]{64}$/.test(r.id) &&
        typeof r.raw === 'string' &&
        typeof r.to === 'string' &&
        digits(r.amount) &&
        digits(r.fee) &&
        digits(r.nonce)
      ) {
        records.push(r as SentRecord);
      }
    } catch {
      // skipped: see above
    }
  }
  return records;
}
