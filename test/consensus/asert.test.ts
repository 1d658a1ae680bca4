import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asertTarget, compactToTarget, targetToCompact } from '../../src/consensus/pow.js';

// The published aserti3-2d vectors (test/vectors/asert/README.md) use Bitcoin Cash mainnet parameters.
const SPEC_SPACING = 600n;
const SPEC_HALF_LIFE = 2n * 24n * 3600n;
const SPEC_POW_LIMIT = (1n << 224n) - 1n;

interface Run {
  name: string;
  description: string;
  anchorHeight: bigint;
  anchorAncestorTime: bigint;
  anchorBits: number;
  rows: { height: bigint; time: bigint; bits: number }[];
}

function parseRun(name: string, text: string): Run {
  const header = new Map<string, string>();
  const rows: Run['rows'] = [];
  for (const line of text.split('\n')) {
    const meta = /^##\s+([^:]+):\s*(.*?)\s*$/.exec(line);
    if (meta) header.set(meta[1]!.trim(), meta[2]!);
    if (line.startsWith('#') || line.trim() === '') continue;
    const [, height, time, bits] = line.trim().split(/\s+/);
    rows.push({ height: BigInt(height!), time: BigInt(time!), bits: Number(bits) });
  }
  const field = (key: string) => {
    const value = header.get(key);
    if (value === undefined) throw new Error(`${name}: missing header "${key}"`);
    return value;
  };
  return {
    name,
    description: field('description'),
    anchorHeight: BigInt(field('anchor height')),
    anchorAncestorTime: BigInt(field('anchor ancestor time')),
    anchorBits: Number(field('anchor nBits')),
    rows,
  };
}

const dir = new URL('../vectors/asert/', import.meta.url);
const runs = readdirSync(dir)
  .filter((f) => /^run\d+$/.test(f))
  .sort()
  .map((f) => parseRun(f, readFileSync(new URL(f, dir), 'utf8')));

describe('asertTarget against the published aserti3-2d vectors', () => {
  it('has the vector files', () => {
    expect(runs.map((r) => r.name)).toEqual([
      'run01',
      'run02',
      'run03',
      'run04',
      'run05',
      'run06',
      'run07',
      'run08',
      'run09',
      'run10',
    ]);
  });

  for (const run of runs) {
    it(`${run.name}: ${run.description} (${run.rows.length} rows)`, () => {
      expect(run.rows.length).toBeGreaterThan(0);
      const anchorTarget = compactToTarget(run.anchorBits);
      for (const row of run.rows) {
        const target = asertTarget(
          anchorTarget,
          SPEC_SPACING,
          row.time - run.anchorAncestorTime,
          row.height - run.anchorHeight,
          SPEC_POW_LIMIT,
          SPEC_HALF_LIFE,
        );
        const bits = targetToCompact(target);
        if (bits !== row.bits) {
          throw new Error(
            `${run.name} height ${row.height} time ${row.time}: got 0x${bits.toString(16)}, want 0x${row.bits.toString(16)}`,
          );
        }
      }
    });
  }
});

describe('asertTarget properties', () => {
  const limit = SPEC_POW_LIMIT;
  const anchorTarget = fc.bigInt({ min: 1n, max: limit });
  const heightDiff = fc.bigInt({ min: 0n, max: 1_000_000n });
  const spacing = fc.bigInt({ min: 1n, max: 3600n });
  const halfLife = fc.bigInt({ min: 60n, max: 1_000_000n });

  it('keeps the anchor target exactly while blocks are on schedule (steady state)', () => {
    fc.assert(
      fc.property(anchorTarget, spacing, heightDiff, halfLife, (t, s, h, tau) => {
        expect(asertTarget(t, s, s * (h + 1n), h, limit, tau)).toBe(t);
      }),
    );
  });

  it('doubles the target one half-life behind schedule (clamped to the limit)', () => {
    fc.assert(
      fc.property(anchorTarget, spacing, heightDiff, halfLife, (t, s, h, tau) => {
        const doubled = t * 2n;
        expect(asertTarget(t, s, s * (h + 1n) + tau, h, limit, tau)).toBe(doubled > limit ? limit : doubled);
      }),
    );
  });

  it('halves the target one half-life ahead of schedule (never below 1)', () => {
    fc.assert(
      fc.property(anchorTarget, spacing, heightDiff, halfLife, (t, s, h, tau) => {
        const halved = t / 2n;
        expect(asertTarget(t, s, s * (h + 1n) - tau, h, limit, tau)).toBe(halved === 0n ? 1n : halved);
      }),
    );
  });

  it('moves the target monotonically with time', () => {
    fc.assert(
      fc.property(
        anchorTarget,
        heightDiff,
        fc.bigInt({ min: -10_000_000n, max: 10_000_000n }),
        fc.bigInt({ min: 1n, max: 100_000n }),
        (t, h, dt, step) => {
          const a = asertTarget(t, 600n, dt, h, limit, 172_800n);
          const b = asertTarget(t, 600n, dt + step, h, limit, 172_800n);
          expect(b >= a).toBe(true);
        },
      ),
    );
  });

  it('truncates the exponent toward zero like C++ division (not toward −∞)', () => {
    // 1 s early with a 3-s half-life: exponent = trunc(−65536/3) = −21845 (floor would give −21846).
    // Then shifts = −1 and frac = 65536 − 21845 = 43691.
    const factorFor = (frac: bigint) =>
      65536n +
      ((195766423245049n * frac + 971821376n * frac ** 2n + 5127n * frac ** 3n + (1n << 47n)) >> 48n);
    const t = 1n << 200n;
    const got = asertTarget(t, 1n, 0n, 0n, limit, 3n);
    expect(got).toBe((t * factorFor(43691n)) >> 17n);
    expect(got).not.toBe((t * factorFor(43690n)) >> 17n);
  });

  it('clamps to powLimit when far behind schedule, without building huge numbers', () => {
    expect(asertTarget(1n, 600n, 10n ** 15n, 0n, limit, 172_800n)).toBe(limit);
    expect(asertTarget(limit, 600n, 600n + 172_800n, 0n, limit, 172_800n)).toBe(limit);
  });

  it('returns 1, never 0, when far ahead of schedule', () => {
    expect(asertTarget(1n, 600n, 0n, 1_000n, limit, 172_800n)).toBe(1n);
    expect(asertTarget(limit, 600n, -(10n ** 15n), 0n, limit, 172_800n)).toBe(1n);
  });

  it('accepts number arguments as well as bigint', () => {
    const t = compactToTarget(0x1802aee8);
    expect(asertTarget(t, 600, 1310, 2, limit, 172_800)).toBe(
      asertTarget(t, 600n, 1310n, 2n, limit, 172_800n),
    );
  });

  it('rejects preconditions the spec asserts', () => {
    expect(() => asertTarget(0n, 600n, 0n, 0n, limit, 172_800n)).toThrow(RangeError);
    expect(() => asertTarget(limit + 1n, 600n, 0n, 0n, limit, 172_800n)).toThrow(RangeError);
    expect(() => asertTarget(1n, 600n, 0n, -1n, limit, 172_800n)).toThrow(RangeError);
    expect(() => asertTarget(1n, 600n, 0n, 0n, limit, 0n)).toThrow(RangeError);
  });
});
