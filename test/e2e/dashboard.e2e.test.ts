// The dashboard in a real headless Chromium against real regtest nodes (`cairn start` processes): what it
// shows matches the node's API, it survives a dropped event stream without duplicates, and a fork made
// by blocking peers shows as two lanes and a reorg banner with the depth. Assertions read the DOM.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../../src/consensus/address.js';
import { loadParams } from '../../src/node/params.js';
import { buildDashboard } from '../../web/build.js';
import { testKey } from '../helpers/chain-fixtures.js';
import { type Browser, browserAvailable, launchBrowser } from './dashboard-browser.js';
import { getJson, postJson, ROOT, type RunningNode, startNode, waitFor } from './helpers.js';

const params = loadParams({ regtest: true });
const miner = encodeAddress(testKey(7).address, params.addressPrefix);
const other = encodeAddress(testKey(8).address, params.addressPrefix);

interface Tip {
  hash: string;
  height: number;
  chainWork: string;
  status: string;
}

let root: string;
let browser: Browser;
const nodes: RunningNode[] = [];

const run = browserAvailable();

let dirs = 0;
async function node(name: string, ...extra: string[]): Promise<RunningNode> {
  const n = await startNode(join(root, `${name}-${dirs++}`), '--regtest', ...extra);
  nodes.push(n);
  return n;
}

const mine = (n: RunningNode, blocks: number, to = miner) => postJson(`${n.api}/mine`, { blocks, to });

/** Hashes of the blocks drawn in the tree. */
const drawn = (page: Page) =>
  page.$$eval('svg .block', (els) => els.map((e) => e.getAttribute('data-hash') ?? ''));

async function shownHeight(page: Page): Promise<number> {
  return Number(await page.textContent('[data-testid=height]'));
}

describe.skipIf(!run)('dashboard in Chromium', () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cairn-dash-'));
    await buildDashboard(join(ROOT, 'dist', 'web'));
    browser = await launchBrowser();
  });

  afterEach(async () => {
    for (const p of browser.context.pages()) await p.close();
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
  });

  afterAll(async () => {
    await browser?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('shows the heights and tips the node reports, and follows new blocks live', async () => {
    const a = await node('a');
    await mine(a, 5);
    const page = await browser.open(`${a.api}/`);
    const status = await getJson<{ height: number; tipHash: string }>(`${a.api}/status`);
    await waitFor('the page to show the height', async () => (await shownHeight(page)) === status.height);
    expect(await page.textContent('[data-testid=tip]')).toBe(status.tipHash);
    const tips = await getJson<Tip[]>(`${a.api}/chain/tips`);
    for (const t of tips) {
      expect(await page.$(`svg .block[data-hash="${t.hash}"]`)).not.toBeNull();
      expect(await page.$(`svg .tip-label[data-tip="${t.hash}"]`)).not.toBeNull();
    }
    expect(await page.getAttribute('.badge[data-node=node]', 'data-tip')).toBe(status.tipHash);
    expect(await page.textContent('.consensus-text')).toBe(
      `1/1 node agree: one ledger, up to #${status.height}`,
    );

    // Live: blocks mined now appear without a reload, once each.
    const { body } = await mine(a, 3);
    const hashes = body.hashes as string[];
    await waitFor('the page to follow', async () => (await shownHeight(page)) === status.height + 3, 15_000);
    const shown = await drawn(page);
    for (const h of hashes) expect(shown.filter((x) => x === h)).toHaveLength(1);
    expect(new Set(shown).size).toBe(shown.length);

    // The inspector shows a clicked block's header with its proof of work.
    await page.click(`svg .block[data-hash="${hashes[2]}"]`);
    await waitFor(
      'the inspector',
      async () => (await page.textContent('[data-field=height]')) === String(status.height + 3),
    );
    expect(await page.textContent('.inspector')).toContain('hash ≤ target');

    // The time scrubber replays the tree as it was: at its left end the blocks that came live are gone and
    // the tip the page loaded is there; back at its right end the page is live with every block again.
    const scrub = (end: 'min' | 'max') =>
      page.$eval(
        '.scrubber input',
        (el, to) => {
          type Range = { value: string; min: string; max: string; dispatchEvent(e: Event): boolean };
          const input = el as unknown as Range;
          input.value = to === 'min' ? input.min : input.max;
          input.dispatchEvent(new Event('input', { bubbles: true }));
        },
        end,
      );
    await scrub('min');
    await waitFor('the replay', async () => !(await drawn(page)).some((h) => hashes.includes(h)));
    expect(await page.textContent('.scrub-state')).toMatch(/^replaying: event \d+ of \d+$/);
    expect(await drawn(page)).toContain(status.tipHash);
    await scrub('max');
    await waitFor('live again', async () => (await page.textContent('.scrub-state')) === 'live');
    expect((await drawn(page)).filter((h) => hashes.includes(h))).toHaveLength(3);
    expect(browser.errors).toEqual([]);
  }, 120_000); // real processes: a node's start alone takes seconds on a loaded machine

  it('drops the event stream, reconnects and shows the same state as the node, with no duplicates', async () => {
    const a = await node('a');
    await mine(a, 2);
    const page = await browser.open(`${a.api}/`);
    await waitFor('the page', async () => (await shownHeight(page)) === 2);
    await mine(a, 1);
    await waitFor('the live block', async () => (await shownHeight(page)) === 3);
    type Hook = { cairn: { disconnect(): void; open(): void } };
    await page.evaluate(() => (globalThis as unknown as Hook).cairn.disconnect());
    await waitFor('the page to notice', async () => (await page.textContent('.conn')) === 'reconnecting…');
    const { body } = await mine(a, 4); // mined while the page is away: replayed after Last-Event-ID
    await page.evaluate(() => (globalThis as unknown as Hook).cairn.open());
    await waitFor('the page to catch up', async () => (await shownHeight(page)) === 7, 15_000);
    await waitFor('the stream to be live again', async () => (await page.textContent('.conn')) === 'live');
    const tree = await getJson<{ blocks: { hash: string }[] }>(`${a.api}/chain/tree?limit=1000`);
    const shown = await drawn(page);
    expect([...shown].sort()).toEqual(tree.blocks.map((b) => b.hash).sort());
    // The event log holds each event once, and each block mined while reconnecting exactly once.
    const ids = await page.$$eval('.events li', (els) => els.map((e) => e.getAttribute('data-event-id')));
    expect(new Set(ids).size).toBe(ids.length);
    const log = await page.textContent('.events');
    for (const h of body.hashes as string[]) expect(log!.split(h.slice(0, 10)).length - 1).toBe(1);
    expect(browser.errors).toEqual([]);
  }, 120_000); // real processes: a node's start alone takes seconds on a loaded machine

  it('shows a fork as two lanes, then the reorg banner with its depth', async () => {
    const a = await node('a');
    await mine(a, 2);
    const b = await node('b', '--peer', a.info.multiaddrs[0]!);
    await waitFor(
      'b to sync',
      async () => (await getJson<{ height: number }>(`${b.api}/status`)).height === 2,
    );
    const page = await browser.open(`${a.api}/`);
    await waitFor('the page', async () => (await shownHeight(page)) === 2);
    // Partition: each refuses the other.
    await postJson(`${a.api}/admin/block-peers`, { peerIds: [b.info.peerId] });
    await postJson(`${b.api}/admin/block-peers`, { peerIds: [a.info.peerId] });
    await waitFor('the partition', async () => (await getJson<unknown[]>(`${a.api}/peers`)).length === 0);
    await mine(a, 2, miner); // a's branch: 2 blocks
    await mine(b, 4, other); // b's branch: 4 blocks, more work
    await waitFor('a to show its branch', async () => (await shownHeight(page)) === 4);
    // Heal: a learns b's heavier branch and reorganises, 2 blocks deep.
    await postJson(`${a.api}/admin/unblock-peers`, {});
    await postJson(`${b.api}/admin/unblock-peers`, {});
    await waitFor(
      'the reorg banner',
      async () => (await page.textContent('.banner'))?.includes('reorged'),
      30_000,
    );
    expect(await page.textContent('.banner')).toContain('node reorged, depth 2');
    await waitFor('the page to follow b', async () => (await shownHeight(page)) === 6, 15_000);
    const lanes = await page.$$eval('svg .block', (els) =>
      els.map((e) => Number(e.getAttribute('data-lane'))),
    );
    expect(lanes.filter((l) => l === 0).length).toBeGreaterThanOrEqual(7);
    expect(lanes.filter((l) => l !== 0)).toHaveLength(2); // a's abandoned blocks, on one side lane
    expect(new Set(lanes.filter((l) => l !== 0)).size).toBe(1);
    expect(await page.$$('svg .block.abandoned')).toHaveLength(2);
    // The centre lane ends at the tip with the most work, as /chain/tips says.
    const tips = await getJson<Tip[]>(`${a.api}/chain/tips`);
    const active = tips.find((t) => t.status === 'active')!;
    expect(await page.getAttribute(`svg .block[data-hash="${active.hash}"]`, 'data-lane')).toBe('0');
    expect(tips.filter((t) => t.status === 'valid-fork')).toHaveLength(1);
    expect(browser.errors).toEqual([]);
  }, 120_000); // real processes: a node's start alone takes seconds on a loaded machine
});
