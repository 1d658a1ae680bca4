// The devnet on disk: .devnet/devnet.json (the nodes, their ports, the supervisor) and .devnet/nodeN/ (each
// node's datadir, with node.json and node.log). Every other piece of scripts/devnet/ reads it through here.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChainParams } from '../../src/consensus/types.js';
import { loadParams } from '../../src/node/params.js';
import { writeFileAtomic } from '../../src/util/atomic-write.js';
import { packageRoot } from '../../src/util/package-files.js';

export const ROOT = packageRoot();
/** CAIRN_DEVNET_DIR lets tests run a devnet beside a real one. */
export const DEVNET_DIR = process.env.CAIRN_DEVNET_DIR ?? join(ROOT, '.devnet');
/** node0's API lands on 8645, the port `cairn` and `cairn-wallet` talk to by default. */
export const DEFAULT_BASE_PORT = Number(process.env.CAIRN_DEVNET_BASE_PORT ?? 8645);

export interface NodeSpec {
  readonly name: string;
  readonly index: number;
  readonly apiPort: number;
  readonly p2pPort: number;
  readonly miner: boolean;
  /** Host mode: the node's own address on the devnet LAN (it listens there, in its own namespace). */
  readonly address?: string;
}

/** Host mode (`up --hosts`): which namespaces and which 198.18.X.0/24 subnet the devnet uses. */
export interface HostsSpec {
  readonly prefix: string;
  readonly subnet: number;
}

export interface DevnetState {
  readonly basePort: number;
  readonly regtest: boolean;
  /** A genesis file of its own instead of genesis.json (the attack scenarios write one per run). */
  readonly genesis?: string;
  readonly threads: number;
  /** `up --miners 0:60,1:40`: the miners' shares of the hash power (scripts/devnet/shares.ts). */
  readonly shares?: readonly { readonly node: number; readonly share: number }[];
  readonly nodes: readonly NodeSpec[];
  /** Set in host mode: each node in a network namespace of its own (scripts/devnet/host-network.ts). */
  readonly hosts?: HostsSpec;
  /** The supervisor's loopback server: controls, the merged event stream and the dashboard. */
  readonly control: string;
  supervisorPid: number | null;
}

/** DIR/node.json, as `cairn start` writes it once everything listens. */
export interface NodeInfo {
  readonly peerId: string;
  readonly multiaddrs: readonly string[];
  readonly api: string;
}

/** The fields of a node's GET /status that the devnet reads. */
export interface Status {
  height: number;
  tipHash: string;
  peers: number;
  mempool: number;
  syncing: boolean;
  stateDigest: string;
  genesisHash: string;
}

const stateFile = (dir: string) => join(dir, 'devnet.json');

export function readState(dir = DEVNET_DIR): DevnetState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as DevnetState;
}

/** Atomic (src/util/atomic-write.ts): a `devnet -- status` in another terminal never reads half a file. */
export async function writeState(state: DevnetState, dir = DEVNET_DIR): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
}

/** Node i uses ports base+2i (API) and base+2i+1 (P2P); the first `miners` nodes mine. */
export function nodeSpecs(count: number, miners: number, basePort: number): NodeSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `node${i}`,
    index: i,
    apiPort: basePort + 2 * i,
    p2pPort: basePort + 2 * i + 1,
    miner: i < miners,
  }));
}

/** The supervisor's port: the one after the last node's P2P port. */
export const controlPortOf = (count: number, basePort: number) => basePort + 2 * count;

export function isAlive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function datadirOf(node: NodeSpec, dir = DEVNET_DIR): string {
  return join(dir, node.name);
}

export function readNodeInfo(node: NodeSpec, dir = DEVNET_DIR): NodeInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(datadirOf(node, dir), 'node.json'), 'utf8')) as NodeInfo;
  } catch {
    return undefined;
  }
}

/** A node by name (`node1`) or index (`1`). */
export function findNode(state: DevnetState, text: string): NodeSpec | undefined {
  return state.nodes.find((n) => n.name === text || String(n.index) === text);
}

export const apiOf = (node: NodeSpec) => `http://127.0.0.1:${node.apiPort}`;

/** The chain the devnet's nodes run: genesis.json (or its own), or its regtest variant. Addresses take its prefix. */
export function devnetParams(state: Pick<DevnetState, 'regtest' | 'genesis'>): ChainParams {
  return loadParams({ regtest: state.regtest, genesis: state.genesis });
}
