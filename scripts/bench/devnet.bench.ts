// A 20-node devnet on this machine (issue 15): `npm run devnet -- up --nodes 20` (with --hosts, each node
// on a host of its own, when this machine can make network namespaces; else the loopback devnet), regtest,
// no miner. Five blocks mined on node0 must reach all 20 nodes (one tip everywhere); then, after the
// nodes have been idle for a while, the resident memory (VmRSS, /proc/PID/status) of every `cairn start`
// process is read.
//
//   devnet.rss_per_idle_node   the mean RSS of an idle node, against the issue's goal of 100 MB per node
//                              (the baseline is that goal, not a measurement; an empty `node` process is
//                              measured in the same run for scale).
//
// Each node process includes its worker threads (signature verifier pool, miner), its LevelDB caches and
// tsx, which the devnet runs the sources with. In host mode each node also has a host agent (a relay
// process); their RSS is reported beside, not counted in, the node's.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { encodeAddress } from '../../src/consensus/address.js';
import { loadParams } from '../../src/node/params.js';
import { devKeys } from '../../wallet/dev-keys.js';
import { sleep } from '../devnet/http.js';
import { checkHostSupport } from '../devnet/netns.js';
import { DevnetProcess, waitUntil } from '../lib/devnet-process.js';
import { type BenchResult, result } from './harness.js';

export const DEVNET_NODES = 20;
const GOAL_MB = 100;
const BLOCKS = 5;
const IDLE_MS = 20_000;

/** The pids whose command line contains `text` (Linux /proc). */
async function pidsWith(text: string): Promise<number[]> {
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmd.replaceAll('\0', ' ').includes(text)) out.push(Number(entry));
  }
  return out;
}

/** VmRSS of a process, in MB (10^6 bytes). */
async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS for pid ${pid}`);
  return (kb * 1024) / 1e6;
}

/** RSS of an empty Node.js process (`setInterval` and nothing else): the runtime's own floor. */
async function emptyNodeMb(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await sleep(2_000);
  try {
    return await rssMb(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

export async function run(): Promise<BenchResult[]> {
  const hosts = (await checkHostSupport()) === undefined;
  const t0 = performance.now();
  const devnet = await DevnetProcess.start({
    name: 'devnet-bench',
    nodes: DEVNET_NODES,
    args: ['--miners', '0', '--regtest', ...(hosts ? ['--hosts'] : [])],
    ...(hosts ? { hosts: { prefix: `b${process.pid % 100_000}`, subnet: 150 + (process.pid % 50) } } : {}),
  });
  const api = (i: number) => devnet.api(i);
  try {
    const startedS = (performance.now() - t0) / 1000;
    const to = encodeAddress(devKeys()[0]!.addressHash, loadParams({ regtest: true }).addressPrefix);
    const t1 = performance.now();
    const res = await fetch(`${api(0)}/mine`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blocks: BLOCKS, to }),
    });
    const { hashes } = (await res.json()) as { hashes: string[] };
    const tip = hashes[BLOCKS - 1];
    await waitUntil(
      `all ${DEVNET_NODES} nodes on block ${BLOCKS}`,
      async () => {
        const tips = await Promise.all(
          Array.from({ length: DEVNET_NODES }, async (_, i) => {
            const r = await fetch(`${api(i)}/status`, { signal: AbortSignal.timeout(5_000) });
            return ((await r.json()) as { tipHash: string }).tipHash;
          }),
        ).catch(() => undefined); // a node busy or restarting: ask again
        return tips?.every((t) => t === tip);
      },
      300_000,
      500,
    );
    const convergedS = (performance.now() - t1) / 1000;
    await sleep(IDLE_MS);
    const nodeRss: number[] = [];
    const agentRss: number[] = [];
    for (let i = 0; i < DEVNET_NODES; i++) {
      const nodePids = await pidsWith(`--datadir ${join(devnet.dir, `node${i}`)} `);
      if (nodePids.length !== 1) throw new Error(`node${i}: expected one process, found ${nodePids.length}`);
      nodeRss.push(await rssMb(nodePids[0]!));
      if (hosts)
        for (const pid of await pidsWith(join(devnet.dir, `node${i}`, 'agent.json')))
          agentRss.push(await rssMb(pid));
    }
    const empty = await emptyNodeMb();
    const mean = nodeRss.reduce((a, x) => a + x, 0) / nodeRss.length;
    const mb = (x: number) => x.toFixed(0);
    const agents = hosts
      ? `; beside each node its host agent (the relay in its namespace): mean ${mb(agentRss.reduce((a, x) => a + x, 0) / agentRss.length)} MB`
      : '';
    return [
      result({
        name: 'devnet.rss_per_idle_node',
        description:
          `a ${DEVNET_NODES}-node devnet (${hosts ? 'host mode: each node in its own network namespace' : 'loopback'}, ` +
          `regtest, no miner) started in ${startedS.toFixed(0)} s; ${BLOCKS} blocks mined on node0 reached ` +
          `all ${DEVNET_NODES} nodes in ${convergedS.toFixed(1)} s; after ${IDLE_MS / 1000} s idle, RSS per ` +
          `node process: mean ${mb(mean)} MB, min ${mb(Math.min(...nodeRss))}, max ${mb(Math.max(...nodeRss))}, ` +
          `all ${DEVNET_NODES} ${(nodeRss.reduce((a, x) => a + x, 0) / 1000).toFixed(2)} GB${agents}; an empty ` +
          `node process is ${mb(empty)} MB; load average ${loadavg()[0]!.toFixed(1)}`,
        baseline: { label: 'goal per node', value: GOAL_MB, unit: 'MB' },
        subject: { label: 'mean RSS per idle node', value: mean, unit: 'MB' },
        goal: 1,
        higherIsBetter: false,
      }),
    ];
  } finally {
    await devnet.stop();
  }
}
