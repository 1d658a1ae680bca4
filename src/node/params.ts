// Which chain a node runs: the default genesis.json shipped with Cairn, a file given with --genesis, or
// the built-in regtest variant of either (--regtest).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadChainParams, regtestParams } from '../consensus/params.js';
import type { ChainParams } from '../consensus/types.js';
import { defaultGenesisPath } from '../util/package-files.js';

export { defaultGenesisPath, packageRoot, packageVersion } from '../util/package-files.js';

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
