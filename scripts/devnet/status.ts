// What the devnet prints about its nodes: the supervisor's line per node every few seconds (with the
// odd ones out marked FORKED), and `devnet -- status`, which also decides whether the nodes agree (one tip,
// one state digest) or have split onto diverged branches.
import { http, sleep, statusOf } from './http.js';
import { apiOf, type DevnetState, type NodeSpec, type Status } from './state.js';

const short = (hex: string) => hex.slice(0, 8);

export interface NodeRow {
  readonly node: NodeSpec;
  readonly status?: Status | undefined;
}

export const readRows = (state: DevnetState): Promise<NodeRow[]> =>
  Promise.all(state.nodes.map(async (node) => ({ node, status: await statusOf(node) })));

/** The supervisor's compact line per node at `time` (HH:MM:SS); nodes off the most common tip are FORKED. */
export function supervisorLines(
  rows: readonly NodeRow[],
  isRunning: (n: NodeSpec) => boolean,
  time: string,
): string[] {
  const tips = new Map<string, number>();
  for (const { status: s } of rows) if (s) tips.set(s.tipHash, (tips.get(s.tipHash) ?? 0) + 1);
  const common = [...tips.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  return rows.map(({ node: n, status: s }) => {
    if (!s) return `${time} ${n.name.padEnd(6)} ${isRunning(n) ? 'starting…' : 'stopped'}`;
    const mark = tips.size > 1 && s.tipHash !== common ? '  FORKED' : '';
    const sync = s.syncing ? '  syncing' : '';
    return (
      `${time} ${n.name.padEnd(6)} height ${String(s.height).padStart(5)}  tip ${short(s.tipHash)}  ` +
      `peers ${s.peers}  mempool ${String(s.mempool).padStart(3)}${n.miner ? '  mining' : ''}${sync}${mark}`
    );
  });
}

export async function printSupervisorStatus(
  state: DevnetState,
  isRunning: (n: NodeSpec) => boolean,
): Promise<void> {
  const rows = await readRows(state);
  for (const line of supervisorLines(rows, isRunning, new Date().toISOString().slice(11, 19)))
    console.log(line);
}

/** Whether `node` has the block `hash` on its main chain (false if it does not know the block at all). */
async function onMainChainOf(node: NodeSpec, hash: string): Promise<boolean> {
  try {
    return (await http<{ onMainChain: boolean }>(`${apiOf(node)}/blocks/${hash}`)).onMainChain;
  } catch {
    return false;
  }
}

/**
 * A real fork: two nodes each have a tip that is not on the other's main chain, so both sides mined their
 * own branch. Different tips alone are not enough: right after a partition one side may have mined a
 * block the other simply lacks, and healing that is a plain catch-up, not a reorg.
 */
async function diverged(running: readonly NodeRow[]): Promise<boolean> {
  for (const a of running) {
    for (const b of running) {
      if (a.status!.tipHash === b.status!.tipHash) continue;
      if (
        !(await onMainChainOf(a.node, b.status!.tipHash)) &&
        !(await onMainChainOf(b.node, a.status!.tipHash))
      )
        return true;
    }
  }
  return false;
}

/** Running nodes agree when there is at least one and they share one tip and one state digest. */
export function agreement(rows: readonly NodeRow[]): {
  agree: boolean;
  running: NodeRow[];
  tips: Set<string>;
  digests: Set<string>;
} {
  const running = rows.filter((r) => r.status);
  const tips = new Set(running.map((r) => r.status!.tipHash));
  const digests = new Set(running.map((r) => r.status!.stateDigest));
  return { agree: running.length > 0 && tips.size === 1 && digests.size === 1, running, tips, digests };
}

export interface StatusFlags {
  json?: boolean;
  wait?: number;
  expect: 'agree' | 'split';
}

/** `devnet -- status`: prints, and sets the exit code 0 only if what `--expect` asks for holds. */
export async function statusCommand(state: DevnetState, flags: StatusFlags): Promise<void> {
  const deadline = Date.now() + (flags.wait ?? 0) * 1000;
  for (;;) {
    const rows = await readRows(state);
    const { agree, running, tips, digests } = agreement(rows);
    const met = flags.expect === 'split' ? await diverged(running) : agree;
    if (met || Date.now() >= deadline) {
      if (flags.json) {
        console.log(
          JSON.stringify({ agree, nodes: rows.map((r) => ({ name: r.node.name, ...r.status })) }, null, 2),
        );
      } else {
        for (const { node, status: s } of rows) {
          console.log(
            s
              ? `${node.name.padEnd(6)} height ${String(s.height).padStart(5)}  tip ${short(s.tipHash)}  ` +
                  `state ${short(s.stateDigest)}  peers ${s.peers}  mempool ${s.mempool}${s.syncing ? '  syncing' : ''}`
              : `${node.name.padEnd(6)} not running`,
          );
        }
        console.log(
          agree
            ? `all ${running.length} running nodes agree: tip ${short([...tips][0]!)}, state digest ${short([...digests][0]!)}`
            : running.length === 0
              ? 'no node is running'
              : `the nodes disagree: ${tips.size} different tips, ${digests.size} different state digests`,
        );
      }
      process.exitCode = met ? 0 : 1;
      return;
    }
    await sleep(500);
  }
}
