import { describe, expect, it } from 'vitest';
import {
  describeShape,
  LinkScheduler,
  MIN_RTO_MS,
  parseBandwidth,
  parseDuration,
  parseLinkShape,
  parseLoss,
  SEGMENT_BYTES,
  seededRandom,
  UNSHAPED,
} from '../../../scripts/devnet/link-shape.js';

const shape = (over: Partial<typeof UNSHAPED>) => ({ ...UNSHAPED, ...over });

describe('LinkScheduler', () => {
  it('delays every chunk by the one-way delay', () => {
    const s = new LinkScheduler(shape({ delayMs: 200 }), () => 0.5);
    expect(s.schedule(1000, 100)).toBe(1200);
    expect(s.schedule(1010, 100)).toBe(1210);
  });

  it('queues segments behind each other at the bandwidth (serialisation delay)', () => {
    // 146,000 bytes/s: one full segment takes exactly 10 ms on the wire.
    const s = new LinkScheduler(shape({ bandwidthBytesPerSecond: SEGMENT_BYTES * 100 }), () => 0);
    expect(s.schedule(0, SEGMENT_BYTES)).toBeCloseTo(10);
    // Ten segments handed over at once finish 100 ms after the link was free.
    expect(s.schedule(10, 10 * SEGMENT_BYTES)).toBeCloseTo(110);
    // After an idle gap the link is free again.
    expect(s.schedule(1000, SEGMENT_BYTES)).toBeCloseTo(1010);
  });

  it('never delivers a later chunk before an earlier one, whatever the jitter', () => {
    const s = new LinkScheduler(shape({ delayMs: 50, jitterMs: 100 }), seededRandom(7));
    let last = 0;
    for (let t = 0; t < 2000; t += 3) {
      const at = s.schedule(t, 200);
      expect(at).toBeGreaterThanOrEqual(last);
      expect(at).toBeGreaterThanOrEqual(t + 50);
      expect(at).toBeLessThanOrEqual(Math.max(last, t + 150));
      last = at;
    }
  });

  it('a lost segment arrives one retransmission timeout late, and holds up what follows', () => {
    const draws = [0.001, 0.9]; // first segment lost, second not
    const s = new LinkScheduler(shape({ delayMs: 10, loss: 0.01 }), () => draws.shift() ?? 0.9);
    const first = s.schedule(0, 100);
    expect(first).toBe(10 + MIN_RTO_MS);
    expect(s.schedule(1, 100)).toBe(first); // head-of-line blocking: not before the retransmission
  });

  it('a loss rate p costs about p of the segments one RTO each', () => {
    const s = new LinkScheduler(shape({ delayMs: 0, loss: 0.1 }), seededRandom(42));
    let late = 0;
    let now = 0;
    for (let i = 0; i < 20_000; i++) {
      now += 1000; // far apart: no head-of-line effects between draws
      if (s.schedule(now, 100) - now >= MIN_RTO_MS) late += 1;
    }
    expect(late / 20_000).toBeGreaterThan(0.09);
    expect(late / 20_000).toBeLessThan(0.11);
  });

  it('is exactly repeatable from a seed', () => {
    const run = () => {
      const s = new LinkScheduler(shape({ delayMs: 5, jitterMs: 20, loss: 0.05 }), seededRandom(3));
      return Array.from({ length: 50 }, (_, i) => s.schedule(i * 2, 3000));
    };
    expect(run()).toEqual(run());
  });
});

describe('parsing link shapes', () => {
  it('reads durations, loss rates and bandwidths in tc-like units', () => {
    expect(parseDuration('200ms')).toBe(200);
    expect(parseDuration('0.5s')).toBe(500);
    expect(parseDuration('15')).toBe(15);
    expect(parseLoss('2%')).toBeCloseTo(0.02);
    expect(parseLoss('0.25')).toBe(0.25);
    expect(parseBandwidth('1mbit')).toBe(125_000);
    expect(parseBandwidth('500kbit')).toBe(62_500);
    expect(parseBandwidth('2MB')).toBe(2_000_000);
    expect(parseBandwidth('unlimited')).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses nonsense with a message that shows an example', () => {
    expect(() => parseDuration('fast')).toThrow(/examples: 200ms/);
    expect(() => parseDuration('2h')).toThrow(/not a duration/);
    expect(() => parseDuration('120s')).toThrow(/more than a minute/);
    expect(() => parseLoss('100%')).toThrow(/never deliver/);
    expect(() => parseLoss('-1')).toThrow(/not a loss rate/);
    expect(() => parseBandwidth('1 lightyear')).toThrow(/examples: 1mbit/);
    expect(() => parseBandwidth('0mbit')).toThrow(/above zero/);
  });

  it('keeps what is not given from the base shape, and describes the result', () => {
    const a = parseLinkShape({ delay: '200ms', loss: '2%' });
    const b = parseLinkShape({ bandwidth: '1mbit' }, a);
    expect(b).toEqual({ delayMs: 200, jitterMs: 0, bandwidthBytesPerSecond: 125_000, loss: 0.02 });
    expect(describeShape(b)).toBe('delay 200 ms, 1 Mbit/s, loss 2 %');
  });
});
