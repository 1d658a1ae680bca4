// Block time rules. A header's time is chosen by its miner, so it is bounded on both sides: not before
// the recent past of the chain (median-time-past) and not too far ahead of the validating node's clock.
// The clock is an argument (`now`): this module never reads it.
import { RuleError } from './errors.js';
import type { ChainParams } from './types.js';

/** How many recent blocks the median-time-past is taken over (Core: CBlockIndex::nMedianTimeSpan). */
export const MEDIAN_TIME_SPAN = 11;

/**
 * The median of the last (up to) 11 block times given, oldest first (Core: CBlockIndex::GetMedianTimePast).
 * A median, not the parent's time, because miners' clocks disagree and single timestamps may be out of
 * order; the median of 11 only moves forward when most recent miners agree time has passed. With fewer
 * than 11 blocks (near genesis) it is the median of those there are: element ⌊n/2⌋ of the sorted list.
 */
export function medianTimePast(times: readonly number[]): number {
  if (times.length === 0) throw new RangeError('medianTimePast needs at least one block time');
  const recent = times.slice(-MEDIAN_TIME_SPAN).sort((a, b) => a - b);
  return recent[Math.floor(recent.length / 2)]!;
}

/**
 * A header's time must be after the median-time-past of its parent chain and at most
 * `params.maxFutureBlockTime` seconds ahead of this node's clock (Core: ContextualCheckBlockHeader's
 * "time-too-old" and "time-too-new").
 *
 * Why the future limit scales with the block spacing: Bitcoin allows 2 hours at 10-minute blocks, about
 * 12 blocks' worth. ASERT makes the target easier the further a block's time is ahead of schedule, so
 * a miner who stamps a block with a time far in the future mines it at a cheaper difficulty. A fixed
 * 2 hours on a chain with 10-second blocks would be 720 blocks' worth of "lateness" to exploit; a limit
 * of a dozen spacings keeps the gain as small as Bitcoin's.
 *
 * A too-new block is not invalid forever: once the node's clock catches up it may be perfectly fine.
 * Callers must therefore ignore it (do not cache it as invalid, do not punish the peer as for an
 * invalid block), unlike every other rule here.
 */
export function checkBlockTime(time: number, mtp: number, now: number, params: ChainParams): void {
  if (time <= mtp) {
    throw new RuleError(
      'TIME_TOO_OLD',
      `block time ${time} is not after the median of the last 11 blocks (${mtp})`,
    );
  }
  if (time > now + params.maxFutureBlockTime) {
    throw new RuleError(
      'TIME_TOO_NEW',
      `block time ${time} is more than ${params.maxFutureBlockTime} s ahead of this node's clock (${now})`,
    );
  }
}
