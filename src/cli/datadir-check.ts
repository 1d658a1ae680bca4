// The check every command that opens a datadir (start, mine, reindex) makes first: the chain stored in it
// must be the chain the flags describe. A regtest datadir replayed under devnet rules would be "corrected"
// into nonsense, so a mismatch stops the command BEFORE anything is written, naming both genesis hashes
// and the flags that would match. (Core keeps one datadir subdirectory per chain for the same reason.)
import { bytesEqual, toHex } from '../consensus/bytes.js';
import type { ChainParams, Hash } from '../consensus/types.js';
import type { ChainStore } from '../storage/index.js';
import { chainParams } from './chain-options.js';
import { CliError, EXIT } from './exit-codes.js';
import type { ChainFlags } from './options.js';

/** Which flags describe the chain whose genesis is `stored`, tried in the order a person most likely meant. */
function matchingFlags(stored: Hash, flags: ChainFlags): string | undefined {
  const candidates: [ChainFlags, string][] = [
    [
      { genesis: flags.genesis, regtest: !flags.regtest },
      flags.regtest ? 'the same flags without --regtest' : '--regtest',
    ],
  ];
  if (flags.genesis !== undefined) {
    candidates.push(
      [{ regtest: false }, 'no --genesis and no --regtest (the devnet of the shipped genesis.json)'],
      [{ regtest: true }, '--regtest and no --genesis'],
    );
  }
  for (const [candidate, words] of candidates) {
    try {
      if (bytesEqual(chainParams(candidate).genesisHash, stored)) return words;
    } catch {
      // a genesis file that cannot be read matches nothing
    }
  }
  return undefined;
}

/** Throws WRONG_CHAIN (exit 5) if `store` holds another chain than `params`; a fresh store passes. */
export async function checkStoredChain(
  store: ChainStore,
  params: ChainParams,
  flags: ChainFlags,
): Promise<void> {
  const stored = await store.getMainHash(0);
  if (stored === undefined || bytesEqual(stored, params.genesisHash)) return;
  const match = matchingFlags(stored, flags);
  throw new CliError(
    `datadir ${store.dir} holds another chain: its genesis is ${toHex(stored)}, but ${params.network} ` +
      `(the chain of these flags) starts at ${toHex(params.genesisHash)}. ` +
      (match
        ? `It matches ${match}: run the command that way, or use another --datadir.`
        : 'Give the --genesis FILE it was made with, or use another --datadir.') +
      ' Nothing was changed',
    EXIT.DATADIR,
    'WRONG_CHAIN',
  );
}

/** Opens the datadir just to run checkStoredChain, and closes it again (for commands that open it later). */
export async function checkDatadirChain(dir: string, params: ChainParams, flags: ChainFlags): Promise<void> {
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { CHAIN_DB_DIR } = await import('../storage/layout.js');
  if (!existsSync(join(dir, CHAIN_DB_DIR))) return; // nothing stored yet: nothing to mismatch
  const { ChainStore } = await import('../storage/index.js');
  const store = await ChainStore.open(dir);
  try {
    await checkStoredChain(store, params, flags);
  } finally {
    await store.close();
  }
}
