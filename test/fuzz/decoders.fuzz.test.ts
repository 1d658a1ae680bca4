// CI version of the decoder fuzz (docs/HARDENING.md): every consensus, storage and wire decoder, a few hundred
// inputs per property. `npm run soak` runs the same properties over a million inputs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decoderProperties } from './decoder-properties.js';

const RUNS = 300;

describe('decoder fuzz', () => {
  for (const { name, property } of decoderProperties()) {
    it(name, () => {
      fc.assert(property, { numRuns: RUNS });
    });
  }
  it('covers every decoder', () => {
    const names = new Set(decoderProperties().map((p) => p.name.split(':')[0]));
    expect([...names].sort()).toEqual(
      [
        'decodeAccount',
        'decodeBlock',
        'decodeBlocksRequest',
        'decodeHash',
        'decodeHeader',
        'decodeHeaderEntry',
        'decodeHeadersRequest',
        'decodeHeadersResponse',
        'decodePeersResponse',
        'decodeStatus',
        'decodeTx',
        'decodeTxLocation',
        'decodeU32',
        'decodeUndo',
        'loadChainParams',
        'parseChainParams',
      ].sort(),
    );
  });
});
