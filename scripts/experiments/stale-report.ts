// The stale-rate experiment's arithmetic and its outputs, kept pure (numbers in, text out) so they are
// tested apart from the devnet that produces the numbers (stale-rate.ts).
//
// The model. Blocks are found as a Poisson process with mean interval T. A block B is found by one
// miner at time t and reaches another miner j Δ_j later. Until then, j still mines on B's parent, and if
// j finds a block in that window the two blocks compete and one of them ends stale. So
//   P(B is raced) = 1 − exp(−Σ_j s_j·Δ_j / T)          (s_j: miner j's share of the hash power)
// which, for a network of many small miners that all learn of B after Δ, is the textbook
//   stale ≈ 1 − e^(−Δ/T)                               (Decker and Wattenhofer 2013; Gervais et al. 2016)
// With N equal miners, the finder is one of them and cannot race itself: Σ_{j≠i} s_j = 1 − 1/N, so
//   stale ≈ 1 − e^(−(1 − 1/N)·Δ/T).
// Both are printed: the paper's formula, and the one for this devnet's few miners. And the curve the
// measurements themselves fit: stale = 1 − e^(−c·Δ/T), with c estimated from all points at once
// (fitCurve): c = 1 is the paper's model, c = 1 − 1/N the few-miners one.
import { staleRateModel, wilsonInterval } from '../lib/odds.js';

/** One (T, link delay) point, as configured. */
export interface PointSpec {
  /** Mean block interval, ms. */
  readonly intervalMs: number;
  /** One-way delay configured on every link, ms (0: unshaped). */
  readonly linkDelayMs: number;
}

/** What one point measured. */
export interface PointResult extends PointSpec {
  readonly miners: number;
  /** Blocks found (mined by the driver) during the point, the tie-breakers excluded. */
  readonly blocks: number;
  /** Of those, not on the final main chain. */
  readonly stale: number;
  /** Per (block, other node): ms from the block being mined to that node having it; p25, p50, p75. */
  readonly propagation: { readonly p25: number; readonly p50: number; readonly p75: number };
  /** Wall-clock time the point ran, s. */
  readonly seconds: number;
}

/** "2000:0,1000:25" → points (T ms : link delay ms). */
export function parsePoints(text: string): PointSpec[] {
  const points = text.split(',').map((part) => {
    const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(part);
    if (!m) throw new Error(`"${part}" is not T:DELAY in ms, e.g. 1000:50`);
    const intervalMs = Number(m[1]);
    const linkDelayMs = Number(m[2]);
    if (intervalMs < 100 || intervalMs > 600_000)
      throw new Error(`T = ${intervalMs} ms: use 100 ms … 10 min`);
    if (linkDelayMs > 10_000) throw new Error(`a link delay of ${linkDelayMs} ms is over 10 s`);
    return { intervalMs, linkDelayMs };
  });
  if (points.length === 0) throw new Error('give at least one point');
  return points;
}

/** The paper's model and the few-miners model at a propagation delay Δ. */
export function models(deltaMs: number, intervalMs: number, miners: number) {
  return {
    paper: staleRateModel(deltaMs, intervalMs),
    fewMiners: staleRateModel(deltaMs * (1 - 1 / miners), intervalMs),
  };
}

export interface PointSummary {
  readonly rate: number;
  readonly low: number;
  readonly high: number;
  /** The 95 % interval is narrower than the rate itself (the bar for "long enough"). */
  readonly narrowEnough: boolean;
  /** The paper's model at Δ = the measured p50. */
  readonly paper: number;
  /** The few-miners model at Δ = p50. */
  readonly fewMiners: number;
  /** The model band: the few-miners model at Δ = p25 … the paper's model at Δ = p75. */
  readonly bandLow: number;
  readonly bandHigh: number;
  /** Whether the measured interval overlaps the band. */
  readonly inBand: boolean;
}

export function summarise(p: PointResult): PointSummary {
  const ci = wilsonInterval(p.stale, Math.max(1, p.blocks));
  const at = models(p.propagation.p50, p.intervalMs, p.miners);
  const bandLow = models(p.propagation.p25, p.intervalMs, p.miners).fewMiners;
  const bandHigh = models(p.propagation.p75, p.intervalMs, p.miners).paper;
  return {
    rate: ci.rate,
    low: ci.low,
    high: ci.high,
    narrowEnough: p.stale > 0 && ci.high - ci.low < ci.rate,
    paper: at.paper,
    fewMiners: at.fewMiners,
    bandLow,
    bandHigh,
    inBand: ci.high >= bandLow && ci.low <= bandHigh,
  };
}

type Align = 'left' | 'right' | 'center';

/**
 * A Markdown table with its columns padded to one width, as the repository's formatter (Biome) lays them
 * out, so a generated docs/EXPERIMENTS.md passes `npm run lint` as written.
 */
export function alignedTable(aligns: readonly Align[], header: readonly string[], rows: readonly string[][]) {
  const len = (t: string) => [...t].length;
  const widths = aligns.map((_, c) => Math.max(3, ...[header, ...rows].map((r) => len(r[c] ?? ''))));
  const pad = (t: string, c: number) => {
    const room = widths[c]! - len(t);
    if (aligns[c] === 'right') return ' '.repeat(room) + t;
    if (aligns[c] === 'center') return ' '.repeat(Math.floor(room / 2)) + t + ' '.repeat(Math.ceil(room / 2));
    return t + ' '.repeat(room);
  };
  const rule = widths.map((w, c) =>
    aligns[c] === 'right'
      ? `${'-'.repeat(w - 1)}:`
      : aligns[c] === 'center'
        ? `:${'-'.repeat(w - 2)}:`
        : `:${'-'.repeat(w - 1)}`,
  );
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header.map(pad)), line(rule), ...rows.map((r) => line(r.map(pad)))].join('\n');
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 2 : 1)} %`;

/** A published measurement: a chain's stale rate at its block interval and median propagation delay. */
export interface LiteraturePoint {
  readonly label: string;
  readonly intervalMs: number;
  readonly delayMs: number;
  readonly stale: number;
  readonly source: string;
}

/**
 * The literature's points. Gervais et al. 2016, Table 1 (median block propagation time and stale rate,
 * measured on the live networks; Ethereum's interval 10–20 s and delay 0.5–0.75 s taken at their middles),
 * and Decker and Wattenhofer 2013 (Bitcoin: mean propagation 12.6 s, observed fork rate 1.69 %).
 */
export const LITERATURE: readonly LiteraturePoint[] = [
  { label: 'Bitcoin', intervalMs: 600_000, delayMs: 8_700, stale: 0.0041, source: 'Gervais et al. 2016' },
  { label: 'Litecoin', intervalMs: 150_000, delayMs: 1_020, stale: 0.00273, source: 'Gervais et al. 2016' },
  { label: 'Dogecoin', intervalMs: 60_000, delayMs: 850, stale: 0.00619, source: 'Gervais et al. 2016' },
  { label: 'Ethereum', intervalMs: 15_000, delayMs: 625, stale: 0.068, source: 'Gervais et al. 2016' },
  {
    label: 'Bitcoin 2013',
    intervalMs: 600_000,
    delayMs: 12_600,
    stale: 0.0169,
    source: 'Decker and Wattenhofer 2013',
  },
];

/** The literature's points beside the model, as a Markdown table. */
export function literatureTable(points: readonly LiteraturePoint[] = LITERATURE): string {
  const rows = points.map((p) => {
    const x = p.delayMs / p.intervalMs;
    return [
      p.label,
      `${p.intervalMs / 1000} s`,
      `${(p.delayMs / 1000).toFixed(2)} s`,
      x.toFixed(4),
      pct(p.stale),
      pct(staleRateModel(p.delayMs, p.intervalMs)),
      (-Math.log1p(-p.stale) / x).toFixed(2),
      p.source,
    ];
  });
  return alignedTable(
    ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    [
      'chain',
      'T',
      'Δ (published)',
      'Δ/T',
      'stale rate (published)',
      'model 1 − e^(−Δ/T)',
      'c implied, −ln(1 − stale)/(Δ/T)',
      'source',
    ],
    rows,
  );
}

/** The curve stale = 1 − e^(−c·Δ/T) that the measured points fit best, with a 95 % interval on c. */
export interface FittedCurve {
  readonly c: number;
  readonly low: number;
  readonly high: number;
  /** The points the fit used (a point with no measured propagation, Δ/T = 0 or NaN, says nothing of c). */
  readonly used: number;
}

/**
 * Fits c by maximum likelihood: point i is n_i blocks of which k_i were stale, each stale with
 * p_i = 1 − e^(−c·x_i) where x_i = Δ_i/T_i (Δ_i the measured propagation p50). The log-likelihood
 *   ℓ(c) = Σ k_i·ln(1 − e^(−c·x_i)) − (n_i − k_i)·c·x_i
 * is concave in c, and its derivative Σ k_i·x_i/(e^(c·x_i) − 1) − (n_i − k_i)·x_i falls from +∞ (when any
 * k_i > 0) to −Σ(n_i − k_i)·x_i, so its root is found by bisection. The interval is c ± 1.96/√I(c), with
 * I(c) = Σ n_i·x_i²/(e^(c·x_i) − 1) the Fisher information (the binomial's n·p′²/(p(1−p))).
 * Undefined (undefined returned) when no point has a stale block or none has a block on the main chain.
 */
export function fitCurve(points: readonly PointResult[]): FittedCurve | undefined {
  const data = points
    .map((p) => ({ x: p.propagation.p50 / p.intervalMs, n: p.blocks, k: p.stale }))
    .filter((d) => Number.isFinite(d.x) && d.x > 0 && d.n > 0);
  const stale = data.reduce((a, d) => a + d.k, 0);
  const fresh = data.reduce((a, d) => a + (d.n - d.k) * d.x, 0);
  if (stale === 0 || fresh === 0) return undefined;
  const slope = (c: number) =>
    data.reduce((a, d) => a + (d.k * d.x) / Math.expm1(c * d.x) - (d.n - d.k) * d.x, 0);
  let lo = 1e-9;
  let hi = 1;
  while (slope(hi) > 0) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (slope(mid) > 0) lo = mid;
    else hi = mid;
  }
  const c = (lo + hi) / 2;
  const info = data.reduce((a, d) => a + (d.n * d.x * d.x) / Math.expm1(c * d.x), 0);
  const half = 1.96 / Math.sqrt(info);
  return { c, low: Math.max(0, c - half), high: c + half, used: data.length };
}

/** One line on the fit, beside the two models' coefficients. */
export function fitLine(points: readonly PointResult[]): string {
  const fit = fitCurve(points);
  const miners = points[0]?.miners ?? 1;
  if (!fit) return 'fitted curve: none (no point has both stale blocks and blocks on the main chain)';
  return (
    `fitted curve: stale = 1 − e^(−c·Δ/T) with c = ${fit.c.toFixed(2)} [95 % ${fit.low.toFixed(2)}, ` +
    `${fit.high.toFixed(2)}] from ${fit.used} point${fit.used === 1 ? '' : 's'}; the paper's model is c = 1, the model with ${miners} ` +
    `equal miners c = ${(1 - 1 / miners).toFixed(2)}`
  );
}

/** Wilson's interval is narrower than the rate only with enough stale blocks: roughly 16 or more. */
export function longEnough(stale: number, blocks: number): boolean {
  if (stale === 0 || blocks === 0) return false;
  const ci = wilsonInterval(stale, blocks);
  return ci.high - ci.low < ci.rate;
}

/** The results as a Markdown table (also readable on a terminal). */
export function markdownTable(points: readonly PointResult[]): string {
  const rows = points.map((p) => {
    const s = summarise(p);
    return [
      `${(p.intervalMs / 1000).toFixed(p.intervalMs % 1000 === 0 ? 0 : 1)} s`,
      `${p.linkDelayMs} ms`,
      `${p.propagation.p50.toFixed(0)} ms (${p.propagation.p25.toFixed(0)}–${p.propagation.p75.toFixed(0)})`,
      String(p.blocks),
      String(p.stale),
      `${pct(s.rate)} [${pct(s.low)}, ${pct(s.high)}]`,
      pct(s.paper),
      `${pct(s.fewMiners)} (N = ${p.miners})`,
      `${pct(s.bandLow)} – ${pct(s.bandHigh)}`,
      s.inBand ? 'yes' : 'no',
    ];
  });
  return alignedTable(
    ['right', 'right', 'right', 'right', 'right', 'left', 'right', 'right', 'left', 'center'],
    [
      'T',
      'link delay (configured)',
      'Δ measured (p50, p25–p75)',
      'blocks',
      'stale',
      'stale rate [95 % CI]',
      'model 1 − e^(−Δ/T)',
      'model, N miners',
      'band',
      'in band',
    ],
    rows,
  );
}

/**
 * The plot: measured stale rate (with its 95 % interval) against Δ/T, over the two model curves.
 * Hand-written SVG, so the script needs no plotting library and the file diffs as text.
 */
export function svgPlot(points: readonly PointResult[], literature: readonly LiteraturePoint[] = []): string {
  const W = 640;
  const H = 420;
  const left = 70;
  const right = 20;
  const top = 30;
  const bottom = 60;
  const xs = points.map((p) => p.propagation.p50 / p.intervalMs);
  const summaries = points.map(summarise);
  const litX = literature.map((l) => l.delayMs / l.intervalMs);
  const xMax = niceCeil(Math.max(0.05, ...xs, ...litX) * 1.15);
  const yMax = niceCeil(
    Math.max(
      0.05,
      ...summaries.map((s) => s.high),
      ...xs.map((x) => 1 - Math.exp(-x)),
      ...literature.map((l) => l.stale),
    ) * 1.1,
  );
  const X = (x: number) => left + (x / xMax) * (W - left - right);
  const Y = (y: number) => H - bottom - (y / yMax) * (H - top - bottom);
  const miners = points[0]?.miners ?? 1;
  const curve = (f: (x: number) => number) =>
    Array.from({ length: 101 }, (_, i) => {
      const x = (i / 100) * xMax;
      return `${i === 0 ? 'M' : 'L'}${X(x).toFixed(1)},${Y(f(x)).toFixed(1)}`;
    }).join(' ');
  const ticks = (max: number) => Array.from({ length: 6 }, (_, i) => (i / 5) * max);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    '<title>Stale rate against Δ/T: measured points, the models and the published chains</title>',
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">Stale blocks against propagation delay / block interval</text>`,
  ];
  for (const t of ticks(xMax)) {
    out.push(
      `<line x1="${X(t).toFixed(1)}" y1="${top}" x2="${X(t).toFixed(1)}" y2="${H - bottom}" stroke="#eee"/>`,
      `<text x="${X(t).toFixed(1)}" y="${H - bottom + 16}" text-anchor="middle">${t.toFixed(2)}</text>`,
    );
  }
  for (const t of ticks(yMax)) {
    out.push(
      `<line x1="${left}" y1="${Y(t).toFixed(1)}" x2="${W - right}" y2="${Y(t).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${left - 6}" y="${(Y(t) + 4).toFixed(1)}" text-anchor="end">${(t * 100).toFixed(0)} %</text>`,
    );
  }
  out.push(
    `<line x1="${left}" y1="${H - bottom}" x2="${W - right}" y2="${H - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${H - bottom}" stroke="black"/>`,
    `<text x="${W / 2}" y="${H - 20}" text-anchor="middle">Δ/T (measured propagation p50 / mean block interval)</text>`,
    `<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">stale rate</text>`,
    `<path d="${curve((x) => 1 - Math.exp(-x))}" fill="none" stroke="#1f77b4" stroke-width="2"/>`,
    `<path d="${curve((x) => 1 - Math.exp(-(1 - 1 / miners) * x))}" fill="none" stroke="#1f77b4" stroke-width="2" stroke-dasharray="6 4"/>`,
  );
  const fit = fitCurve(points);
  if (fit)
    out.push(
      `<path d="${curve((x) => 1 - Math.exp(-fit.c * x))}" fill="none" stroke="#d62728" stroke-width="1.5" stroke-dasharray="2 3"/>`,
    );
  for (const [i, p] of points.entries()) {
    const s = summaries[i]!;
    const x = X(xs[i]!).toFixed(1);
    out.push(
      `<line x1="${x}" y1="${Y(s.low).toFixed(1)}" x2="${x}" y2="${Y(s.high).toFixed(1)}" stroke="#d62728" stroke-width="2"/>`,
      `<circle cx="${x}" cy="${Y(s.rate).toFixed(1)}" r="4" fill="#d62728"><title>T ${p.intervalMs} ms, link ${p.linkDelayMs} ms: ${p.stale}/${p.blocks} stale</title></circle>`,
    );
  }
  for (const [i, l] of literature.entries()) {
    const x = X(litX[i]!);
    const y = Y(l.stale);
    out.push(
      `<rect x="${(x - 3.5).toFixed(1)}" y="${(y - 3.5).toFixed(1)}" width="7" height="7" fill="#555"><title>${l.label} (${l.source}): ${pct(l.stale)} at Δ ${l.delayMs / 1000} s, T ${l.intervalMs / 1000} s</title></rect>`,
    );
  }
  const lx = left + 12;
  out.push(
    `<line x1="${lx}" y1="${top + 12}" x2="${lx + 30}" y2="${top + 12}" stroke="#1f77b4" stroke-width="2"/>`,
    `<text x="${lx + 36}" y="${top + 16}">model 1 − e^(−Δ/T) (Gervais et al.)</text>`,
    `<line x1="${lx}" y1="${top + 30}" x2="${lx + 30}" y2="${top + 30}" stroke="#1f77b4" stroke-width="2" stroke-dasharray="6 4"/>`,
    `<text x="${lx + 36}" y="${top + 34}">model with ${miners} equal miners 1 − e^(−(1 − 1/${miners})Δ/T)</text>`,
    `<circle cx="${lx + 15}" cy="${top + 48}" r="4" fill="#d62728"/>`,
    `<text x="${lx + 36}" y="${top + 52}">measured, with its 95 % Wilson interval</text>`,
  );
  if (literature.length > 0)
    out.push(
      `<rect x="${lx + 11.5}" y="${top + 80.5}" width="7" height="7" fill="#555"/>`,
      `<text x="${lx + 36}" y="${top + 88}">published chains (Gervais et al. 2016; Decker and Wattenhofer 2013)</text>`,
    );
  if (fit)
    out.push(
      `<line x1="${lx}" y1="${top + 66}" x2="${lx + 30}" y2="${top + 66}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="2 3"/>`,
      `<text x="${lx + 36}" y="${top + 70}">fitted 1 − e^(−cΔ/T), c = ${fit.c.toFixed(2)}</text>`,
    );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** 0.137 → 0.15; 0.42 → 0.5: an axis end that reads well. */
function niceCeil(x: number): number {
  const step = 10 ** Math.floor(Math.log10(x)) / 2;
  return Math.ceil(x / step) * step;
}

export const SECTION_START = '<!-- stale-rate:start -->';
export const SECTION_END = '<!-- stale-rate:end -->';

/** Replaces the marked section of EXPERIMENTS.md (or appends it) with `body`. */
export function replaceSection(doc: string, body: string): string {
  const block = `${SECTION_START}\n${body.trim()}\n${SECTION_END}`;
  const i = doc.indexOf(SECTION_START);
  const j = doc.indexOf(SECTION_END);
  if (i >= 0 && j > i) return doc.slice(0, i) + block + doc.slice(j + SECTION_END.length);
  return `${doc.trimEnd()}\n\n${block}\n`;
}
