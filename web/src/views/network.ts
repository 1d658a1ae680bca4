// Views 3, 4 and 6: the network graph, block propagation, and the mempools.
import { html } from 'htm/preact';
import { shortHash } from '../model/format.js';
import { followedSide } from '../model/tree.js';
import type { Dashboard } from '../store.js';
import { nodeColour } from './tree-view.js';

/** View 3: who is connected to whom. Nodes that can reach each other are drawn together. */
export function NetworkGraph({ d }: { d: Dashboard }) {
  // Name each peer id: a devnet node's own id when /devnet/state gives it, else the id itself.
  const nameOf = new Map(d.nodes.filter((n) => n.peerId).map((n) => [n.peerId!, n.name]));
  const names = new Set(d.nodes.map((n) => n.name));
  const edges: { a: string; b: string; banned: boolean }[] = [];
  for (const n of d.nodes) {
    for (const p of n.peers) {
      const other = nameOf.get(p.peerId) ?? p.peerId;
      names.add(other);
      if (!edges.some((e) => (e.a === other && e.b === n.name) || (e.a === n.name && e.b === other))) {
        edges.push({ a: n.name, b: other, banned: p.banned });
      }
    }
  }
  // Connected components (ignoring bans): each one gets its own circle, side by side.
  const comp = new Map<string, string>();
  const find = (x: string): string =>
    comp.get(x) === undefined || comp.get(x) === x ? x : find(comp.get(x)!);
  for (const x of names) comp.set(x, x);
  for (const e of edges) if (!e.banned) comp.set(find(e.a), find(e.b));
  const groups = new Map<string, string[]>();
  for (const x of names) {
    const r = find(x);
    groups.set(r, [...(groups.get(r) ?? []), x]);
  }
  const pos = new Map<string, { x: number; y: number }>();
  [...groups.values()].forEach((members, gi) => {
    const cx = 90 + gi * 180;
    members.forEach((m, i) => {
      const a = (2 * Math.PI * i) / members.length;
      const r = members.length === 1 ? 0 : 50;
      pos.set(m, { x: cx + r * Math.cos(a), y: 85 + r * Math.sin(a) });
    });
  });
  const width = Math.max(200, groups.size * 180);
  return html`<section class="card network" data-components=${groups.size}>
    <h2>Network</h2>
    <p class="explain">Each circle is a node and each line a peer connection; a partition shows as groups drawn apart, a ban as a red dashed line.</p>
    <svg width=${width} height="170">
      ${edges.map((e) => {
        const a = pos.get(e.a)!;
        const b = pos.get(e.b)!;
        return html`<line class=${`peer${e.banned ? ' banned' : ''}`} x1=${a.x} y1=${a.y} x2=${b.x} y2=${b.y} />`;
      })}
      ${[...pos.entries()].map(
        ([name, p]) => html`<g class="net-node" data-node=${name}>
          <circle cx=${p.x} cy=${p.y} r="14" fill=${names.has(name) && d.nodes.some((n) => n.name === name) ? nodeColour(d, name) : '#888'} />
          <text x=${p.x} y=${p.y + 28} text-anchor="middle">${name.length > 12 ? shortHash(name) : name}</text>
        </g>`,
      )}
    </svg>
  </section>`;
}

const BUCKETS = [50, 100, 250, 500, 1000, 2000, Number.POSITIVE_INFINITY];

/** View 4: how long each block took to reach each node, a histogram of those delays and the stale rate. */
export function Propagation({ d }: { d: Dashboard }) {
  const rows = [...d.seen.entries()]
    .map(([hash, m]) => ({
      hash,
      b: d.tree.blocks.get(hash),
      times: [...m.entries()].sort((x, y) => x[1] - y[1]),
    }))
    .filter((r) => r.b && r.times.length > 0)
    .sort((x, y) => y.b!.height - x.b!.height)
    .slice(0, 8);
  const counts = BUCKETS.map(() => 0);
  for (const m of d.seen.values()) {
    const ts = [...m.values()];
    const first = Math.min(...ts);
    for (const t of ts) if (t !== first) counts[BUCKETS.findIndex((b) => t - first < b)]!++;
  }
  const peak = Math.max(1, ...counts);
  // Stale: off the main chain and followed by no node (a fork still being mined on is not stale yet).
  const followed = followedSide(
    d.tree,
    d.nodes.flatMap((n) => (n.tip ? [n.tip] : [])),
  );
  let stale = 0;
  for (const b of d.tree.blocks.values()) {
    if (d.tree.lanes.get(b.hash) !== 0 && !followed.has(b.hash)) stale++;
  }
  const rate = d.tree.blocks.size ? (100 * stale) / d.tree.blocks.size : 0;
  return html`<section class="card propagation">
    <h2>Propagation</h2>
    <p class="explain">When each node first had each block, counted from the first node that had it; slow propagation is what makes forks, and the stale rate counts the blocks they cost.</p>
    <table class="waterfall">
      ${rows.map((r) => {
        const first = r.times[0]![1];
        return html`<tr key=${r.hash} data-hash=${r.hash}><th>#${r.b!.height}</th><td>
          ${r.times.map(
            ([node, t]) =>
              html`<div class="bar" style=${`margin-left:${Math.min(300, (t - first) / 5)}px;background:${nodeColour(d, node)}`}>${node} +${t - first} ms</div>`,
          )}
        </td></tr>`;
      })}
    </table>
    <div class="histogram">
      ${counts.map(
        (c, i) =>
          html`<div class="hbar"><span style=${`height:${(60 * c) / peak}px`}></span><small>${BUCKETS[i] === Number.POSITIVE_INFINITY ? '>2s' : `<${BUCKETS[i]}ms`}</small></div>`,
      )}
    </div>
    <p data-stale=${stale}>stale blocks: ${stale} of ${d.tree.blocks.size} (${rate.toFixed(1)} %)</p>
  </section>`;
}

/** View 6: each node's mempool, and the path of one transfer through the network and the chain. */
export function Mempools({ d }: { d: Dashboard }) {
  const tx = d.followed;
  const path = tx ? (d.journeys.get(tx) ?? []) : [];
  const first = path[0]?.at ?? 0;
  return html`<section class="card mempool">
    <h2>Mempools</h2>
    <p class="explain">Transfers waiting to be mined, per node; click one to follow its path: submitted, gossiped, mined, reorged out and back if its block loses, confirmed.</p>
    ${d.nodes.map(
      (n) => html`<div class="pool" data-node=${n.name}>
        <b style=${`color:${nodeColour(d, n.name)}`}>${n.name}</b>: <span data-pending=${n.status?.mempool ?? n.mempool.length}>${n.status?.mempool ?? n.mempool.length} pending</span>
        <div>${n.mempool.slice(0, 8).map((id) => html`<button class="tx" data-tx=${id} onClick=${() => d.follow(id)}>${id.slice(0, 8)}</button>`)}</div>
      </div>`,
    )}
    ${
      tx
        ? html`<div class="tx-path" data-tx=${tx}><b>${tx.slice(0, 16)}…</b>
          <ol>${path.map((s) => html`<li data-step=${s.kind} data-node=${s.node}><b>${s.kind}</b> ${s.text} <small>+${s.at - first} ms</small></li>`)}</ol>
          <button onClick=${() => d.follow(undefined)}>stop following</button></div>`
        : null
    }
  </section>`;
}
