// Memory under a tx flood (issue 13 defect 8: with 50,000 pending txs a node's RSS went from 205 MB to
// 736 MB, about 10 KB per 142-byte tx):
//
//   mempool.rss_per_tx        RSS growth per pending tx while the pool fills, against the goal of 1 KB
//                             (the baseline is that goal, not a measurement).
//   mempool.full_vs_idle_rss  the node's RSS with a full pool (the default policy: the memory bound of
//                             policy.ts binds) against its RSS idle, measured in the same run (goal < 2×).
//   mempool.heap_vs_accounted the JavaScript heap the pool's txs really take, per tx, against what the pool
//                             accounts for them (ENTRY_MEMORY_BYTES and SENDER_MEMORY_BYTES, entries.ts), so
//                             that the memory bound means what it says (goal ≤ 1×: the accounting is not low).
//
// A real node (CairnNode: LevelDB, the verifier pool and signature cache, gossipsub, the HTTP API) runs in
// this process with the default mempool policy; a child process (this same file, started with LOAD_ROLE
// set) signs the txs and posts them over HTTP with autocannon, so neither the client's memory nor its
// work is charged to the node. RSS is read after a full garbage collection. The growth per tx is measured
// from a warm node (after WARM_TXS txs: the JIT's code, V8's young generation grown to its bound and the
// first pages of every structure are part of "idle" for a node that has ever been busy) to the full pool;
// the full pool is compared with the node idle before any tx.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tiny from 'tiny-secp256k1';
import { addressHash } from '../../src/consensus/address.js';
import { toHex } from '../../src/consensus/bytes.js';
import { encodeTx } from '../../src/consensus/encoding.js';
import { sha256 } from '../../src/consensus/hash.js';
import { signingHash } from '../../src/consensus/signature.js';
import { COIN, type Tx } from '../../src/consensus/types.js';
import { ENTRY_MEMORY_BYTES, SENDER_MEMORY_BYTES } from '../../src/mempool/entries.js';
import { DEFAULT_MEMPOOL_POLICY } from '../../src/mempool/policy.js';
import { CairnNode } from '../../src/node/node.js';
import { createLogger } from '../../src/util/logger.js';
import { testParams } from '../../test/helpers/chain-fixtures.js';
import { type BenchResult, forkLoadGenerator, nextMessage, result } from './harness.js';

const SENDERS = 500;
/** Enough nonces per sender to fill the default pool and a little more (the rest is MEMPOOL_FULL). */
const NONCES = Math.ceil(
  (DEFAULT_MEMPOOL_POLICY.maxMemoryBytes - SENDERS * SENDER_MEMORY_BYTES) / ENTRY_MEMORY_BYTES / SENDERS + 2,
);
/**
 * The burst before "warm": big enough that V8's young generation has grown to its bound (32 MiB: two
 * 16 MiB semi-spaces), which any busy node reaches whatever its pool holds, so it is not charged per tx.
 */
const WARM_TXS = 10 * SENDERS;
const CONNECTIONS = 32;
const GOAL_BYTES_PER_TX = 1024;
const LOAD_ROLE = 'CAIRN_MEMPOOL_BENCH_LOAD';

// --- Fixtures (computed identically by both processes) ------------------------------------------------

function benchKey(i: number): { privateKey: Uint8Array; publicKey: Uint8Array; address: Uint8Array } {
  const privateKey = sha256(new TextEncoder().encode(`cairn-mempool-bench-key-${i}`));
  const publicKey = tiny.pointFromScalar(privateKey, true)!;
  return { privateKey, publicKey, address: addressHash(publicKey) };
}

const keys = () => Array.from({ length: SENDERS }, (_, i) => benchKey(i));

function benchParams(funded: readonly { address: Uint8Array }[]) {
  return testParams({
    network: 'bench',
    allocations: funded.map((k) => ({ address: k.address, amount: 1_000n * COIN })),
  });
}

/** libsecp256k1's signer: the native addon when it loads (fast), else its WASM build. */
function signer(): (hash: Uint8Array, key: Uint8Array) => Uint8Array {
  try {
    // `secp256k1/bindings`, never the package's main entry, which falls back to pure JS silently.
    const native = createRequire(import.meta.url)('secp256k1/bindings') as {
      ecdsaSign(msg: Uint8Array, key: Uint8Array): { signature: Uint8Array };
    };
    // libsecp256k1 signs with RFC 6979 nonces and low S, like tiny-secp256k1 and noble.
    return (hash, key) => native.ecdsaSign(hash, key).signature;
  } catch {
    return (hash, key) => tiny.sign(hash, key);
  }
}

/** Every tx, nonce-major (request k from sender k mod SENDERS, so 32 in flight never share a sender). */
function signAll(genesisHash: Uint8Array): string[] {
  const sign = signer();
  const senders = keys();
  const out: string[] = [];
  const to = sha256(new TextEncoder().encode('bench sink')).slice(0, 20);
  for (let nonce = 0n; nonce < BigInt(NONCES); nonce++) {
    for (const key of senders) {
      const unsigned = { version: 1, nonce, fee: 1_000n, amount: 1n, to, from: key.publicKey };
      const tx: Tx = { ...unsigned, signature: sign(signingHash(unsigned, genesisHash), key.privateKey) };
      out.push(JSON.stringify({ raw: toHex(encodeTx(tx)) }));
    }
  }
  return out;
}

// --- The load generator (child process) -------------------------------------------------------------

type Autocannon = (opts: {
  url: string;
  connections: number;
  amount: number;
  requests: {
    method: string;
    path: string;
    headers: Record<string, string>;
    setupRequest: (r: Record<string, unknown>) => Record<string, unknown>;
  }[];
}) => Promise<{ statusCodeStats: Record<string, { count: number }> }>;

interface LoadRequest {
  readonly url: string;
  readonly from: number;
  readonly to: number;
}

async function generateLoad(): Promise<void> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const bodies = signAll(benchParams(keys()).genesisHash);
  process.on('message', async (req: LoadRequest) => {
    let next = req.from;
    const r = await autocannon({
      url: req.url,
      connections: CONNECTIONS,
      amount: req.to - req.from,
      requests: [
        {
          method: 'POST',
          path: '/txs',
          headers: { 'content-type': 'application/json' },
          setupRequest: (spec) => ({ ...spec, body: bodies[next++] }),
        },
      ],
    });
    process.send!({ accepted: Number(r.statusCodeStats['202']?.count ?? 0) });
  });
  process.send!({ ready: bodies.length });
}

if (process.env[LOAD_ROLE] === '1' && process.send) await generateLoad();

// --- The node and the measurements (this process) ------------------------------------------------------

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * RSS and heap once the node has settled: three full collections, each after the last one's concurrent
 * sweeping has had time to finish (V8 gives back the pages a collection emptied only at a later one, so
 * one collection right after a flood still shows the flood's garbage as committed memory).
 */
async function settled(): Promise<{ rss: number; heap: number; arrayBuffers: number }> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 500));
    gc();
  }
  const m = process.memoryUsage();
  if (process.env.CAIRN_BENCH_DEBUG) {
    const spaces = getHeapSpaceStatistics().filter((x) => x.space_size > 0);
    console.error(
      `rss ${m.rss >> 20} MiB; ${spaces.map((x) => `${x.space_name} ${x.space_used_size >> 20}/${x.space_size >> 20}`).join(', ')}`,
    );
  }
  return { rss: m.rss, heap: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;

export async function run(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-mempool-bench-'));
  const child = forkLoadGenerator(fileURLToPath(import.meta.url), LOAD_ROLE);
  const node = await CairnNode.start({
    datadir: dir,
    params: benchParams(keys()),
    logger: createLogger({ level: 'silent' }),
    apiPort: 0,
    p2pPort: 0,
    p2pHost: '127.0.0.1',
    minerThreads: 0,
  });
  try {
    const { mempool } = node.services;
    const { ready: total } = await nextMessage<{ ready: number }>(child);
    const idle = await settled();
    const send = async (from: number, to: number) => {
      const reply = nextMessage<{ accepted: number }>(child);
      child.send({ url: node.info.api, from, to } satisfies LoadRequest);
      return (await reply).accepted;
    };
    await send(0, WARM_TXS);
    const warm = { ...(await settled()), txs: mempool.size };
    const t0 = performance.now();
    await send(WARM_TXS, total);
    const seconds = (performance.now() - t0) / 1000;
    const full = { ...(await settled()), txs: mempool.size };
    const added = full.txs - warm.txs;
    const accounted = mempool.memoryBytes;
    const accountedPerTx = accounted / full.txs;
    const arenaPerTx = (full.arrayBuffers - warm.arrayBuffers) / added;
    // The pool's own heap: what leaves when every pending tx does (expired by a clock far ahead).
    mempool.expire(Number.MAX_SAFE_INTEGER);
    const empty = await settled();
    const rssPerTx = (full.rss - warm.rss) / added;
    const poolHeapPerTx = (full.heap - empty.heap) / full.txs;
    const nodeHeapPerTx = (full.heap - warm.heap) / added;
    const context = `${full.txs} txs pending (${added} added in ${seconds.toFixed(0)} s over HTTP), pool accounts ${mib(accounted)} of ${mib(mempool.policy.maxMemoryBytes)}`;
    return [
      result({
        name: 'mempool.rss_per_tx',
        description: `RSS growth per pending tx from a warm node to a full pool (${context}); was ~10 KB`,
        baseline: { label: 'goal', value: GOAL_BYTES_PER_TX, unit: 'B/tx' },
        subject: { label: 'node', value: Math.round(rssPerTx), unit: 'B/tx' },
        goal: 1,
        higherIsBetter: false,
      }),
      result({
        name: 'mempool.full_vs_idle_rss',
        description: `the node's RSS with a full pool (${mib(full.rss)}) against idle (${mib(idle.rss)}), same run`,
        baseline: { label: 'idle', value: Math.round(idle.rss / 2 ** 20), unit: 'MiB' },
        subject: { label: 'full pool', value: Math.round(full.rss / 2 ** 20), unit: 'MiB' },
        goal: 2,
        higherIsBetter: false,
      }),
      result({
        name: 'mempool.heap_vs_accounted',
        description: `the memory the pool takes per tx, its heap (what it frees when emptied: ${Math.round(poolHeapPerTx)} B) and its arena (${Math.round(arenaPerTx)} B), against what it accounts per tx (ENTRY_MEMORY_BYTES ${ENTRY_MEMORY_BYTES} + a sender's share, the heap counted twice for V8's slack); the whole node's heap grows ${Math.round(nodeHeapPerTx)} B/tx (with the signature cache and gossip's seen-message cache)`,
        baseline: { label: 'accounted', value: Math.round(accountedPerTx), unit: 'B/tx' },
        subject: { label: 'pool', value: Math.round(poolHeapPerTx + arenaPerTx), unit: 'B/tx' },
        goal: 1,
        higherIsBetter: false,
      }),
    ];
  } finally {
    child.kill();
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
