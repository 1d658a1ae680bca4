// Which chain the wallet signs for, and where the node is.
//
// A signature commits to the genesis hash (docs/PROTOCOL.md), so the wallet must know the chain:
// - online (`send`), it asks the node: GET /status → "genesisHash", and signs for exactly that chain;
// - offline (`sign`), it computes the genesis hash from a genesis file: `--genesis FILE`, or `--regtest`
//   (the built-in regtest variant of that file), by default the genesis.json shipped with Cairn.
// Addresses are parsed with the chain's prefix (params.addressPrefix: "cairn" on the devnet and regtest).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isRuleError } from '../src/consensus/errors.js';
import { loadChainParams, regtestParams } from '../src/consensus/params.js';
import type { ChainParams } from '../src/consensus/types.js';
import { defaultGenesisPath } from '../src/util/package-files.js';
import { badInput } from './errors.js';

export { DEFAULT_API, resolveApiUrl } from '../src/client/api-url.js';
export { defaultGenesisPath, packageRoot } from '../src/util/package-files.js';

export interface ChainChoice {
  readonly genesis?: string | undefined;
  readonly regtest?: boolean | undefined;
}

/** Load the chain params of `--genesis FILE` (default: Cairn's genesis.json), or its regtest variant. */
export function loadParams(choice: ChainChoice = {}): ChainParams {
  const path = resolve(choice.genesis ?? defaultGenesisPath());
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as { code?: string }).code ?? 'unreadable';
    throw badInput('BAD_GENESIS', `cannot read the genesis file ${path} (${why})`);
  }
  try {
    const params = loadChainParams(text);
    return choice.regtest ? regtestParams(params) : params;
  } catch (e) {
    if (isRuleError(e)) throw badInput('BAD_GENESIS', `${path}: ${e.message}`);
    throw e;
  }
}
