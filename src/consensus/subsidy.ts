// The block subsidy: new coins a block's miner is credited with (besides the fees of its txs). It halves
// every `halvingInterval` blocks, so the total supply converges to about 2 × initialSubsidy ×
// halvingInterval, as in Bitcoin.
import type { ChainParams } from './types.js';

/** A right shift by 64 or more would clear any u64 amount: from then on the subsidy is simply zero. */
const MAX_HALVINGS = 64;

/**
 * The subsidy of the block at `height` (Core: GetBlockSubsidy): initialSubsidy >> ⌊height /
 * halvingInterval⌋, and 0 after 64 halvings. Core guards the shift because shifting an int64 by 64 or
 * more is undefined behaviour in C++; bigint has no such trap, but the rule is kept so both agree.
 * Genesis (height 0) pays nothing: its coins are the allocations in genesis.json.
 */
export function blockSubsidy(height: number, params: ChainParams): bigint {
  if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`invalid block height ${height}`);
  if (height === 0) return 0n;
  const halvings = Math.floor(height / params.halvingInterval);
  if (halvings >= MAX_HALVINGS) return 0n;
  return params.initialSubsidy >> BigInt(halvings);
}
