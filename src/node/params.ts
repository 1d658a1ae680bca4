// Which chain a node runs: the default genesis.json shipped with Cairn, a file given with --genesis, or
// the built-in regtest variant of either (--regtest).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadChainParams, regtestParams } from '../consensus/params.js';
import type { ChainParams } from '../consensus/types.js';

/** Cairn's package root (found from src/ under tsx and from dist/src/ when built). */
export function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'genesis.json'))) return dir;
    if (dirname(dir) === dir)
      throw new Error('cannot find the Cairn package root: is the installation intact?');
  }
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** The genesis.json shipped with Cairn: the devnet chain. */
export function defaultGenesisPath(): string {
  return join(packageRoot(), 'genesis.json');
}

export interface ParamsOptions {
  readonly genesis?: string;
  readonly regtest?: boolean;
}

export function loadParams(opts: ParamsOptions = {}): ChainParams {
  const file = opts.genesis ? resolve(opts.genesis) : defaultGenesisPath();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(
      `cannot read genesis file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const params = loadChainParams(text);
  return opts.regtest ? regtestParams(params) : params;
}
