// Option parsers and shared helpers for the `cairn` commands.

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { decodeAddress } from '../consensus/address.js';
import type { ChainParams } from '../consensus/types.js';
import { loadParams } from '../node/params.js';
import { CliError } from './exit-codes.js';

export interface ChainFlags {
  readonly datadir?: string;
  readonly regtest?: boolean;
  readonly genesis?: string;
}

export function chainParams(flags: ChainFlags): ChainParams {
  try {
    return loadParams({ genesis: flags.genesis, regtest: flags.regtest });
  } catch (e) {
    if (e instanceof Error && !('code' in e)) throw new CliError(e.message);
    throw e;
  }
}

/** --datadir, defaulting to ~/.cairn/<network> so two chains never share a directory. */
export function datadir(flags: ChainFlags, params: ChainParams): string {
  return resolve(flags.datadir ?? join(homedir(), '.cairn', params.network));
}

/** A strictly positive integer option (blocks, threads, ports…), with a clear message otherwise. */
export function positiveInt(name: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`--${name} must be a whole number from 1 to ${max}.`);
    }
    return Number(value);
  };
}

/** A TCP port: 0 (pick a free one) to 65535. */
export function port(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) > 65535) {
      throw new InvalidArgumentError(`--${name} must be a port number from 0 to 65535.`);
    }
    return Number(value);
  };
}

export function address(text: string, params: ChainParams): Uint8Array {
  return decodeAddress(text, params.addressPrefix);
}
