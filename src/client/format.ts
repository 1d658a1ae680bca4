// Words for people, shared by both CLIs so they say things the same way.

/** "1 confirmation", "2 confirmations", "0 txs"; `many` for irregular plurals. */
export function plural(n: number | bigint, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 || n === 1n ? one : many}`;
}

/** A rate with an SI prefix: 1234567 → "1.23 M" + unit ("1.23 MH/s"). */
export function formatRate(perSecond: number, unit: string): string {
  const prefixes = ['', 'k', 'M', 'G', 'T'];
  let value = Math.max(0, perSecond);
  let i = 0;
  while (value >= 1000 && i < prefixes.length - 1) {
    value /= 1000;
    i++;
  }
  const digits = value >= 100 || i === 0 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${prefixes[i]}${unit}`;
}

/** A whole number grouped by thousands, as the amounts are: 1234567 → "1,234,567". */
export function grouped(n: number | bigint): string {
  return n.toString().replace(/\B(?=(\d{3})+$)/g, ',');
}

/** A duration for an ETA or a summary: "0.4 s", "42 s", "3 min 5 s", "2 h 10 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
