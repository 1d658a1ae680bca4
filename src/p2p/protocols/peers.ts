// Peer exchange: "which peers do you know?" (Core: getaddr / addr). The answer lists full multiaddrs with
// their /p2p/<peer id>, so the asker can dial them directly. This is what keeps a network together when
// the node everyone bootstrapped from goes away: by then every node has learned about the others.
//
//   request  = empty
//   response = count u8 (≤ 32) | count × (length u16 (≤ 256) | multiaddr as UTF-8 text)
//
// Loopback addresses are shared as they are: on a devnet every node lives on 127.0.0.1.
import { FrameReader, FrameWriter, ProtocolError } from '../framing.js';

export const MAX_PEER_ADDRS = 32;
export const MAX_ADDR_LENGTH = 256;
export const PEERS_RESPONSE_MAX_BYTES = 1 + MAX_PEER_ADDRS * (2 + MAX_ADDR_LENGTH);

export function encodePeersResponse(addrs: readonly string[]): Uint8Array {
  const enc = new TextEncoder();
  const items = addrs
    .map((a) => enc.encode(a))
    .filter((b) => b.length <= MAX_ADDR_LENGTH)
    .slice(0, MAX_PEER_ADDRS);
  const w = new FrameWriter().u8(items.length);
  for (const b of items) w.u16(b.length).bytes(b);
  return w.finish();
}

export function decodePeersResponse(bytes: Uint8Array): string[] {
  const r = new FrameReader(bytes, 'peers response');
  const n = r.count(() => r.u8(), MAX_PEER_ADDRS, 'address count');
  const dec = new TextDecoder('utf-8', { fatal: true });
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = r.count(() => r.u16(), MAX_ADDR_LENGTH, 'address length');
    try {
      out.push(dec.decode(r.bytes(len)));
    } catch {
      throw new ProtocolError('MALFORMED', `address ${i} is not UTF-8`);
    }
  }
  r.end();
  return out;
}
