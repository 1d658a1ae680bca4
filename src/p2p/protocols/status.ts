// The status protocol: two peers tell each other where their chains stand (Core: the `version` message's
// start height, and the chain-work comparison of headers sync). The exchange is symmetric: the request
// carries the asker's status and the response the answerer's, so one round trip informs both sides.
//
//   status = genesisHash 32 | tipHash 32 | height u32 | chainWork 32 (u256) | stateDigest 32   (132 bytes)
//
// Two nodes with different genesis hashes are on different networks: they disconnect at once (the
// protocol ids already differ, so in practice they cannot even open this stream with each other).
import { bigIntToBytes, bytesToBigInt } from '../../consensus/bytes.js';
import type { Hash } from '../../consensus/types.js';
import { FrameReader, FrameWriter } from '../framing.js';

export interface Status {
  readonly genesisHash: Hash;
  readonly tipHash: Hash;
  readonly height: number;
  readonly chainWork: bigint;
  readonly stateDigest: Hash;
}

export const STATUS_BYTES = 32 + 32 + 4 + 32 + 32;

export function encodeStatus(s: Status): Uint8Array {
  return new FrameWriter()
    .bytes(s.genesisHash)
    .bytes(s.tipHash)
    .u32(s.height)
    .bytes(bigIntToBytes(s.chainWork, 32))
    .bytes(s.stateDigest)
    .finish();
}

export function decodeStatus(bytes: Uint8Array): Status {
  const r = new FrameReader(bytes, 'status');
  const s = {
    genesisHash: r.bytes(32),
    tipHash: r.bytes(32),
    height: r.u32(),
    chainWork: bytesToBigInt(r.bytes(32)),
    stateDigest: r.bytes(32),
  };
  r.end();
  return s;
}
