// `cairn tips` and `cairn block tip` against real regtest nodes: two nodes split (each refuses the other),
// each mines its own branch, the split heals, the lighter side reorganises; then `cairn tips` on it lists
// the main chain's tip as active and its own abandoned branch as a valid fork, with the work it lacks.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../../src/consensus/address.js';
import { loadParams } from '../../src/node/params.js';
import { testKey } from '../helpers/chain-fixtures.js';
import { cairnArgs, getJson, postJson, type RunningNode, run, startNode, waitFor } from './helpers.js';

interface Tip {
  hash: string;
  height: number;
  chainWork: string;
  branchLength: number;
  status: string;
}

const params = loadParams({ regtest: true });
const to = (i: number) => encodeAddress(testKey(i).address, params.addressPrefix);
let root = '';
const nodes: RunningNode[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cairn-cli-tips-'));
});

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await rm(root, { recursive: true, force: true });
});

describe('cairn tips and cairn block tip', () => {
  it('list the active tip and an abandoned fork with its deficit; block tip is the main chain tip', async () => {
    const a = await startNode(join(root, 'a'), '--regtest');
    nodes.push(a);
    await postJson(`${a.api}/mine`, { blocks: 1, to: to(0) });
    const b = await startNode(join(root, 'b'), '--regtest', '--peer', a.info.multiaddrs[0]!);
    nodes.push(b);
    await waitFor(
      'b to sync',
      async () => (await getJson<{ height: number }>(`${b.api}/status`)).height === 1,
    );
    await postJson(`${a.api}/admin/block-peers`, { peerIds: [b.info.peerId] });
    await postJson(`${b.api}/admin/block-peers`, { peerIds: [a.info.peerId] });
    await waitFor('the split', async () => (await getJson<unknown[]>(`${a.api}/peers`)).length === 0);
    await postJson(`${a.api}/mine`, { blocks: 1, to: to(0) });
    await postJson(`${b.api}/mine`, { blocks: 3, to: to(1) });
    await postJson(`${a.api}/admin/unblock-peers`, {});
    await postJson(`${b.api}/admin/unblock-peers`, {});
    await waitFor(
      'a to reorganise onto b',
      async () => (await getJson<{ height: number }>(`${a.api}/status`)).height === 4,
      30_000,
    );

    const json = await run(cairnArgs('tips', '--json', '--api', a.api));
    expect(json.code).toBe(0);
    const tips = JSON.parse(json.stdout) as Tip[];
    expect(tips).toEqual(await getJson<Tip[]>(`${a.api}/chain/tips`));
    expect(tips.map((t) => [t.status, t.height, t.branchLength])).toEqual([
      ['active', 4, 0],
      ['valid-fork', 2, 1],
    ]);

    const text = await run(cairnArgs('tips', '--api', a.api));
    expect(text.code).toBe(0);
    const [active, fork] = tips;
    const deficit = BigInt(active!.chainWork) - BigInt(fork!.chainWork);
    expect(text.stdout).toMatch(new RegExp(`\\b4 +active +0 +${active!.hash} +work ${active!.chainWork}\\n`));
    expect(text.stdout).toMatch(
      new RegExp(`\\b2 +valid-fork +1 +${fork!.hash} +work ${fork!.chainWork} \\(${deficit} behind\\)`),
    );
    expect(text.stdout.trim().endsWith('2 tips')).toBe(true);

    const tip = await run(cairnArgs('block', 'tip', '--json', '--api', a.api));
    expect(tip.code).toBe(0);
    expect(JSON.parse(tip.stdout)).toMatchObject({ hash: active!.hash, height: 4, onMainChain: true });
    const bad = await run(cairnArgs('block', 'top', '--api', a.api));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('`tip`');
  }, 90_000);
});
