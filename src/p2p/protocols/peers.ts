// Peer exchange: "which peers do you know?" (Core: getaddr / addr). The answer lists full multiaddrs with
// their /p2p/<peer id>, so the asker can dial them directly. This is what keeps a network together when
// the node everyone bootstrapped from goes away: by then every node has learned about the others.
//
//   request  = empty
//   response = count u8 (≤ 32) | count × (length u16 (≤ 256) | multiaddr as UTF-8 text)
//
// Loopback addresses are shared as they are: on a devnet every node lives on 127.0.0.1.
import type { Stream } from '@libp2p/interface';
import {
  checkedCount,
  frameReader,
  frameWriter,
  ProtocolError,
  type Requester,
  request,
  serverExchange,
} from '../framing.js';

export const MAX_PEER_ADDRS = 32;
export const MAX_ADDR_LENGTH = 256;
export const PEERS_RESPONSE_MAX_BYTES = 1 + MAX_PEER_ADDRS * (2 + MAX_ADDR_LENGTH);

// --- Codec ---------------------------------------------------------------------------------------------

export function encodePeersResponse(addrs: readonly string[]): Uint8Array {
  const enc = new TextEncoder();
  const items = addrs
    .map((a) => enc.encode(a))
    .filter((b) => b.length <= MAX_ADDR_LENGTH)
    .slice(0, MAX_PEER_ADDRS);
  const size = items.reduce((n, b) => n + 2 + b.length, 1);
  const w = frameWriter(size).u8(items.length);
  for (const b of items) w.u16(b.length).raw(b);
  return w.finish();
}

export function decodePeersResponse(bytes: Uint8Array): string[] {
  const r = frameReader(bytes, 'peers response');
  const n = checkedCount(r, r.u8(), MAX_PEER_ADDRS, 'address count');
  // ignoreBOM: a leading U+FEFF is kept as part of the text. TextDecoder strips it by default, so
  // "\uFEFF/ip4/…" and "/ip4/…" decoded to the same address: two encodings of one answer (issue 13).
  // fatal: invalid UTF-8 (overlong forms, surrogates) is refused, never replaced with U+FFFD.
  const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const len = checkedCount(r, r.u16(), MAX_ADDR_LENGTH, 'address length');
    const raw = r.raw(len);
    try {
      out.push(dec.decode(raw));
    } catch {
      throw new ProtocolError('MALFORMED', `address ${i} is not UTF-8`);
    }
  }
  r.end();
  return out;
}

// --- Server ----------------------------------------------------------------------------------------------

/** Serves one peers exchange: the addresses `shareable` gives for this asker. */
export function servePeers(stream: Stream, timeoutMs: number, shareable: () => string[]): Promise<void> {
  return serverExchange(stream, { maxFrame: 0, timeoutMs }, async (req, fs) => {
    if (req.length !== 0) throw new ProtocolError('MALFORMED', 'a peers request is empty');
    await fs.write(encodePeersResponse(shareable()));
  });
}

// --- Client ----------------------------------------------------------------------------------------------

/** Asks `peer` for the addresses it knows. */
export function requestPeers(requester: Requester, peer: string): Promise<string[]> {
  const protocol = requester.ids.peersProtocol;
  return request(requester, peer, protocol, new Uint8Array(0), PEERS_RESPONSE_MAX_BYTES, async (fs) =>
    decodePeersResponse(await fs.read()),
  );
}
