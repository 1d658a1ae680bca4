// The status protocol: two peers tell each other where their chains stand (Core: the `version` message's
// start height, and the chain-work comparison of headers sync). The exchange is symmetric: the request
// carries the asker's status and the response the answerer's, so one round trip informs both sides.
//
//   status = genesisHash 32 | tipHash 32 | height u32 | chainWork 32 (u256) | stateDigest 32   (132 bytes)
//
// Two nodes with different genesis hashes are on different networks: they disconnect at once (the
// protocol ids already differ, so in practice they cannot even open this stream with each other).
// What a status means (another chain, a state mismatch, a peer to sync from) is state-check.ts's and
// sync.ts's business; this file only carries it.
import type { Stream } from '@libp2p/interface';
import { bigIntToBytes, bytesToBigInt } from '../../consensus/bytes.js';
import type { Hash } from '../../consensus/types.js';
import { frameReader, frameWriter, type Requester, request, serverExchange } from '../framing.js';

export interface Status {
  readonly genesisHash: Hash;
  readonly tipHash: Hash;
  readonly height: number;
  readonly chainWork: bigint;
  readonly stateDigest: Hash;
}

export const STATUS_BYTES = 32 + 32 + 4 + 32 + 32;

// --- Codec ---------------------------------------------------------------------------------------------

export function encodeStatus(s: Status): Uint8Array {
  return frameWriter(STATUS_BYTES)
    .raw(s.genesisHash, 32)
    .raw(s.tipHash, 32)
    .u32(s.height)
    .raw(bigIntToBytes(s.chainWork, 32), 32)
    .raw(s.stateDigest, 32)
    .finish();
}

export function decodeStatus(bytes: Uint8Array): Status {
  const r = frameReader(bytes, 'status');
  const s = {
    genesisHash: r.copy(32),
    tipHash: r.copy(32),
    height: r.u32(),
    chainWork: bytesToBigInt(r.raw(32)),
    stateDigest: r.copy(32),
  };
  r.end();
  return s;
}

// --- Server ----------------------------------------------------------------------------------------------

/**
 * Serves one status exchange: decodes the asker's status, lets `answer` judge it and give ours (it throws
 * RuleError WRONG_CHAIN for another genesis: we do not answer another network), and returns theirs.
 */
export async function serveStatus(
  stream: Stream,
  timeoutMs: number,
  answer: (theirs: Status) => Status,
): Promise<Status> {
  let theirs: Status | undefined;
  await serverExchange(stream, { maxFrame: STATUS_BYTES, timeoutMs }, async (req, fs) => {
    theirs = decodeStatus(req);
    await fs.write(encodeStatus(answer(theirs)));
  });
  return theirs!;
}

// --- Client ----------------------------------------------------------------------------------------------

/** Sends our status to `peer`; resolves with theirs. */
export function requestStatus(requester: Requester, peer: string, ours: Status): Promise<Status> {
  const protocol = requester.ids.statusProtocol;
  return request(requester, peer, protocol, encodeStatus(ours), STATUS_BYTES, async (fs) =>
    decodeStatus(await fs.read()),
  );
}
