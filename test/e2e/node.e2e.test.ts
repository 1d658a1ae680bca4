// The real `cairn start` process on a temp datadir (regtest), driven over HTTP and by the read commands.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../../src/consensus/address.js';
import { toHex } from '../../src/consensus/bytes.js';
import { encodeTx } from '../../src/consensus/encoding.js';
import { loadParams } from '../../src/node/params.js';
import { devKeys } from '../../wallet/dev-keys.js';
import { testKey, transfer } from '../helpers/chain-fixtures.js';
import { cairnArgs, getJson, postJson, type RunningNode, run, startNode, waitFor } from './helpers.js';

const params = loadParams({ regtest: true });
const hrp = params.addressPrefix;
const dev = devKeys(2);
const alice = { privateKey: dev[0]!.privateKey, publicKey: dev[0]!.publicKey, address: dev[0]!.addressHash };
const bob = dev[1]!.addressHash;
const minerAddr = encodeAddress(testKey(77).address, hrp);

let dir: string;
let node: RunningNode;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-node-e2e-'));
  node = await startNode(dir, '--regtest');
}, 60_000);

afterAll(async () => {
  await node?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('cairn start (end to end)', () => {
  it('writes node.json, mines on POST /mine, and /status shows the height', async () => {
    expect(node.info.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const mined = await postJson(`${node.api}/mine`, { blocks: 3, to: minerAddr });
    expect(mined.status).toBe(200);
    expect(mined.body.hashes).toHaveLength(3);
    const status = await getJson(`${node.api}/status`);
    expect(status).toMatchObject({ network: 'regtest', genesisHash: toHex(params.genesisHash), height: 3 });
    expect(status.tipHash).toBe((mined.body.hashes as string[])[2]);
  });

  it('a tx from POST /txs is pending, then confirmed after mining; balances move exactly', async () => {
    const aliceAddr = encodeAddress(alice.address, hrp);
    const bobAddr = encodeAddress(bob, hrp);
    const before = await getJson<{ balance: string; nonce: string }>(`${node.api}/accounts/${aliceAddr}`);
    const bobBefore = await getJson<{ balance: string }>(`${node.api}/accounts/${bobAddr}`);
    const minerBefore = await getJson<{ balance: string }>(`${node.api}/accounts/${minerAddr}`);
    const tx = transfer(params, alice, bob, 123_456n, BigInt(before.nonce), 7_000n);
    const posted = await postJson(`${node.api}/txs`, { raw: toHex(encodeTx(tx)) });
    expect(posted.status).toBe(202);
    const id = posted.body.id as string;
    expect((await getJson(`${node.api}/txs/${id}`)).status).toBe('pending');
    await postJson(`${node.api}/mine`, { blocks: 1, to: minerAddr });
    const confirmed = await getJson(`${node.api}/txs/${id}`);
    expect(confirmed).toMatchObject({ status: 'confirmed', height: 4 });
    const after = await getJson<{ balance: string; nonce: string }>(`${node.api}/accounts/${aliceAddr}`);
    expect(BigInt(after.balance)).toBe(BigInt(before.balance) - 123_456n - 7_000n);
    expect(BigInt(after.nonce)).toBe(BigInt(before.nonce) + 1n);
    const bobAfter = await getJson<{ balance: string }>(`${node.api}/accounts/${bobAddr}`);
    expect(BigInt(bobAfter.balance)).toBe(BigInt(bobBefore.balance) + 123_456n);
    const minerAfter = await getJson<{ balance: string }>(`${node.api}/accounts/${minerAddr}`);
    expect(BigInt(minerAfter.balance) - BigInt(minerBefore.balance)).toBe(params.initialSubsidy + 7_000n);
    // The read command shows the same.
    const shown = await run(cairnArgs('tx', id, '--api', node.api, '--json'));
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id, status: 'confirmed', height: 4 });
  });

  it('delivers block events over server-sent events', async () => {
    const controller = new AbortController();
    const res = await fetch(`${node.api}/events`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    })().catch(() => undefined);
    await postJson(`${node.api}/mine`, { blocks: 1, to: minerAddr });
    await waitFor('a block event', () => /event: block\ndata: .*"height":5/.test(text), 10_000);
    controller.abort();
    await reading;
  });

  it.each([
    ['malformed JSON', 'POST', '/txs', '{"raw": ', 400, 'BAD_JSON'],
    ['wrong type', 'POST', '/txs', { raw: 5 }, 400, 'BAD_REQUEST'],
    ['invalid hex', 'POST', '/txs', { raw: 'zz' }, 400, 'BAD_HEX'],
    ['truncated tx', 'POST', '/txs', { raw: 'abcd' }, 400, 'BAD_ENCODING'],
    ['huge body', 'POST', '/txs', { raw: 'ab'.repeat(100_000) }, 413, 'BODY_TOO_LARGE'],
    ['unknown tx', 'GET', `/txs/${'0'.repeat(64)}`, undefined, 404, 'NOT_FOUND'],
    ['unknown block', 'GET', '/blocks/999999', undefined, 404, 'NOT_FOUND'],
    ['bad address', 'GET', '/accounts/cairn1notanaddress', undefined, 400, 'BAD_ADDRESS'],
    ['too many blocks', 'POST', '/mine', { blocks: 100_000, to: minerAddr }, 400, 'BAD_REQUEST'],
  ] as const)('rejects %s (%s %s) with %i %s', async (_what, method, path, body, status, code) => {
    const res = await fetch(`${node.api}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it('rejects an invalid tx with its rule code, and still serves', async () => {
    const tx = transfer(params, alice, bob, 1n, 1n, 7_000n); // the right nonce, then tampered with
    const res = await postJson(`${node.api}/txs`, { raw: toHex(encodeTx({ ...tx, amount: 2n })) });
    expect(res.status).toBe(400);
    expect((res.body.error as { code: string }).code).toBe('BAD_SIGNATURE');
    expect((await getJson(`${node.api}/status`)).height).toBe(5);
  });

  it('the read commands print for people and for scripts', async () => {
    const human = await run(cairnArgs('status', '--api', node.api));
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^network\s+regtest$/m);
    const json = await run(cairnArgs('block', '5', '--api', node.api, '--json'));
    expect(JSON.parse(json.stdout)).toMatchObject({ height: 5, onMainChain: true });
    const peers = await run(cairnArgs('peers', '--api', node.api, '--json'));
    expect(Array.isArray(JSON.parse(peers.stdout))).toBe(true);
  });

  it('a second node on the same datadir fails with a clear message', async () => {
    const second = await run(cairnArgs('start', '--datadir', dir, '--regtest', '--api-port', '0'));
    expect(second.code).toBe(5);
    expect(second.stderr).toMatch(/in use by another Cairn process/);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a read command against a stopped node gives one clear line', async () => {
    const res = await run(cairnArgs('status', '--api', 'http://127.0.0.1:9'));
    expect(res.code).toBe(3);
    expect(res.stderr.trim()).toMatch(
      /^error: cannot reach the node at http:\/\/127\.0\.0\.1:9 .*cairn start/,
    );
  });
});

describe('cairn start shutdown', () => {
  it('SIGTERM while mining leaves a datadir that restarts at the same tip', async () => {
    const d = await mkdtemp(join(tmpdir(), 'cairn-node-term-'));
    try {
      const n = await startNode(d, '--regtest', '--mine', '--miner', minerAddr, '--block-interval', '0');
      await waitFor(
        'some mined blocks',
        async () => ((await getJson(`${n.api}/status`)).height as number) >= 20,
      );
      expect(await n.stop('SIGTERM')).toBe(0);
      expect(n.stdout()).toMatch(/stopped cleanly/);
      const logged = [
        ...n.stdout().matchAll(/"height":(\d+),"hash":"([0-9a-f]{64})","txs":\d+,"msg":"block connected"/g),
      ];
      const last = logged.at(-1)!;
      const again = await startNode(d, '--regtest');
      const status = await getJson(`${again.api}/status`);
      expect(status.height).toBe(Number(last[1]));
      expect(status.tipHash).toBe(last[2]);
      expect(await again.stop('SIGINT')).toBe(0);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  }, 90_000);
});
