// Transfers between the dev wallets, signed here with their well-known keys (wallet/dev-keys.ts) and
// posted to a node: one at a time to POST /txs (the dashboard's "send"), or a bounded stream at a given rate
// through every answering node in turn, in POST /txs/batch requests (`devnet -- load`).
import { SUBMIT_BATCH_MAX } from '../../src/api/schemas.js';
import { decodeAddress, encodeAddress } from '../../src/consensus/address.js';
import { fromHex, toHex } from '../../src/consensus/bytes.js';
import { encodeTx } from '../../src/consensus/encoding.js';
import { signTx } from '../../src/consensus/signature.js';
import { TX_VERSION } from '../../src/consensus/types.js';
import { type DevKey, devKeys } from '../../wallet/dev-keys.js';
import { http, post, sleep } from './http.js';
import { DevnetInputError } from './partition.js';
import { apiOf, type DevnetState, devnetParams, findNode, type Status } from './state.js';

/** The fee of every devnet transfer, in base units: above the default relay minimum. */
const FEE = 10_000n;

/** The nodes that answer /status, asked all at once (a busy machine may take seconds to answer). */
async function liveApis(state: DevnetState): Promise<string[]> {
  const apis = state.nodes.map(apiOf);
  const answers = await Promise.all(
    apis.map((api) => http(`${api}/status`, {}, 10_000).catch(() => undefined)),
  );
  return apis.filter((_, i) => answers[i] !== undefined);
}

/** The nonce a new tx from `key` must carry, as `api` sees it (counting its pending txs). */
async function nextNonce(api: string, key: DevKey, prefix: string): Promise<bigint> {
  const a = await http<{ nonce: string; nextNonce?: string }>(
    `${api}/accounts/${encodeAddress(key.addressHash, prefix)}`,
  );
  return BigInt(a.nextNonce ?? a.nonce);
}

export interface TransferRequest {
  /** A dev key by name (dev0) or index (0). */
  readonly from: string;
  /** A dev key by name or index, or an address. */
  readonly to: string;
  /** In base units. */
  readonly amount: bigint;
  /** Which node to post to (name or index); default the first that answers. */
  readonly node?: string | undefined;
}

function devKeyOf(keys: readonly DevKey[], text: string): DevKey | undefined {
  return keys.find((k) => k.name === text || String(k.index) === text);
}

/** Signs and posts one transfer; resolves with its id and the node that took it. */
export async function sendDevTransfer(
  state: DevnetState,
  req: TransferRequest,
): Promise<{ id: string; node: string }> {
  const keys = devKeys();
  const prefix = devnetParams(state).addressPrefix;
  const from = devKeyOf(keys, req.from);
  if (!from) throw new DevnetInputError(`no dev key "${req.from}": use dev0 … dev${keys.length - 1}`);
  let to = devKeyOf(keys, req.to)?.addressHash;
  if (!to) {
    try {
      to = decodeAddress(req.to, prefix);
    } catch (e) {
      throw new DevnetInputError(`"${req.to}" is neither a dev key nor an address: ${(e as Error).message}`);
    }
  }
  if (req.amount < 1n) throw new DevnetInputError('the amount must be at least 1 base unit');
  let node = state.nodes[0];
  if (req.node !== undefined) {
    node = findNode(state, req.node);
    if (!node) throw new DevnetInputError(`no node "${req.node}"`);
  } else {
    const live = await liveApis(state);
    if (live.length === 0) throw new Error('no node is answering');
    node = state.nodes.find((n) => apiOf(n) === live[0]);
  }
  const api = apiOf(node!);
  const { genesisHash } = await http<Status>(`${api}/status`);
  const tx = signTx(
    {
      version: TX_VERSION,
      nonce: await nextNonce(api, from, prefix),
      fee: FEE,
      amount: req.amount,
      to,
      from: from.publicKey,
    },
    from.privateKey,
    fromHex(genesisHash),
  );
  const { id } = await post<{ id: string }>(`${api}/txs`, { raw: toHex(encodeTx(tx)) });
  return { id, node: node!.name };
}

/**
 * How far ahead `load` sends: the transfers due within the next tick go together, one POST /txs/batch per
 * node. At 1,000/s that is 100 txs a request instead of 100 requests (a node takes several times more txs
 * per CPU-second in batches: docs/BENCHMARKS.md, HTTP API); at a few per second it is still one tx at its
 * time.
 */
const TICK_MS = 100;

/** One tx's answer in POST /txs/batch (src/api/routes/txs.ts). */
interface BatchResult {
  readonly status: number;
  readonly error?: { readonly code: string };
}

/** `devnet -- load`: `tps × seconds` transfers round-robin between the dev keys and the live nodes. */
export async function load(state: DevnetState, flags: { tps: number; seconds: number }): Promise<void> {
  const live = await liveApis(state);
  if (live.length === 0) throw new Error('no node is answering');
  const prefix = devnetParams(state).addressPrefix;
  const { genesisHash } = await http<Status>(`${live[0]}/status`);
  const genesis = fromHex(genesisHash);
  const keys = devKeys();
  const nonces = await Promise.all(keys.map((k) => nextNonce(live[0]!, k, prefix)));
  const total = Math.round(flags.tps * flags.seconds);
  console.log(
    `sending ${total} transfers between the dev wallets at ${flags.tps}/s through ${live.length} nodes …`,
  );
  const start = Date.now();
  const results = new Map<string, number>();
  const count = (code: string, n = 1) => void results.set(code, (results.get(code) ?? 0) + n);
  const pending: Promise<void>[] = [];
  const dueAt = (i: number) => (i * 1000) / flags.tps; // ms after start
  let i = 0;
  while (i < total) {
    const wait = start + dueAt(i) - Date.now();
    if (wait > 0) await sleep(wait);
    const horizon = Date.now() - start + TICK_MS;
    const byApi = new Map<string, string[]>();
    for (; i < total && dueAt(i) < horizon; i++) {
      const from = i % keys.length;
      const to = keys[(i + 1 + (i % (keys.length - 1))) % keys.length]!;
      const tx = signTx(
        {
          version: TX_VERSION,
          nonce: nonces[from]!++,
          fee: FEE,
          amount: 1_000n + BigInt(i),
          to: to.addressHash,
          from: keys[from]!.publicKey,
        },
        keys[from]!.privateKey,
        genesis,
      );
      const api = live[i % live.length]!;
      const raws = byApi.get(api) ?? [];
      raws.push(toHex(encodeTx(tx)));
      byApi.set(api, raws);
    }
    // A lagging loop (a busy machine) catches up in one go: in requests of at most SUBMIT_BATCH_MAX.
    const requests = [...byApi].flatMap(([api, all]) =>
      Array.from({ length: Math.ceil(all.length / SUBMIT_BATCH_MAX) }, (_, k) => ({
        api,
        raws: all.slice(k * SUBMIT_BATCH_MAX, (k + 1) * SUBMIT_BATCH_MAX),
      })),
    );
    for (const { api, raws } of requests) {
      pending.push(
        post<{ results: BatchResult[] }>(`${api}/txs/batch`, { txs: raws }).then(
          ({ results: answers }) => {
            for (const r of answers) count(r.status === 202 ? 'accepted' : (r.error?.code ?? 'ERROR'));
          },
          // The request as a whole failed (the node is down or busy): none of its txs was taken.
          (e: Error) => count(/\[(\w+)\]$/.exec(e.message)?.[1] ?? 'ERROR', raws.length),
        ),
      );
    }
  }
  await Promise.all(pending);
  const summary = [...results.entries()].map(([k, v]) => `${v} ${k}`).join(', ');
  console.log(`done in ${((Date.now() - start) / 1000).toFixed(1)} s: ${summary}`);
  console.log(
    'watch: the mempools fill, then the next blocks carry the transfers (`npm run devnet -- status`).',
  );
}
