// Files shipped in Cairn's package, found from wherever the code runs: src/ under tsx, or dist/ when
// built. Shared by the node and the wallet (which may import only consensus code and utilities).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest directory above this module holding Cairn's package.json and genesis.json. */
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
