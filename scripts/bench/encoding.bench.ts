// Block codec: encode + decode of a 1,000-tx block with Cairn's fixed-layout binary codec, against the
// obvious alternative, JSON with hex strings (bytes as hex, bigints as decimal strings). Both sides do the
// full round trip: object → wire form → object with Uint8Arrays and bigints again. The baseline uses
// @noble/hashes' hex codec (a fast one), so it is not a straw man.

import { hexToBytes as fromHex, bytesToHex as toHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { decodeBlock, encodeBlock } from '../../src/consensus/encoding.js';
import type { Block, BlockHeader, Tx } from '../../src/consensus/types.js';
import { arbHeader, arbTx } from '../../test/consensus/arbitraries.js';
import { type BenchResult, rate, result } from './harness.js';

const TX_COUNT = 1000;

// --- Baseline: JSON with hex strings ---------------------------------------------------------------

function headerToJson(h: BlockHeader) {
  return {
    version: h.version,
    height: h.height,
    prevHash: toHex(h.prevHash),
    txRoot: toHex(h.txRoot),
    miner: toHex(h.miner),
    time: h.time,
    bits: h.bits,
    nonce: h.nonce.toString(),
  };
}
function txToJson(tx: Tx) {
  return {
    version: tx.version,
    nonce: tx.nonce.toString(),
    fee: tx.fee.toString(),
    amount: tx.amount.toString(),
    to: toHex(tx.to),
    from: toHex(tx.from),
    signature: toHex(tx.signature),
  };
}
type HeaderJson = ReturnType<typeof headerToJson>;
type TxJson = ReturnType<typeof txToJson>;

function jsonEncode(b: Block): string {
  return JSON.stringify({ header: headerToJson(b.header), txs: b.txs.map(txToJson) });
}
function jsonDecode(text: string): Block {
  const j = JSON.parse(text) as { header: HeaderJson; txs: TxJson[] };
  const h = j.header;
  return {
    header: {
      version: h.version,
      height: h.height,
      prevHash: fromHex(h.prevHash),
      txRoot: fromHex(h.txRoot),
      miner: fromHex(h.miner),
      time: h.time,
      bits: h.bits,
      nonce: BigInt(h.nonce),
    },
    txs: j.txs.map((t) => ({
      version: t.version,
      nonce: BigInt(t.nonce),
      fee: BigInt(t.fee),
      amount: BigInt(t.amount),
      to: fromHex(t.to),
      from: fromHex(t.from),
      signature: fromHex(t.signature),
    })),
  };
}

export async function run(): Promise<BenchResult[]> {
  const block: Block = {
    header: fc.sample(arbHeader(), { numRuns: 1, seed: 42 })[0]!,
    txs: fc.sample(arbTx(), { numRuns: TX_COUNT, seed: 7 }),
  };
  // Both round trips must reproduce the block, or the comparison means nothing.
  const expected = toHex(encodeBlock(block));
  for (const copy of [jsonDecode(jsonEncode(block)), decodeBlock(encodeBlock(block))]) {
    if (toHex(encodeBlock(copy)) !== expected)
      throw new Error('encoding bench: a round trip changed the block');
  }

  const ms = 3000;
  let sink = 0;
  const baseline = await rate(
    () => {
      sink += jsonDecode(jsonEncode(block)).txs.length;
    },
    1,
    ms,
  );
  const subject = await rate(
    () => {
      sink += decodeBlock(encodeBlock(block)).txs.length;
    },
    1,
    ms,
  );
  if (sink === 0) throw new Error('unreachable');

  return [
    result({
      name: 'encoding.block_roundtrip_vs_json',
      description: `encode + decode of a ${TX_COUNT}-tx block: binary codec vs JSON with hex strings`,
      baseline: { label: 'JSON+hex', value: baseline, unit: 'blocks/s' },
      subject: { label: 'binary', value: subject, unit: 'blocks/s' },
      goal: 8,
      higherIsBetter: true,
    }),
  ];
}
