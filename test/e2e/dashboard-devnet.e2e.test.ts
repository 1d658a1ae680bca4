// The dashboard against the REAL devnet: `npm run devnet -- up --regtest --miners 0` (the supervisor,
// three `cairn start` processes, the aggregator) in headless Chromium, at the URL the supervisor prints.
// Blocks are mined on demand through each node's own POST /mine, so every fork and reorg is exactly the
// one the test makes; everything else goes through the page: its partition, heal, send, stop, start and
// kill buttons drive the supervisor as `npm run devnet -- …` does. Assertions read the DOM and compare it
// with each node's own API and log.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../../src/consensus/address.js';
import { loadParams } from '../../src/node/params.js';
import { devKeys } from '../../wallet/dev-keys.js';
import { type Browser, browserAvailable, launchBrowser } from './dashboard-browser.js';
import {
  freePortRun,
  getJson,
  pidsMentioning,
  postJson,
  type Spawned,
  spawnShell,
  stopGroup,
  waitFor,
  waitForOutput,
} from './helpers.js';

const run = browserAvailable();
const NODES = 3;
const params = loadParams({ regtest: true });
const address = (i: number) => encodeAddress(devKeys()[i]!.addressHash, params.addressPrefix);

interface Status {
  height: number;
  tipHash: string;
  stateDigest: string;
}
interface Tip {
  hash: string;
  height: number;
  status: string;
}
interface DevnetState {
  partition: string[][] | null;
  nodes: { name: string; running: boolean; up: boolean }[];
}

let tmp = '';
let devnetDir = '';
let basePort = 0;
let url = '';
let devnet: Spawned | undefined;
let browser: Browser;
let page: Page;

const api = (i: number) => `http://127.0.0.1:${basePort + 2 * i}`;
const status = (i: number) => getJson<Status>(`${api(i)}/status`);
const mine = async (i: number, blocks: number) => {
  const r = await postJson(`${api(i)}/mine`, { blocks, to: address(i) });
  expect(r.status).toBe(200);
  return r.body.hashes as string[];
};
const state = () => getJson<DevnetState>(`${url}/devnet/state`);
const text = async (selector: string) => (await page.textContent(selector))?.trim() ?? '';
const attr = (selector: string, name: string) => page.getAttribute(selector, name);
const row = (node: string) => `.consensus tr.node-row[data-node=${node}]`;
const ledgerText = () => text('.consensus-text');

/** Clicks a devnet control and waits for the page to say the aggregator did it. */
async function control(selector: string, label: string, timeoutMs = 60_000): Promise<void> {
  await page.click(`.controls ${selector}`);
  await waitFor(
    `the page to report "${label}: done" (it says: ${await text('.controls .result')})`,
    async () => {
      const said = await text('.controls .result');
      if (said.includes('refused')) throw new Error(said);
      return said === `${label}: done`;
    },
    timeoutMs,
  );
}

/** Every node's row shows the height, tip and state digest its own /status reports. */
async function rowsMatchStatus(nodes: number[]): Promise<void> {
  await waitFor(
    'every row to match its node’s /status',
    async () => {
      for (const i of nodes) {
        const s = await status(i);
        const r = row(`node${i}`);
        if ((await attr(r, 'data-height')) !== String(s.height)) return false;
        if ((await attr(r, 'data-tip')) !== s.tipHash) return false;
        if ((await attr(r, 'data-digest')) !== s.stateDigest) return false;
      }
      return true;
    },
    15_000,
  );
}

/** The depths of the reorgs node `i` logged (its node.log, JSON lines). */
async function loggedReorgDepths(i: number): Promise<number[]> {
  const log = await readFile(join(devnetDir, `node${i}`, 'node.log'), 'utf8');
  return log
    .split('\n')
    .filter((l) => l.includes('"msg":"reorg"'))
    .map((l) => (JSON.parse(l) as { depth: number }).depth);
}

/** The transform of a block's element: where it is drawn. */
const drawnAt = (hash: string) => attr(`svg .block[data-hash="${hash}"]`, 'transform');
const laneOf = (hash: string) => attr(`svg .block[data-hash="${hash}"]`, 'data-lane');

describe.skipIf(!run)('dashboard on the real devnet (supervisor, aggregator, three node processes)', () => {
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), `cairn-dash-devnet-${process.pid}-`));
    devnetDir = join(tmp, 'devnet');
    basePort = await freePortRun(2 * NODES + 1);
    devnet = spawnShell(`npm run devnet -- up --regtest --miners 0 --nodes ${NODES}`, {
      CAIRN_DEVNET_DIR: devnetDir,
      CAIRN_DEVNET_BASE_PORT: String(basePort),
    });
    await waitForOutput(devnet, 'Ctrl-C stops every node', 'the devnet to come up', 120_000);
    // The URL as `npm start` prints it: what a learner opens.
    const printed = /Live dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(devnet.stdout());
    expect(printed).not.toBeNull();
    url = printed![1]!;
    expect(url).toBe(`http://127.0.0.1:${basePort + 2 * NODES}`);
    browser = await launchBrowser();
    page = await browser.open(`${url}/`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (devnet && devnet.child.exitCode === null) {
      await stopGroup(devnet, 'SIGINT', 30_000);
    }
    if (tmp) {
      for (const pid of await pidsMentioning(tmp)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      await rm(tmp, { recursive: true, force: true });
    }
  }, 60_000);

  it('shows each node’s height, tip and state digest as its /status says, and its /chain/tips', async () => {
    await waitFor('devnet mode', async () => (await page.$('.mode[data-mode=devnet]')) !== null);
    await mine(0, 3);
    for (let i = 1; i < NODES; i++)
      await waitFor(`node${i} to sync`, async () => (await status(i)).height === 3);
    await rowsMatchStatus([0, 1, 2]);
    await waitFor('one ledger', async () => (await ledgerText()) === '3/3 nodes agree: one ledger, up to #3');
    for (let i = 0; i < NODES; i++) {
      const tips = await getJson<Tip[]>(`${api(i)}/chain/tips`);
      expect(tips.map((t) => t.status)).toEqual(['active']);
      expect(await page.$(`svg .tip-label[data-tip="${tips[0]!.hash}"]`)).not.toBeNull();
      expect(await attr(`.badge[data-node=node${i}]`, 'data-tip')).toBe(tips[0]!.hash);
    }
    expect(browser.errors).toEqual([]);
  });

  it('partition (button): two lanes and "2 ledgers" within seconds; heal (button): the reorg as the node logged it', async () => {
    const fork = (await status(0)).tipHash; // #3, the last block every node shares
    await control('[data-control=partition]', 'partition 0,2 | 1');
    expect((await state()).partition).toEqual([['node0', 'node2'], ['node1']]);
    await waitFor('the split', async () => (await getJson<unknown[]>(`${api(1)}/peers`)).length === 0);

    // A transfer through the page's send button, to node0 (the first that answers): only its side hears it.
    await page.fill('.controls input.amount', '2');
    await control('[data-control=send]', 'send 2 dev0 → dev1');
    const tx = await waitFor('the transfer in node0’s mempool', async () => {
      const pool = await getJson<{ id: string }[]>(`${api(0)}/mempool`);
      return pool[0]?.id;
    });
    await waitFor(
      'its button',
      async () => (await page.$(`.pool[data-node=node0] .tx[data-tx="${tx}"]`)) !== null,
    );
    await page.click(`.pool[data-node=node0] .tx[data-tx="${tx}"]`);
    await waitFor(
      'node2 to have it by gossip',
      async () => (await getJson<unknown[]>(`${api(2)}/mempool`)).length === 1,
    );

    const a = await mine(0, 2); // node0's branch carries the transfer
    const started = Date.now();
    const b = await mine(1, 3); // node1's branch: more work, without it
    await waitFor(
      'two ledgers',
      async () => (await ledgerText()) === '2 ledgers: {node0, node2} | {node1}, agreed up to #3',
      10_000,
    );
    await waitFor(
      'both branches drawn',
      async () => (await page.$(`svg .block[data-hash="${b[2]}"]`)) !== null,
      10_000,
    );
    const splitShownMs = Date.now() - started;
    // Two lanes: node1's heavier branch in the centre, node0's above or below it.
    expect(await laneOf(b[2]!)).toBe('0');
    const side = await laneOf(a[1]!);
    expect(side).not.toBe('0');
    expect(await laneOf(a[0]!)).toBe(side);
    expect(await attr('.badge[data-node=node0]', 'data-tip')).toBe(a[1]);
    expect(await attr('.badge[data-node=node1]', 'data-tip')).toBe(b[2]);
    expect(await page.$$(`svg .block.stale`)).toHaveLength(0); // node0 and node2 still follow their branch
    const forkAt = await drawnAt(fork);
    expect(await laneOf(fork)).toBe('0');
    await waitFor(
      'the path so far',
      async () => (await page.$$('.tx-path li[data-step=mined]')).length > 0,
      15_000,
    );

    await control('[data-control=heal]', 'heal');
    await waitFor('the reorg banner', async () => (await page.$('.banner[data-depth]')) !== null, 30_000);
    const reorged = (await attr('.banner', 'data-node'))!;
    const depth = Number(await attr('.banner', 'data-depth'));
    expect(['node0', 'node2']).toContain(reorged);
    expect(await text('.banner')).toContain(`${reorged} reorged, depth 2`);
    // The depth the node itself logged.
    await waitFor(
      `${reorged} to log its reorg`,
      async () => (await loggedReorgDepths(Number(reorged.slice(4)))).length > 0,
    );
    expect(await loggedReorgDepths(Number(reorged.slice(4)))).toEqual([depth]);

    // Every badge on node1's tip; node0's old branch stale; the centre lane where it was.
    await waitFor(
      'every badge on one tip',
      async () => {
        const tips = await page.$$eval('.badge', (els) => els.map((e) => e.getAttribute('data-tip')));
        return tips.length === NODES && tips.every((t) => t === b[2]);
      },
      30_000,
    );
    await waitFor(
      'one ledger again',
      async () => (await ledgerText()) === '3/3 nodes agree: one ledger, up to #6',
      15_000,
    );
    for (const h of a) expect(await attr(`svg .block[data-hash="${h}"]`, 'class')).toContain('stale');
    for (const h of b) expect(await laneOf(h)).toBe('0');
    expect(await drawnAt(fork)).toBe(forkAt);
    expect(await laneOf(fork)).toBe('0');

    // The transfer: mined on node0's branch, reorged out with it, back in the mempool; mined again, confirmed.
    await waitFor(
      'back in the mempool',
      async () => (await page.$$('.tx-path li[data-step="back in the mempool"]')).length > 0,
      15_000,
    );
    // node0 mines it again (a tx returned by a reorg is back in node0's and node2's pools, not relayed anew).
    await mine(0, 3);
    await waitFor(
      'confirmed',
      async () => (await page.$$('.tx-path li[data-step=confirmed]')).length > 0,
      20_000,
    );
    const steps = await page.$$eval('.tx-path li', (els) => els.map((e) => e.getAttribute('data-step')));
    const order = [
      'submitted',
      'gossiped',
      'mined',
      'reorged out',
      'back in the mempool',
      'mined',
      'confirmed',
    ];
    let at = 0;
    for (const s of steps) if (s === order[at]) at++;
    expect({ steps, reached: order.slice(0, at) }).toEqual({ steps, reached: order });
    console.log(`partition shown ${splitShownMs} ms after the blocks were mined`);
    expect(browser.errors).toEqual([]);
  }, 180_000);

  it('drops the merged stream, reconnects, and shows the same tree as the nodes with no duplicates', async () => {
    type Hook = { cairn: { disconnect(): void; open(): void } };
    await page.evaluate(() => (globalThis as unknown as Hook).cairn.disconnect());
    await waitFor('the page to notice', async () => (await text('.conn')) === 'reconnecting…');
    const missed = await mine(2, 2); // mined while the page is away: replayed by the aggregator
    for (let i = 0; i < NODES; i++)
      await waitFor(`node${i} to have them`, async () => (await status(i)).tipHash === missed[1]);
    await page.evaluate(() => (globalThis as unknown as Hook).cairn.open());
    await waitFor('live again', async () => (await text('.conn')) === 'live');
    await rowsMatchStatus([0, 1, 2]);
    const trees = await Promise.all(
      [0, 1, 2].map((i) => getJson<{ blocks: { hash: string }[] }>(`${api(i)}/chain/tree?limit=1000`)),
    );
    const union = new Set(trees.flatMap((t) => t.blocks.map((b) => b.hash)));
    const drawn = await page.$$eval('svg .block', (els) => els.map((e) => e.getAttribute('data-hash') ?? ''));
    expect([...drawn].sort()).toEqual([...union].sort());
    const ids = await page.$$eval('.events li', (els) => els.map((e) => e.getAttribute('data-event-id')));
    expect(new Set(ids).size).toBe(ids.length);
    // Each node reported each missed block once.
    const log = await page.$$eval('.events li[data-event=block]', (els) =>
      els.map((e) => e.textContent ?? ''),
    );
    for (const h of missed) {
      for (let i = 0; i < NODES; i++) {
        expect(log.filter((l) => l.includes(`node${i}`) && l.includes(h.slice(0, 10)))).toHaveLength(1);
      }
    }
    expect(browser.errors).toEqual([]);
  });

  it('stop, kill and start (buttons) drive the supervisor; the page follows each node down and back', async () => {
    await control('.node-controls[data-node=node2] [data-control=kill]', 'kill node2');
    expect((await state()).nodes[2]).toMatchObject({ running: false });
    await expect(status(2)).rejects.toThrow(); // the process is gone
    await waitFor(
      'node2 down on the page',
      async () => (await text(`${row('node2')} td:nth-child(2)`)) === 'down',
      15_000,
    );
    await mine(0, 1); // the others carry on
    await control('.node-controls[data-node=node2] [data-control=start]', 'start node2');
    expect((await state()).nodes[2]).toMatchObject({ running: true });
    await waitFor(
      'node2 to catch up',
      async () => (await status(2)).tipHash === (await status(0)).tipHash,
      30_000,
    );
    await control('.node-controls[data-node=node1] [data-control=stop]', 'stop node1');
    expect((await state()).nodes[1]).toMatchObject({ running: false });
    const log = await readFile(join(devnetDir, 'node1', 'node.log'), 'utf8');
    expect(log.trim().split('\n').at(-1)).toContain('"msg":"stopped cleanly"');
    await waitFor(
      'node1 down on the page',
      async () => (await text(`${row('node1')} td:nth-child(2)`)) === 'down',
      15_000,
    );
    await control('.node-controls[data-node=node1] [data-control=start]', 'start node1');
    await waitFor(
      'node1 back in sync',
      async () => (await status(1)).tipHash === (await status(0)).tipHash,
      30_000,
    );
    await rowsMatchStatus([0, 1, 2]);
    expect(browser.errors).toEqual([]);
  }, 180_000);
});
