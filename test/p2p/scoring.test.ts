import { describe, expect, test } from 'vitest';
import { LocalNetworks, PENALTIES, PeerScores, RateLimiter } from '../../src/p2p/scoring.js';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('PeerScores', () => {
  test('penalties add up to a ban at the threshold; the ban ends after banMs', () => {
    const c = clock();
    const s = new PeerScores({ banThreshold: -100, banMs: 60_000, recoveryPerMinute: 5 }, c.now);
    expect(s.penalise('p', 'invalidTx')).toBe(false);
    expect(s.score('p')).toBe(-PENALTIES.invalidTx);
    expect(s.isBanned('p')).toBe(false);
    expect(s.penalise('p', 'invalidTx')).toBe(true); // -100: banned
    expect(s.isBanned('p')).toBe(true);
    expect(s.banned().map((b) => b.peer)).toEqual(['p']);
    expect(s.penalise('p', 'garbage')).toBe(false); // already banned: nothing more to do
    c.t += 60_001;
    expect(s.isBanned('p')).toBe(false);
    expect(s.banned()).toEqual([]);
    expect(s.score('p')).toBe(0);
  });

  test('an invalid block bans at once', () => {
    const s = new PeerScores();
    expect(s.penalise('p', 'invalidBlock')).toBe(true);
  });

  test('scores recover by whole minutes, never above zero', () => {
    const c = clock();
    const s = new PeerScores({ banThreshold: -100, banMs: 1, recoveryPerMinute: 5 }, c.now);
    s.penalise('p', 'rateLimited'); // -10
    c.t += 59_999;
    expect(s.score('p')).toBe(-10);
    c.t += 1;
    expect(s.score('p')).toBe(-5);
    c.t += 10 * 60_000;
    expect(s.score('p')).toBe(0);
    s.forget('p');
    expect(s.score('p')).toBe(0);
  });

  test('memory is bounded however many peers misbehave', () => {
    const s = new PeerScores();
    for (let i = 0; i < 10_000; i++) s.penalise(`p${i}`, 'invalidBlock');
    expect(s.banned().length).toBeLessThanOrEqual(4096);
    expect(s.isBanned('p9999')).toBe(true);
  });
});

describe('RateLimiter', () => {
  test('a burst, then the steady rate', () => {
    const c = clock();
    const r = new RateLimiter(2, 4, c.now);
    for (let i = 0; i < 4; i++) expect(r.take('p')).toBe(true);
    expect(r.take('p')).toBe(false);
    expect(r.take('q')).toBe(true); // per peer
    c.t += 500; // one token back at 2/s
    expect(r.take('p')).toBe(true);
    expect(r.take('p')).toBe(false);
  });
});

describe('LocalNetworks', () => {
  test('loopback, private and test ranges are exempt from the colocation penalty; public IPs are not', () => {
    const n = new LocalNetworks();
    for (const ip of [
      '127.0.0.1',
      '127.3.4.5',
      '::1',
      '10.1.2.3',
      '192.168.1.9',
      '172.16.0.1',
      '192.0.2.7',
    ]) {
      expect([ip, n.has(ip)]).toEqual([ip, true]);
    }
    for (const ip of ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888'])
      expect([ip, n.has(ip)]).toEqual([ip, false]);
  });
});
