// Where does import time go? A stage-by-stage replica of what Chain.processBlock does for each block of
// the import benchmark (src/chain/process.ts processBlock, then src/chain/connect.ts connect), each stage timed on its own,
// next to the raw VerifierPool time for the same signatures. Not a benchmark (no goal); a diagnostic for
// when chain.import_vs_pool misses, so the fix goes where the milliseconds are.
//
//   node --import tsx scripts/bench/chain/profile-import.ts
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx scripts/bench/chain/profile-import.ts --real
//     (only real Chain imports, for a CPU profile of the main thread without the replica in it)
//
// The replica calls the same functions in the same order with the same store; if those files change, this
// must follow them (the total is printed next to a real Chain import of the same blocks as a check).
import '../../../src/polyfill.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lookupFrom, writeAccounts } from '../../../src/chain/chain.js';
import { bigIntToBytes } from '../../../src/consensus/bytes.js';
import { decodeBlock, encodeBlock } from '../../../src/consensus/encoding.js';
import { txId } from '../../../src/consensus/hash.js';
import { blockWork } from '../../../src/consensus/pow.js';
import { signingHash } from '../../../src/consensus/signature.js';
import { applyBlock, encodeUndo, genesisChanges, touchedAddresses } from '../../../src/consensus/state.js';
import type { Block } from '../../../src/consensus/types.js';
import { checkBlockSanity, checkHeaderSanity } from '../../../src/consensus/validation.js';
import { SignatureCache } from '../../../src/crypto/signature-cache.js';
import { TxVerifier } from '../../../src/crypto/tx-verifier.js';
import { VerifierPool } from '../../../src/crypto/verifier-pool.js';
import { ChainStore } from '../../../src/storage/index.js';
import { benchWorld, buildFixtures, openFreshChain } from './fixtures.js';

const world = benchWorld();
const { params } = world;
const { importBlocks: blocks } = buildFixtures(world);
const pool = new VerifierPool();

const stages = new Map<string, number>();
async function stage<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const t = performance.now();
  const out = await fn();
  stages.set(name, (stages.get(name) ?? 0) + performance.now() - t);
  return out;
}

async function replica(which: readonly Block[]): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-profile-'));
  const store = await ChainStore.open(dir);
  const verifier = new TxVerifier({ genesisHash: params.genesisHash, pool, cache: new SignatureCache() });
  let digest = 0n;
  {
    const g = store.batch();
    g.putBlock(params.genesisHash, encodeBlock(params.genesis)).putMainHash(0, params.genesisHash);
    digest = writeAccounts(g, genesisChanges(params), 0n);
    await g.write();
  }
  let chainWork = 0n;
  const t0 = performance.now();
  for (const block of which) {
    // BlockProcessor.processBlock (src/chain/process.ts)
    const hash = await stage('1 sanity: header hash+pow, txId ×n, merkle, dup set', () => {
      const h = checkHeaderSanity(block.header, params);
      checkBlockSanity(block, params);
      return h;
    });
    chainWork += blockWork(block.header.bits);
    const entry = { header: block.header, hash, chainWork, status: 'valid-header' as const, hasBody: true };
    await stage('2 store body: encodeBlock + write', async () => {
      const b = store.batch();
      b.putHeaderEntry(entry);
      b.putBlock(hash, encodeBlock(block));
      await b.write();
    });
    // connect
    const body = await stage('3 read body back + decodeBlock', async () =>
      decodeBlock((await store.getBlockBytes(hash))!),
    );
    const ids = await stage('4 txId ×n again', () => body.txs.map(txId));
    await stage('5 verifyTxs (all of it)', () => verifier.verifyTxs(body.txs, ids));
    const touched = await stage('6 touchedAddresses', () => touchedAddresses(body));
    const accounts = await stage('7 getAccounts', () => store.getAccounts(touched));
    const applied = await stage('8 applyBlock', () =>
      applyBlock(body, lookupFrom(touched, accounts), params),
    );
    const batch = store.batch();
    digest = await stage('9 batch ops + updateDigest: accounts, undo, tx index, tip', () => {
      const next = writeAccounts(batch, applied.changes, digest);
      batch.putUndo(hash, encodeUndo(applied.undo));
      batch.putMainHash(block.header.height, hash);
      for (let i = 0; i < ids.length; i++) batch.putTxLocation(ids[i]!, hash, i);
      batch.putHeaderEntry({ ...entry, status: 'valid' });
      return next;
    });
    batch.setDigest(bigIntToBytes(digest, 32)).setTip(hash);
    await stage('10 batch.write', () => batch.write());
  }
  const total = performance.now() - t0;
  await store.close();
  await rm(dir, { recursive: true, force: true });
  return total;
}

async function real(which: readonly Block[]): Promise<number> {
  const open = await openFreshChain(params, pool);
  const t = performance.now();
  for (const b of which) await open.chain.processBlock(b);
  const ms = performance.now() - t;
  await open.close();
  return ms;
}

async function rawPool(which: readonly Block[]): Promise<{ pool: number; hashes: number }> {
  let hashes = 0;
  let poolMs = 0;
  for (const b of which) {
    let t = performance.now();
    const items = b.txs.map((tx) => ({
      msgHash: signingHash(tx, params.genesisHash),
      publicKey: tx.from,
      signature: tx.signature,
    }));
    hashes += performance.now() - t;
    t = performance.now();
    await pool.verifyBatch(items);
    poolMs += performance.now() - t;
  }
  return { pool: poolMs, hashes };
}

if (process.argv.includes('--real')) {
  for (let i = 0; i < 3; i++)
    console.log(`real Chain import: ${((await real(blocks)) / blocks.length).toFixed(1)} ms/block`);
  await pool.close();
  process.exit(0);
}
await replica(blocks.slice(0, 2)); // warm-up
await real(blocks.slice(0, 2));
// The machine is shared: repeat, and report each stage's best run (its cost without someone else's load)
// next to its median.
const repeat = Number(process.argv.find((a) => a.startsWith('--repeat='))?.slice(9) ?? 5);
const n = blocks.length;
const runs = new Map<string, number[]>();
const record = (name: string, ms: number) => runs.set(name, [...(runs.get(name) ?? []), ms / n]);
for (let r = 0; r < repeat; r++) {
  stages.clear();
  record('replica total', await replica(blocks));
  for (const [name, ms] of stages) record(name, ms);
  record('real Chain import', await real(blocks));
  const raw = await rawPool(blocks);
  record('raw pool.verifyBatch', raw.pool);
  record('raw signingHash ×n', raw.hashes);
}
const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
const order = (name: string) => Number.parseInt(name, 10) || 0;
console.log(
  `${n} blocks × ${blocks[0]!.txs.length} txs, ${pool.size} verify workers, ${repeat} runs; ms/block`,
);
console.log(`${''.padEnd(56)}   best  median`);
for (const [name, xs] of [...runs].sort((a, b) => order(a[0]) - order(b[0]))) {
  const s = sorted(xs);
  console.log(
    `${name.padEnd(56)} ${s[0]!.toFixed(1).padStart(6)}  ${s[Math.floor(s.length / 2)]!.toFixed(1).padStart(6)}`,
  );
}
await pool.close();
