import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAddress } from '../../src/consensus/address.js';
import { fromHex, toHex } from '../../src/consensus/bytes.js';
import { decodeTx } from '../../src/consensus/encoding.js';
import { txId } from '../../src/consensus/hash.js';
import { checkTxSignature } from '../../src/consensus/signature.js';
import { MAX_U64 } from '../../src/consensus/types.js';
import { ApiClient } from '../../wallet/api-client.js';
import { devKeys } from '../../wallet/dev-keys.js';
import { isWalletError } from '../../wallet/errors.js';
import {
  accountView,
  buildTransfer,
  nextNonce,
  type PendingTx,
  pendingBalance,
  prepareSend,
  readPending,
  type Sender,
} from '../../wallet/tx-builder.js';
import { FakeNode, send } from './fake-node.js';

const GENESIS = new Uint8Array(32).fill(9);
const OTHER_GENESIS = new Uint8Array(32).fill(10);
const [dev0, dev1, dev2] = devKeys(3);
const sender0: Sender = { hash: dev0!.addressHash, address: encodeAddress(dev0!.addressHash, 'cairn') };

function pendingFrom(hash: Uint8Array, nonce: bigint, amount = 1n, fee = 0n): PendingTx {
  return { id: `${nonce}`, fromHash: hash, fromAddress: null, to: dev2!.addressHash, nonce, amount, fee };
}

describe('buildTransfer', () => {
  it('signs the given fields for the given chain only; id = SHA-256 of the encoded tx', () => {
    const t = buildTransfer(
      { to: dev1!.addressHash, amount: 123n, fee: 10_000n, nonce: 7n },
      dev0!.privateKey,
      GENESIS,
    );
    const tx = decodeTx(fromHex(t.raw));
    expect(tx).toMatchObject({
      version: 1,
      nonce: 7n,
      fee: 10_000n,
      amount: 123n,
      to: dev1!.addressHash,
      from: dev0!.publicKey,
    });
    expect(t.id).toBe(toHex(txId(tx)));
    expect(() => checkTxSignature(tx, GENESIS)).not.toThrow();
    expect(() => checkTxSignature(tx, OTHER_GENESIS)).toThrow(
      expect.objectContaining({ code: 'BAD_SIGNATURE' }),
    );
  });

  it('refuses amount 0 and amount + fee past u64 before signing', () => {
    const code = (amount: bigint, fee: bigint) => {
      try {
        buildTransfer({ to: dev1!.addressHash, amount, fee, nonce: 0n }, dev0!.privateKey, GENESIS);
        return 'signed';
      } catch (e) {
        return isWalletError(e) ? e.code : 'other';
      }
    };
    expect(code(0n, 1n)).toBe('BAD_AMOUNT');
    expect(code(MAX_U64, 1n)).toBe('AMOUNT_OVERFLOW');
    expect(code(MAX_U64 - 5n, 5n)).toBe('signed');
  });
});

describe('nextNonce', () => {
  it('is the account nonce plus the sender’s contiguous pending txs; others’ txs do not count', () => {
    expect(nextNonce(5n, [], sender0)).toBe(5n);
    const pool = [
      pendingFrom(dev0!.addressHash, 5n),
      pendingFrom(dev0!.addressHash, 6n),
      pendingFrom(dev1!.addressHash, 5n),
    ];
    expect(nextNonce(5n, pool, sender0)).toBe(7n);
  });

  it('ignores pending nonces below the account nonce (confirmed between the two reads) and fills a gap', () => {
    expect(
      nextNonce(7n, [pendingFrom(dev0!.addressHash, 5n), pendingFrom(dev0!.addressHash, 6n)], sender0),
    ).toBe(7n);
    expect(
      nextNonce(5n, [pendingFrom(dev0!.addressHash, 5n), pendingFrom(dev0!.addressHash, 7n)], sender0),
    ).toBe(6n);
  });

  it('matches entries without raw by their "from" address text', () => {
    const p: PendingTx = {
      id: 'x',
      fromHash: null,
      fromAddress: sender0.address.toUpperCase(),
      to: null,
      nonce: 0n,
      amount: null,
      fee: null,
    };
    expect(nextNonce(0n, [p], sender0)).toBe(1n);
  });

  it('property: equals account nonce + count whenever pending nonces are contiguous from it', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1n << 40n }),
        // the pending txs in any order, as a mempool may list them
        fc.nat({ max: 20 }).chain((n) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n })),
        (account, order) => {
          const pool = order.map((i) => pendingFrom(dev0!.addressHash, account + BigInt(i)));
          expect(nextNonce(account, pool, sender0)).toBe(account + BigInt(order.length));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('pendingBalance and readPending', () => {
  it('confirmed − own pending spends (amount + fee) + pending incoming', () => {
    const t = buildTransfer(
      { to: dev0!.addressHash, amount: 40n, fee: 2n, nonce: 0n },
      dev1!.privateKey,
      GENESIS,
    );
    const pool = [
      ...readPending([{ id: t.id, from: null, nonce: null, raw: t.raw }]),
      pendingFrom(dev0!.addressHash, 3n, 100n, 5n),
      pendingFrom(dev0!.addressHash, 2n, 999n, 9n), // already confirmed (nonce < 3): not counted again
    ];
    const b = pendingBalance({ address: sender0.address, balance: 1000n, nonce: 3n }, pool, sender0);
    expect(b).toEqual({
      confirmed: 1000n,
      pending: 1000n - 105n + 40n,
      outgoing: 105n,
      incoming: 40n,
      pendingTxs: 2,
      exact: true,
    });
  });

  it('says when it cannot be exact (a pending entry of ours without raw)', () => {
    const p: PendingTx = {
      id: 'x',
      fromHash: null,
      fromAddress: sender0.address,
      to: null,
      nonce: 0n,
      amount: null,
      fee: null,
    };
    expect(pendingBalance({ address: sender0.address, balance: 10n, nonce: 0n }, [p], sender0).exact).toBe(
      false,
    );
  });

  it('reads entries whose raw does not decode from their fields instead of failing', () => {
    expect(readPending([{ id: 'a', from: 'x', nonce: 2n, raw: 'zz' }])).toEqual([
      { id: 'a', fromHash: null, fromAddress: 'x', to: null, nonce: 2n, amount: null, fee: null },
    ]);
  });
});

describe('prepareSend against a fake node', () => {
  const node = new FakeNode('regtest', GENESIS);
  let client: ApiClient;
  beforeAll(async () => {
    client = new ApiClient(await node.start());
  });
  afterAll(() => node.stop());

  it('several sends in a row without waiting get consecutive nonces, all accepted, then confirm', async () => {
    node.serveNextNonce = false; // the wallet's own count from /mempool, as with a node that does not say
    node.fund(dev0!.addressHash, 1_000_000n, 4n);
    const status = await client.status();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await prepareSend(client, status, dev0!.privateKey, sender0.address, {
        to: dev1!.addressHash,
        amount: 100n,
        fee: 10n,
      });
      expect(p.nonce).toBe(4n + BigInt(i));
      ids.push(await client.submitTx(p.raw));
    }
    const view = await accountView(client, sender0);
    expect(pendingBalance(view.account, view.pending, sender0).pending).toBe(1_000_000n - 330n);
    node.mine();
    expect(node.account(dev0!.addressHash)).toEqual({ balance: 1_000_000n - 330n, nonce: 7n });
    expect(node.account(dev1!.addressHash).balance).toBe(300n);
    for (const id of ids) expect((await client.tx(id))?.status).toBe('confirmed');
    // and the next one continues from the new account nonce
    expect(
      (
        await prepareSend(client, status, dev0!.privateKey, sender0.address, {
          to: dev1!.addressHash,
          amount: 1n,
          fee: 0n,
        })
      ).nonce,
    ).toBe(7n);
  });

  it("takes the node's nextNonce when it is ahead of what the (capped) mempool listing shows", async () => {
    node.serveNextNonce = true;
    const status = await client.status();
    const first = await prepareSend(client, status, dev0!.privateKey, sender0.address, {
      to: dev1!.addressHash,
      amount: 1n,
      fee: 0n,
    });
    await client.submitTx(first.raw);
    // a node whose listing misses our pending tx (as past its `limit`) but whose account view counts it
    node.override = (req, res) => {
      if (!req.url?.startsWith('/mempool')) return false;
      send(res, 200, []);
      return true;
    };
    try {
      const second = await prepareSend(client, status, dev0!.privateKey, sender0.address, {
        to: dev1!.addressHash,
        amount: 1n,
        fee: 0n,
      });
      expect(second.nonce).toBe(first.nonce + 1n);
      expect(await client.submitTx(second.raw)).toBe(second.id);
    } finally {
      node.override = null;
    }
  });

  it('reads the mempool before the account, so a block landing in between cannot cause a nonce reuse', async () => {
    const order = node.requests.length;
    await accountView(client, sender0);
    expect(node.requests.slice(order).map((r) => r.url)).toEqual([
      '/mempool?limit=10000',
      `/accounts/${sender0.address}`,
    ]);
  });
});
