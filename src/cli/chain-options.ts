// The chain a datadir command (start, mine, reindex) works on, from its flags. Loaded inside the actions,
// so the read commands never load the consensus code.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeAddress } from '../consensus/address.js';
import { isRuleError } from '../consensus/errors.js';
import type { ChainParams } from '../consensus/types.js';
import { loadParams } from '../node/params.js';
import { CliError } from './exit-codes.js';
import type { ChainFlags } from './options.js';

export function chainParams(flags: ChainFlags): ChainParams {
  try {
    return loadParams({ genesis: flags.genesis, regtest: flags.regtest });
  } catch (e) {
    if (e instanceof Error && !('code' in e)) throw new CliError(e.message, undefined, 'BAD_GENESIS');
    throw e;
  }
}

/** --datadir, defaulting to ~/.cairn/<network> so two chains never share a directory. */
export function datadir(flags: ChainFlags, params: ChainParams): string {
  return resolve(flags.datadir ?? join(homedir(), '.cairn', params.network));
}

export function address(text: string, params: ChainParams): Uint8Array {
  try {
    return decodeAddress(text, params.addressPrefix);
  } catch (e) {
    if (isRuleError(e)) throw new CliError(e.message, undefined, e.code);
    throw e;
  }
}
