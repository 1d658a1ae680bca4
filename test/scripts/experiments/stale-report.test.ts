import { describe, expect, it } from 'vitest';
import {
  alignedTable,
  fitCurve,
  fitLine,
  LITERATURE,
  literatureTable,
  longEnough,
  markdownTable,
  models,
  type PointResult,
  parsePoints,
  replaceSection,
  SECTION_END,
  SECTION_START,
  summarise,
  svgPlot,
} from '../../../scripts/experiments/stale-report.js';

const point = (over: Partial<PointResult> = {}): PointResult => ({
  intervalMs: 1000,
  linkDelayMs: 100,
  miners: 5,
  blocks: 400,
  stale: 40,
  propagation: { p25: 100, p50: 120, p75: 150 },
  seconds: 400,
  ...over,
});

describe('stale-rate report', () => {
  it('parses T:DELAY points and refuses nonsense', () => {
    expect(parsePoints('2000:0, 1000:25')).toEqual([
      { intervalMs: 2000, linkDelayMs: 0 },
      { intervalMs: 1000, linkDelayMs: 25 },
    ]);
    expect(() => parsePoints('1000')).toThrow(/T:DELAY/);
    expect(() => parsePoints('50:0')).toThrow(/100 ms/);
    expect(() => parsePoints('1000:20000')).toThrow(/over 10 s/);
  });

  it('the paper’s model is 1 − e^(−Δ/T); with N equal miners the finder cannot race itself', () => {
    const m = models(100, 1000, 5);
    expect(m.paper).toBeCloseTo(1 - Math.exp(-0.1), 12);
    expect(m.fewMiners).toBeCloseTo(1 - Math.exp(-0.08), 12);
    expect(models(100, 1000, 1000).fewMiners).toBeCloseTo(m.paper, 3);
  });

  it('summarises a point: Wilson interval, the model band, and whether they meet', () => {
    const s = summarise(point());
    expect(s.rate).toBe(0.1);
    expect(s.low).toBeLessThan(0.1);
    expect(s.high).toBeGreaterThan(0.1);
    expect(s.narrowEnough).toBe(true);
    expect(s.bandLow).toBeCloseTo(1 - Math.exp(-0.08), 12); // few miners at p25
    expect(s.bandHigh).toBeCloseTo(1 - Math.exp(-0.15), 12); // paper at p75
    expect(s.inBand).toBe(true);
    const far = summarise(point({ stale: 200 }));
    expect(far.inBand).toBe(false);
  });

  it('a point is long enough once its 95 % interval is narrower than its rate (about 16 stale blocks)', () => {
    expect(longEnough(0, 1000)).toBe(false);
    expect(longEnough(5, 100)).toBe(false);
    expect(longEnough(12, 1000)).toBe(false);
    expect(longEnough(20, 1000)).toBe(true);
    expect(longEnough(30, 300)).toBe(true);
  });

  it('tabulates every point with its figures', () => {
    const table = markdownTable([
      point(),
      point({ intervalMs: 2000, linkDelayMs: 0, stale: 8, blocks: 900 }),
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(4);
    const cells = (line: string) =>
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
    expect(cells(lines[2]!).slice(0, 6)).toEqual([
      '1 s',
      '100 ms',
      '120 ms (100–150)',
      '400',
      '40',
      expect.stringMatching(/^10\.0 % \[/),
    ]);
    expect(cells(lines[3]!).slice(0, 2)).toEqual(['2 s', '0 ms']);
    // Laid out as the formatter lays it (Biome): every line as long as the others, '|' in the same places.
    expect(new Set(lines.map((l) => [...l].length)).size).toBe(1);
  });

  it('plots each point with its interval over both curves, as self-contained SVG', () => {
    const svg = svgPlot([
      point(),
      point({ linkDelayMs: 25, propagation: { p25: 40, p50: 50, p75: 60 }, stale: 20 }),
    ]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<circle /g)).toHaveLength(3); // two points and the legend's marker
    expect(svg.match(/<path /g)).toHaveLength(3); // the two models and the fitted curve
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('fits c in 1 − e^(−c·Δ/T) by maximum likelihood: one point gives the closed form −ln(1 − k/n)/(Δ/T)', () => {
    const fit = fitCurve([point()])!;
    expect(fit.c).toBeCloseTo(-Math.log(1 - 40 / 400) / 0.12, 6);
    expect(fit.low).toBeLessThan(fit.c);
    expect(fit.high).toBeGreaterThan(fit.c);
    expect(fit.used).toBe(1);
  });

  it('recovers the c the points were made with, and its interval narrows as 1/√n', () => {
    // Points whose stale counts are exactly n·(1 − e^(−0.8·x)) (n chosen so they are whole numbers
    // to within rounding): the fit must land on 0.8.
    const make = (scale: number) =>
      [
        { T: 2000, d: 40 },
        { T: 1000, d: 60 },
        { T: 1000, d: 150 },
        { T: 500, d: 120 },
      ].map(({ T, d }) => {
        const blocks = 1000 * scale;
        const stale = Math.round(blocks * (1 - Math.exp((-0.8 * d) / T)));
        return point({ intervalMs: T, blocks, stale, propagation: { p25: d, p50: d, p75: d } });
      });
    const small = fitCurve(make(1))!;
    const big = fitCurve(make(16))!;
    expect(small.c).toBeCloseTo(0.8, 2);
    expect(big.c).toBeCloseTo(0.8, 3);
    expect(small.low).toBeLessThan(0.8);
    expect(small.high).toBeGreaterThan(0.8);
    const ratio = (small.high - small.low) / (big.high - big.low);
    expect(ratio).toBeGreaterThan(3.8);
    expect(ratio).toBeLessThan(4.2);
    expect(fitLine(make(1))).toMatch(/^fitted curve: stale = 1 − e\^\(−c·Δ\/T\) with c = 0\.80 \[95 % /);
  });

  it('gives no fit when the points cannot determine one (no stale block, or every block stale)', () => {
    expect(fitCurve([point({ stale: 0 })])).toBeUndefined();
    expect(fitCurve([point({ stale: 400 })])).toBeUndefined();
    expect(fitCurve([point({ propagation: { p25: 0, p50: 0, p75: 0 } })])).toBeUndefined();
    expect(fitLine([point({ stale: 0 })])).toMatch(/^fitted curve: none/);
  });

  it('sets the published points beside the model, with the c each implies', () => {
    const lines = literatureTable().split('\n');
    expect(lines).toHaveLength(2 + LITERATURE.length);
    // Bitcoin in Gervais et al.: Δ/T = 8.7/600, model 1 − e^(−0.0145) = 1.44 %, published 0.41 %.
    expect(lines[2]!.split('|').map((c) => c.trim())).toEqual([
      '',
      'Bitcoin',
      '600 s',
      '8.70 s',
      '0.0145',
      '0.41 %',
      '1.44 %',
      '0.28',
      'Gervais et al. 2016',
      '',
    ]);
    const svg = svgPlot([point()], LITERATURE);
    expect(svg.match(/<rect [^>]*fill="#555"/g)).toHaveLength(LITERATURE.length + 1); // and the legend's
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('pads a table as Biome formats Markdown: right, left and centred columns, rules at least 3 wide', () => {
    expect(alignedTable(['right', 'left', 'center'], ['T', 'band', 'in band'], [['10 s', 'a', 'yes']])).toBe(
      ['|    T | band | in band |', '| ---: | :--- | :-----: |', '| 10 s | a    |   yes   |'].join('\n'),
    );
  });

  it('replaces its own section of EXPERIMENTS.md and leaves the rest alone', () => {
    const doc = '# Experiments\n\nIntro.\n';
    const once = replaceSection(doc, 'table 1');
    expect(once).toBe(`# Experiments\n\nIntro.\n\n${SECTION_START}\ntable 1\n${SECTION_END}\n`);
    const twice = replaceSection(`${once}\nAfter.\n`, 'table 2');
    expect(twice).toBe(`# Experiments\n\nIntro.\n\n${SECTION_START}\ntable 2\n${SECTION_END}\n\nAfter.\n`);
  });
});
