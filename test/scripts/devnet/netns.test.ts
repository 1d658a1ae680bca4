// Separate hosts in network namespaces, for real: TCP between two namespaces over the devnet bridge,
// a partition that really cuts the link, heal, and a teardown that leaves nothing behind. Needs root;
// without it the test prints one line and skips, except in CI, where it fails.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkHostSupport,
  createHosts,
  destroyHosts,
  type HostPlan,
  healHosts,
  listNamespaces,
  partitionHosts,
  planHosts,
  setCable,
  spawnInHost,
} from '../../../scripts/devnet/netns.js';

const reason = await checkHostSupport();
if (reason && process.env.CI) throw new Error(`host-mode tests cannot run in CI: ${reason}`);
if (reason) console.log(`skipped the network-namespace tests: ${reason}`);

// A prefix and subnet of this test's own, so it never touches a devnet a developer is running.
const plan: HostPlan = planHosts(3, { prefix: `ct${process.pid % 10000}`, subnet: 201 });
const PORT = 7411;

/** Runs a one-shot TCP client inside host `from`: resolves true if it got its bytes echoed by `to`. */
function reach(from: number, to: number, timeoutMs = 1500): Promise<boolean> {
  const script = `
    const s = require('node:net').createConnection({ host: '${plan.nodes[to]!.address}', port: ${PORT} });
    const t = setTimeout(() => process.exit(2), ${timeoutMs});
    s.on('connect', () => s.write('ping'));
    s.on('data', (d) => { if (String(d) === 'ping') { clearTimeout(t); process.exit(0); } });
    s.on('error', () => process.exit(3));`;
  const child = spawnInHost(plan.nodes[from]!, process.execPath, ['-e', script], { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code === 0)));
}

describe.skipIf(reason !== undefined)('network-namespace hosts', () => {
  const servers: ReturnType<typeof spawnInHost>[] = [];

  beforeAll(async () => {
    await createHosts(plan);
    for (const node of plan.nodes) {
      const script = `require('node:net').createServer((s) => s.pipe(s)).listen(${PORT}, '${node.address}', () => console.log('up'))`;
      const child = spawnInHost(node, process.execPath, ['-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      servers.push(child);
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    }
  });

  afterAll(async () => {
    for (const s of servers) s.kill('SIGKILL');
    await destroyHosts(plan);
  });

  it('gives each host its own address and lets them talk over the bridge', async () => {
    const addrs = execFileSync('ip', ['-n', plan.nodes[1]!.ns, '-4', 'addr', 'show', 'eth0']).toString();
    expect(addrs).toContain(`${plan.nodes[1]!.address}/24`);
    expect(await reach(0, 1)).toBe(true);
    expect(await reach(2, 0)).toBe(true);
  });

  it('keeps the root namespace from sending to the devnet subnet', () => {
    // `ip route get` only asks the kernel's routing table (no packet is sent): it refuses the address.
    const route = () => execFileSync('ip', ['route', 'get', plan.nodes[0]!.address], { stdio: 'pipe' });
    expect(route).toThrow(/No route to host|unreachable/i);
    expect(execFileSync('ip', ['route', 'show', plan.cidr]).toString()).toMatch(/^unreachable/);
  });

  it('a partition cuts the link between the groups only; heal restores it', async () => {
    await partitionHosts(plan, [2]);
    expect(await reach(0, 1)).toBe(true);
    expect(await reach(0, 2, 800)).toBe(false);
    expect(await reach(2, 1, 800)).toBe(false);
    await healHosts(plan);
    expect(await reach(0, 2)).toBe(true);
  });

  it('pulling one cable isolates that host', async () => {
    await setCable(plan, 1, false);
    expect(await reach(0, 1, 800)).toBe(false);
    expect(await reach(0, 2)).toBe(true);
    await setCable(plan, 1, true);
    expect(await reach(0, 1)).toBe(true);
  });

  it('teardown removes every namespace and the guard route, even after a crash left them', async () => {
    // A second create on top of the first must clean up first (a supervisor that crashed).
    await createHosts(plan);
    const mine = (await listNamespaces()).filter((ns) => ns.startsWith(plan.prefix));
    expect(mine.sort()).toEqual([plan.hub, ...plan.nodes.map((n) => n.ns)].sort());
    for (const s of servers) s.kill('SIGKILL');
    expect(await destroyHosts(plan)).toBe(4);
    expect((await listNamespaces()).filter((ns) => ns.startsWith(plan.prefix))).toEqual([]);
    const routes = execFileSync('ip', ['route', 'show', plan.cidr]).toString();
    expect(routes).not.toMatch(/unreachable/);
  });
});
