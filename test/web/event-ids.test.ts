// The dashboard tells a replayed event from a new one by the newest id applied per source.
import { describe, expect, it } from 'vitest';
import { isNewer, parseEventId } from '../../web/src/model/event-ids.js';

describe('event ids', () => {
  it('parses the ids GET /events writes, and nothing else', () => {
    expect(parseEventId('k3x9-17')).toEqual({ epoch: 'k3x9', seq: 17 });
    for (const bad of ['', '17', 'k3x9-', '-17', 'K3X9-1', 'k3x9-1-2', `k-${'9'.repeat(20)}`]) {
      expect(parseEventId(bad), bad).toBeUndefined();
    }
  });

  it('within an epoch only a higher sequence is new; another epoch (a restarted node) always is', () => {
    const last = parseEventId('k3x9-17');
    expect(isNewer(undefined, parseEventId('k3x9-1')!)).toBe(true);
    expect(isNewer(last, parseEventId('k3x9-18')!)).toBe(true);
    expect(isNewer(last, parseEventId('k3x9-17')!)).toBe(false);
    expect(isNewer(last, parseEventId('k3x9-3')!)).toBe(false);
    expect(isNewer(last, parseEventId('m0p2-1')!)).toBe(true);
  });
});
