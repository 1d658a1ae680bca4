// Numbers as a learner reads them. Work is a bigint that passes 2^53 quickly: never through Number
// for comparison, only for the few significant digits shown.

/** 12345678901234567890n → "1.23e19"; small values in full ("48,213"). */
export function formatWork(work: bigint): string {
  const neg = work < 0n;
  const digits = (neg ? -work : work).toString();
  const sign = neg ? '−' : '';
  if (digits.length <= 6) return sign + Number(digits).toLocaleString('en-US');
  return `${sign}${digits[0]}.${digits.slice(1, 3)}e${digits.length - 1}`;
}

/** Core's GetBlockProof: work = 2^256 / (target + 1). */
export function workOfTarget(target: bigint): bigint {
  return (1n << 256n) / (target + 1n);
}

/** The compact `bits` (hex) as a 256-bit target (Core: arith_uint256::SetCompact; no sign or overflow here). */
export function targetOfBits(bitsHex: string): bigint {
  const bits = Number.parseInt(bitsHex, 16);
  const size = bits >>> 24;
  const mantissa = BigInt(bits & 0x007fffff);
  return size <= 3 ? mantissa >> BigInt(8 * (3 - size)) : mantissa << BigInt(8 * (size - 3));
}

export function shortHash(hash: string): string {
  return `${hash.slice(0, 8)}…`;
}

/** A stable colour per miner address: hue from a string hash. */
export function colourOf(key: string): string {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return `hsl(${h % 360} 65% 55%)`;
}

/** The fields of an `attack` event (scripts/devnet/attack/narrator.ts, docs/ATTACKS.md "Events") the log shows. */
export interface AttackLogEvent {
  readonly scenario: string;
  readonly kind: 'start' | 'step' | 'result';
  readonly title: string;
  readonly outcome?: string;
}

/** One log line for an attack event: "double-spend: The payment has 2 confirmations", the result marked. */
export function attackLogText(e: AttackLogEvent): string {
  const head = e.kind === 'result' ? `${e.scenario} result (${e.outcome ?? 'measured'})` : e.scenario;
  return `${head}: ${e.title}`;
}
