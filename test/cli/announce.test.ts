import { describe, expect, it } from 'vitest';
import { announceMultiaddr } from '../../src/cli/announce.js';

describe('--announce', () => {
  it('turns an address, with or without a port, into a TCP multiaddr', () => {
    expect(announceMultiaddr('203.0.113.7', 8646)).toBe('/ip4/203.0.113.7/tcp/8646');
    expect(announceMultiaddr('203.0.113.7:9000', 8646)).toBe('/ip4/203.0.113.7/tcp/9000');
    expect(announceMultiaddr('[2001:db8::7]:9000', 8646)).toBe('/ip6/2001:db8::7/tcp/9000');
    expect(announceMultiaddr('[2001:db8::7]', 8646)).toBe('/ip6/2001:db8::7/tcp/8646');
    expect(announceMultiaddr('node3.example.org:8646', 0)).toBe('/dns/node3.example.org/tcp/8646');
    expect(announceMultiaddr(' /ip4/198.18.64.10/tcp/8646 ', 1)).toBe('/ip4/198.18.64.10/tcp/8646');
  });

  it('refuses what peers could not dial, saying why (exit 2, BAD_ANNOUNCE)', () => {
    const cases: [string, number, RegExp][] = [
      ['203.0.113.7', 0, /--p2p-port 0 the port is not known/],
      ['203.0.113.7:0', 8646, /port must be 1\.\.65535/],
      ['203.0.113.7:70000', 8646, /port must be 1\.\.65535/],
      ['/ip4/203.0.113.7/udp/1', 8646, /must name a TCP port/],
      ['/ip4/203.0.113.7/tcp/1/p2p/12D3KooWabc', 8646, /leave out \/p2p/],
      ['not an address!', 8646, /not an address/],
      ['', 8646, /not an address/],
    ];
    for (const [text, port, why] of cases) {
      try {
        announceMultiaddr(text, port);
        expect.unreachable(text);
      } catch (e) {
        expect((e as Error).message, text).toMatch(why);
        expect(e).toMatchObject({ exitCode: 2, code: 'BAD_ANNOUNCE' });
      }
    }
  });
});
