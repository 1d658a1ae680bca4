// Generate the devnet's genesis.json: `node --import tsx scripts/gen-genesis.ts [OUT]` prints the file
// and writes it (default: genesis.json at the repository root). The output is fully determined by the
// constants below and the well-known dev keys, so anyone can regenerate it and get the same bytes (a
// test checks that the committed file matches).
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { genesisJson, makeChainParams } from '../src/consensus/params.js';
import { COIN } from '../src/consensus/types.js';
import { devKeys } from '../wallet/dev-keys.js';

/** The text of the devnet's genesis.json. */
export function devnetGenesisText(): string {
  const params = makeChainParams({
    network: 'cairn-devnet',
    addressPrefix: 'cairn',
    genesisTime: 1764115200, // 2025-11-26T00:00:00Z
    targetSpacing: 10, // seconds: blocks come often enough to watch forks happen
    asertHalfLife: 300, // 30 blocks: difficulty adapts within minutes when miners join or leave
    // Target 0x040000 · 2^(8·(0x1e − 3)) = 2^234, so a block needs about 2^256 / 2^234 = 4 M hashes:
    // a few seconds on one JS miner core (~1.5 MH/s with the midstate).
    powLimitBits: 0x1e04_0000,
    noRetargeting: false,
    initialSubsidy: 50n * COIN,
    halvingInterval: 100_000,
    maxBlockBytes: 1_000_000,
    maxFutureBlockTime: 120, // 12 blocks' worth, as Bitcoin's 2 h is at 10-minute blocks
    allocations: devKeys().map((k) => ({ address: k.addressHash, amount: 1_000_000n * COIN })),
  });
  return `${JSON.stringify(genesisJson(params), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'genesis.json');
  const text = devnetGenesisText();
  process.stdout.write(text);
  writeFileSync(out, text);
  console.error(`wrote ${out}`);
}
