// Amounts typed by people are decimal coins; amounts on the chain are integers of base units
// (1 coin = 100,000,000 base units, docs/ARCHITECTURE.md §5, like Bitcoin's satoshi: Core's COIN).
//
// The conversion is exact string arithmetic on bigints, never through a JavaScript number: 0.1 + 0.2 is
// 0.30000000000000004 in floating point, and 2^53 base units (~90 million coins) is where a double stops
// counting whole units. A wallet that rounds is a wallet that sends the wrong amount.
//
// The accepted syntax is deliberately narrow: digits, optionally a dot and 1 to 8 more digits. No sign,
// no exponent ("1e3"), no separators, no spaces, no leading or trailing dot. Anything else is refused with
// a message naming the problem, so a typo can never turn into a different amount.
import { COIN_DECIMALS, formatCoins } from '../src/client/coins.js';
import { COIN, MAX_U64 } from '../src/consensus/types.js';
import { badInput, quote } from './errors.js';

export { COIN_DECIMALS, formatCoins, groupedCoins } from '../src/client/coins.js';

/** Longer input than this cannot be a u64 of base units (20 digits + dot + 8), so it is refused early. */
const MAX_TEXT = 40;

export interface ParseCoinsOptions {
  /** What the number is, for the message ("amount", "fee"). */
  readonly what?: string;
  /** A fee may be 0 (the node's policy may still refuse it); a transfer amount may not (rule: amount >= 1). */
  readonly allowZero?: boolean;
}

/** Parse decimal coins ("1", "0.5", "1.00000001") into base units, exactly. Throws BAD_AMOUNT. */
export function parseCoins(text: string, options: ParseCoinsOptions = {}): bigint {
  const what = options.what ?? 'amount';
  const fail = (why: string) => badInput('BAD_AMOUNT', `${what} ${quote(text)} ${why}`);
  if (text.length === 0) throw badInput('BAD_AMOUNT', `${what} is empty: give a number of coins such as 0.5`);
  if (text.startsWith('-')) throw fail('is negative; amounts are at least 0.00000001 coin');
  if (/^[0-9.+]*[eE][0-9+-]*$/.test(text)) {
    throw fail('uses exponent notation; write the number out in full, e.g. 1000 or 0.001');
  }
  const match = /^([0-9]+)(?:\.([0-9]+))?$/.exec(text);
  if (!match) throw fail('is not a number of coins; write it like 1, 0.5 or 1.00000001');
  const whole = match[1]!;
  const fraction = match[2] ?? '';
  if (fraction.length > COIN_DECIMALS) {
    throw fail(
      `has ${fraction.length} decimal places; a coin has at most ${COIN_DECIMALS} (1 base unit = 0.00000001)`,
    );
  }
  if (text.length > MAX_TEXT) throw fail(`is larger than the most a u64 can hold (${formatCoins(MAX_U64)})`);
  const units = BigInt(whole) * COIN + BigInt(fraction.padEnd(COIN_DECIMALS, '0'));
  if (units > MAX_U64) throw fail(`is larger than the most a u64 can hold (${formatCoins(MAX_U64)})`);
  if (units === 0n && !options.allowZero) throw fail('is zero; send at least 0.00000001 coin');
  return units;
}
