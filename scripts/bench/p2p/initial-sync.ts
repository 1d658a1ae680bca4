// Sync: a fresh node downloading a 2,000-block chain from 3 peers that already have it, against importing
// the same blocks from a local file into a fresh chain, with the same verifier setup, in the same run.
//
//   1. Import (the baseline). The cached blocks are decoded, then Chain.processBlock'd one by one into a
//      fresh LevelDB datadir through a TxVerifier on a VerifierPool of one worker per core with a new
//      SignatureCache: what openServices builds for `cairn start`. Timed from the first processBlock to
//      the last.
//   2. The imported datadir, closed, is copied twice: three datadirs that hold the whole chain.
//   3. Sync. Three nodes open those datadirs and listen, in a child process (serve-child.ts), so that
//      their serving runs on another event loop as a real peer's does, and this process's CPU time is
//      the syncing node's alone. A fresh node here (openServices with the same pool size, a new cache,
//      default P2P limits) is started with the three as bootstrap peers; the clock runs from its start()
//      (dialling, status, headers, bodies) until its tip is the last block.
//
// The child shares the machine's two cores with the syncing node, as do other jobs: the CPU time of
// both sides is reported next to the wall clock.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Chain } from '../../../src/chain/chain.js';
import { toHex } from '../../../src/consensus/bytes.js';
import { blockHash } from '../../../src/consensus/hash.js';
import type { Block, ChainParams } from '../../../src/consensus/types.js';
import { SignatureCache } from '../../../src/crypto/signature-cache.js';
import { TxVerifier } from '../../../src/crypto/tx-verifier.js';
import { VerifierPool } from '../../../src/crypto/verifier-pool.js';
import { ChainStore } from '../../../src/storage/index.js';
import { type BenchNode, openBenchNode, waitFor } from './network.js';
import type { ServedReport, ServeReport } from './serve-child.js';

export const SERVING_PEERS = 3;

export interface Timing {
  readonly ms: number;
  /** CPU time of this whole process (every thread) meanwhile, in ms. */
  readonly cpuMs: number;
}

export interface SyncRun {
  readonly blocks: number;
  readonly txs: number;
  readonly imported: Timing;
  readonly synced: Timing;
  /** Time from the sync node's start() until it had the last block's header. */
  readonly headersMs: number;
  /** Blocks each serving peer read from its store to answer requests. */
  readonly served: readonly number[];
  /** CPU time the serving peers' process used while the fresh node synced (and shut down), in ms. */
  readonly servingCpuMs: number;
}

async function timed(fn: () => Promise<void>): Promise<Timing> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Step 1: imports `blocks` into a new datadir, which is kept (closed) for the serving peers. */
async function importInto(dir: string, params: ChainParams, blocks: readonly Block[]): Promise<Timing> {
  const store = await ChainStore.open(dir);
  const pool = new VerifierPool(); // one worker per core, as openServices
  const verifier = new TxVerifier({ genesisHash: params.genesisHash, pool, cache: new SignatureCache() });
  try {
    const chain = await Chain.open({ params, store, verifier });
    const t = await timed(async () => {
      for (const block of blocks) {
        const r = await chain.processBlock(block);
        if (r.status !== 'connected') throw new Error(`import: block ${block.header.height} ${r.status}`);
      }
    });
    await chain.close();
    return t;
  } finally {
    await verifier.close();
    await store.close();
  }
}

/** The serving peers' child process: their addresses once they listen, and their served counts at the end. */
interface Servers {
  readonly report: ServeReport;
  /** Closes the child's stdin, so it closes its nodes; resolves with what each served. */
  stop(): Promise<ServedReport>;
}

function startServers(dirs: readonly string[]): Promise<Servers> {
  const script = fileURLToPath(new URL('./serve-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...dirs], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let exited: number | null | undefined;
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    buffer += d;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      lines.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
    }
    for (const w of waiters.splice(0)) w();
  });
  child.on('exit', (code) => {
    exited = code;
    for (const w of waiters.splice(0)) w();
  });
  const line = async (n: number): Promise<string> => {
    while (lines.length <= n) {
      if (exited !== undefined) throw new Error(`the serving peers exited with code ${exited}`);
      await new Promise<void>((r) => waiters.push(r));
    }
    return lines[n]!;
  };
  return line(0).then(
    (first) => ({
      report: JSON.parse(first) as ServeReport,
      async stop() {
        child.stdin.end();
        const served = JSON.parse(await line(1)) as ServedReport;
        if (exited === undefined) await new Promise((r) => child.once('exit', r));
        return served;
      },
    }),
    (e: unknown) => {
      child.kill();
      throw e;
    },
  );
}

export async function initialSync(params: ChainParams, blocks: readonly Block[]): Promise<SyncRun> {
  const lastHash = blockHash(blocks[blocks.length - 1]!.header);
  const lastHex = toHex(lastHash);
  const txs = blocks.reduce((n, b) => n + b.txs.length, 0);
  const dirs = [await mkdtemp(join(tmpdir(), 'cairn-p2p-bench-peer0-'))];
  let servers: Servers | undefined;
  let fresh: BenchNode | undefined;
  try {
    const imported = await importInto(dirs[0]!, params, blocks);
    for (let i = 1; i < SERVING_PEERS; i++) {
      const dir = await mkdtemp(join(tmpdir(), `cairn-p2p-bench-peer${i}-`));
      await cp(dirs[0]!, dir, { recursive: true });
      dirs.push(dir);
    }
    servers = await startServers(dirs);
    if (servers.report.tips.some((t) => t !== lastHex)) throw new Error('a serving peer lacks the chain');

    // Default pool size and default P2P limits: the node `cairn start` runs.
    const node = await openBenchNode('fresh', params, { bootstrap: servers.report.multiaddrs });
    fresh = node;
    let headersAt = Number.NaN;
    const t0 = performance.now();
    const synced = await timed(async () => {
      await node.p2p.start();
      await waitFor(
        'the fresh node synced',
        () => {
          if (Number.isNaN(headersAt) && node.services.chain.index.get(lastHash))
            headersAt = performance.now();
          return node.services.chain.tip.hex === lastHex;
        },
        600_000,
      );
    });
    await node.close();
    const { served, cpuMs } = await servers.stop();
    servers = undefined;
    return {
      blocks: blocks.length,
      txs,
      imported,
      synced,
      headersMs: headersAt - t0,
      served,
      servingCpuMs: cpuMs,
    };
  } finally {
    await fresh?.close();
    await servers?.stop().catch(() => undefined);
    // The serving nodes remove their datadirs on close; these are for a failure before that.
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}
