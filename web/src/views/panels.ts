// Views 2, 5, 7 and 8: the consensus bar, the event log with its time scrubber, the block inspector and
// the devnet controls.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { consensus } from '../model/consensus.js';
import { formatWork, targetOfBits, workOfTarget } from '../model/format.js';
import { commonAncestor } from '../model/tree.js';
import type { Dashboard } from '../store.js';
import { nodeColour } from './tree-view.js';

export function ConsensusBar({ d }: { d: Dashboard }) {
  const c = consensus(
    d.nodes.map((n) => ({
      name: n.name,
      tip: n.tip,
      height: n.height,
      ...(n.status?.stateDigest ? { stateDigest: n.status.stateDigest } : {}),
      online: n.online,
    })),
    (a, b) => commonAncestor(d.tree, a, b)?.height,
  );
  return html`<section class=${`card consensus ${c.ledgers.length > 1 ? 'split' : 'one'}`} data-ledgers=${c.ledgers.length}>
    <strong class="consensus-text">${c.text}</strong>
    <span class="explain">
      Nodes holding the same tip and the same state digest (a digest of every account) hold one ledger.
    </span>
    <span class=${`conn ${d.connected ? 'on' : 'off'}`}>${d.connected ? 'live' : 'reconnecting…'}</span>
  </section>`;
}

export function Banner({ d }: { d: Dashboard }) {
  const b = d.banner;
  if (!b) return null;
  return html`<div class="banner" role="status" data-at=${b.at}>
    ${b.text}
    <button onClick=${() => {
      d.banner = undefined;
      d.changed();
    }}>×</button>
  </div>`;
}

interface BlockJson {
  hash: string;
  height: number;
  version: number;
  prevHash: string;
  txRoot: string;
  miner: string;
  time: number;
  bits: string;
  nonce: string;
  chainWork: string;
  status: string;
  onMainChain: boolean;
  confirmations: number;
  txs: string[];
}

export function Inspector({ d }: { d: Dashboard }) {
  const [block, setBlock] = useState<BlockJson | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const hash = d.selected;
  useEffect(() => {
    setBlock(undefined);
    setError(undefined);
    if (!hash) return;
    const base = d.baseOf(d.nodes.find((n) => n.online)?.name);
    fetch(`${base}/blocks/${hash}`)
      .then(async (r) => (r.ok ? setBlock((await r.json()) as BlockJson) : setError(`HTTP ${r.status}`)))
      .catch((e: Error) => setError(e.message));
  }, [hash]);
  if (!hash) {
    return html`<section class="card inspector"><h2>Block inspector</h2>
      <p class="explain">Click a block to see its header, why its hash is valid proof of work, and who saw it when.</p></section>`;
  }
  const seen = [...(d.seen.get(hash) ?? new Map<string, number>()).entries()].sort((a, b) => a[1] - b[1]);
  const first = seen[0]?.[1] ?? 0;
  let pow = null;
  if (block) {
    const target = targetOfBits(block.bits);
    const value = BigInt(`0x${block.hash}`);
    pow = html`<tr><th>hash ≤ target</th><td class="mono">${value <= target ? 'yes' : 'NO'}: ${block.hash}<br />≤ ${target.toString(16).padStart(64, '0')}</td></tr>
      <tr><th>work</th><td>2^256 / (target + 1) = ${formatWork(workOfTarget(target))}; chain work ${formatWork(BigInt(block.chainWork))}</td></tr>`;
  }
  return html`<section class="card inspector" data-hash=${hash}>
    <h2>Block inspector</h2>
    <p class="explain">A block's header commits to its parent and its txs; its hash must be at most the target its bits name.</p>
    ${error ? html`<p class="error">${error}</p>` : null}
    ${
      block
        ? html`<table>
            <tr><th>height</th><td data-field="height">${block.height}</td></tr>
            <tr><th>hash</th><td class="mono">${block.hash}</td></tr>
            <tr><th>parent</th><td class="mono">${block.prevHash}</td></tr>
            <tr><th>tx root</th><td class="mono">${block.txRoot}</td></tr>
            <tr><th>miner</th><td class="mono">${block.miner}</td></tr>
            <tr><th>time</th><td>${new Date(block.time * 1000).toISOString()}</td></tr>
            <tr><th>bits / nonce</th><td>${block.bits} / ${block.nonce}</td></tr>
            ${pow}
            <tr><th>status</th><td>${block.status}${block.onMainChain ? `, main chain, ${block.confirmations} confirmations` : ', off the main chain'}</td></tr>
            <tr><th>txs (${block.txs.length})</th><td class="mono">${block.txs.slice(0, 20).map((t) => html`<div>${t}</div>`)}</td></tr>
          </table>`
        : html`<p>Loading…</p>`
    }
    <h3>Who saw it when</h3>
    <ul class="seen">${seen.map(([node, at]) => html`<li><span class="dot" style=${`background:${nodeColour(d, node)}`}></span>${node}: +${at - first} ms</li>`)}</ul>
  </section>`;
}

export function EventLog({ d }: { d: Dashboard }) {
  const end = d.logPosition;
  const at = d.scrub ?? end;
  const firstSeq = end - d.log.length;
  const shown = d.log
    .slice(0, Math.max(0, at - firstSeq))
    .slice(-60)
    .reverse();
  return html`<section class="card log">
    <h2>Event log</h2>
    <p class="explain">Every event the nodes reported, newest first; drag the scrubber back to replay the tree as it grew.</p>
    <label class="scrubber">
      <input
        type="range"
        min=${firstSeq}
        max=${end}
        value=${at}
        onInput=${(e: Event) => {
          const v = Number((e.target as HTMLInputElement).value);
          d.scrub = v >= end ? undefined : v;
          d.changed();
        }}
      />
      ${d.scrub === undefined ? 'live' : `replaying: event ${at} of ${end}`}
    </label>
    <ol class="events">
      ${shown.map(
        (e) => html`<li data-event-id=${`${e.node}/${e.id}`} data-event=${e.event} class=${e.event}>
          <time>${new Date(e.at).toISOString().slice(11, 23)}</time>
          ${e.node ? html`<b style=${`color:${nodeColour(d, e.node)}`}>${e.node}</b>` : null} ${e.text}
        </li>`,
      )}
    </ol>
  </section>`;
}

export function Controls({ d }: { d: Dashboard }) {
  const [result, setResult] = useState('');
  if (d.mode !== 'devnet') return null;
  const act = (name: string, body: Record<string, unknown> = {}) => {
    void d.action(name, body).then(setResult);
  };
  return html`<section class="card controls">
    <h2>Devnet controls</h2>
    <p class="explain">Split the network, heal it, stop or kill a node, or send coins, and watch the views above react.</p>
    <div>
      <button onClick=${() => act('partition')}>partition</button>
      <button onClick=${() => act('heal')}>heal</button>
      <button onClick=${() => act('send')}>send</button>
    </div>
    ${d.nodes.map(
      (n) => html`<div class="node-controls" data-node=${n.name}>
        <b style=${`color:${nodeColour(d, n.name)}`}>${n.name}</b> ${n.online ? 'up' : 'down'}
        <button onClick=${() => act('stop', { node: n.name })}>stop</button>
        <button onClick=${() => act('start', { node: n.name })}>start</button>
        <button onClick=${() => act('kill', { node: n.name })}>kill</button>
      </div>`,
    )}
    <p class="result">${result}</p>
  </section>`;
}
