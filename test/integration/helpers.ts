// In-process nodes for integration tests: real LevelDB in a temp dir, real chain, mempool and miner, and a
// real P2PNode on 127.0.0.1 with an OS-assigned port. Waiting is polling with a deadline, never sleeping.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChainParams } from '../../src/consensus/types.js';
import { openServices, type Services } from '../../src/node/services.js';
import { type P2PLimits, P2PNode } from '../../src/p2p/p2p-node.js';
import type { Status } from '../../src/p2p/protocols/status.js';
import { createLogger, type Logger, silentLogger } from '../../src/util/logger.js';

export interface TestNode {
  readonly name: string;
  readonly datadir: string;
  services: Services;
  p2p: P2PNode;
  /** Stops P2P and closes the services (the datadir stays, for a restart). */
  stop(): Promise<void>;
  /** Starts again on the same datadir (same peer id), with these bootstrap addresses. */
  restart(bootstrap?: string[], port?: number): Promise<void>;
}

/** Short intervals so tests converge in seconds. */
export const FAST: Partial<P2PLimits> = {
  statusIntervalMs: 1_000,
  peerExchangeIntervalMs: 1_000,
  maintenanceMs: 300,
  backoffInitialMs: 200,
  backoffMaxMs: 2_000,
  exchangeTimeoutMs: 5_000,
};

const dirs: string[] = [];

/** Set CAIRN_TEST_LOG=debug to see what the nodes do. */
function testLogger(name: string): Logger {
  const level = process.env.CAIRN_TEST_LOG;
  return level ? createLogger({ name, level, pretty: true, destination: process.stderr }) : silentLogger();
}

const running = new Set<TestNode>();

export async function startNode(
  name: string,
  params: ChainParams,
  opts: {
    bootstrap?: string[];
    datadir?: string;
    port?: number;
    limits?: Partial<P2PLimits>;
    minerThreads?: number;
    targetPeers?: number;
  } = {},
): Promise<TestNode> {
  const datadir = opts.datadir ?? (await mkdtemp(join(tmpdir(), `cairn-p2p-${name}-`)));
  if (!opts.datadir) dirs.push(datadir);
  const open = async (bootstrap: string[], port: number) => {
    const services = await openServices({
      datadir,
      params,
      logger: testLogger(name),
      minerThreads: opts.minerThreads ?? 1,
      verifyThreads: 1,
    });
    const p2p = new P2PNode({
      params,
      chain: services.chain,
      mempool: services.mempool,
      datadir,
      port,
      host: '127.0.0.1',
      bootstrap,
      logger: testLogger(name),
      targetPeers: opts.targetPeers,
      ...FAST,
      ...opts.limits,
    });
    await p2p.start();
    return { services, p2p };
  };
  const first = await open(opts.bootstrap ?? [], opts.port ?? 0);
  const node: TestNode = {
    name,
    datadir,
    services: first.services,
    p2p: first.p2p,
    async stop() {
      running.delete(node);
      await node.p2p.stop();
      await node.services.close();
    },
    async restart(bootstrap = [], port = 0) {
      const next = await open(bootstrap, port);
      node.services = next.services;
      node.p2p = next.p2p;
      running.add(node);
    },
  };
  running.add(node);
  return node;
}

/** Stops every node still running and removes the temp dirs (afterEach / afterAll). */
export async function cleanup(): Promise<void> {
  await Promise.all([...running].map((n) => n.stop().catch(() => undefined)));
  running.clear();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Polls `check` every 50 ms until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function tipOf(n: TestNode): string {
  return n.services.chain.tip.hex;
}

export function connectedTo(n: TestNode, other: TestNode): boolean {
  return n.p2p.peers().some((p) => p.peerId === other.p2p.peerId && !p.banned && p.direction !== null);
}

/** The TCP port a node listens on. */
export function portOf(n: TestNode): number {
  return Number(n.p2p.multiaddrs()[0]!.split('/')[4]);
}

/** The status of a node at genesis, what the hostile peers (test/helpers/hostile-peer.ts) answer by default. */
export function genesisStatus(params: ChainParams): Status {
  return {
    genesisHash: params.genesisHash,
    tipHash: params.genesisHash,
    height: 0,
    chainWork: 2n,
    stateDigest: new Uint8Array(32),
  };
}

/** The unsigned-varint length prefix of a frame (multiformats unsigned-varint, as it-length-prefixed). */
export function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Uint8Array.from(out);
}
