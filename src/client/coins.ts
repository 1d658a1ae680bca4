// Amounts as people read them. On the chain an amount is an integer of base units (1 coin = 100,000,000,
// Core's COIN); both CLIs print it as decimal coins, exactly, through bigint arithmetic only.
import { COIN } from '../consensus/types.js';
import { grouped } from './format.js';

/** Decimal places of a coin: 1 base unit = 0.00000001 coin. */
export const COIN_DECIMALS = 8;

/** Base units as decimal coins with no trailing zeros: 150000000n → "1.5", 1n → "0.00000001". */
export function formatCoins(units: bigint): string {
  if (units < 0n) throw new RangeError(`cannot format a negative amount: ${units}`);
  const whole = units / COIN;
  const fraction = (units % COIN).toString().padStart(COIN_DECIMALS, '0').replace(/0+$/, '');
  return fraction.length === 0 ? whole.toString() : `${whole}.${fraction}`;
}

/** formatCoins with the whole part grouped by thousands, for people: "1,000,012.5". Not parseable input. */
export function groupedCoins(units: bigint): string {
  const fraction = formatCoins(units).split('.')[1];
  const whole = grouped(units / COIN);
  return fraction === undefined ? whole : `${whole}.${fraction}`;
}
