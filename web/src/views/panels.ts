// Views 2, 5, 7 and 8: the consensus bar, the event log with its time scrubber, the block inspector and
// the devnet controls.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { consensus } from '../model/consensus.js';
import { formatWork, shortHash, targetOfBits, workOfTarget } from '../model/format.js';
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
    <div class="consensus-head">
      <strong class="consensus-text">${c.text}</strong>
      <span class=${`conn ${d.connected ? 'on' : 'off'}`}>${d.connected ? 'live' : 'reconnecting…'}</span>
    </div>
    <p class="explain">
      Nodes holding the same tip and the same state digest (a digest of every account) hold one ledger; the
      digests are compared below, one row per node.
    </p>
    <table class="nodes">
      <tr><th>node</th><th>height</th><th>tip</th><th>state digest</th><th>peers</th><th>mempool</th></tr>
      ${d.nodes.map((n) => {
        const digest = n.status?.stateDigest;
        const ledger = c.ledgers.findIndex((l) => l.nodes.includes(n.name));
        return html`<tr class=${`node-row${n.online ? '' : ' offline'}`} data-node=${n.name} data-height=${n.height} data-tip=${n.tip ?? ''} data-digest=${digest ?? ''}>
          <td><span class="dot" style=${`background:${nodeColour(d, n.name)}`}></span>${n.name}</td>
          <td>${n.online ? n.height : 'down'}</td>
          <td class="mono">${n.tip ? shortHash(n.tip) : '—'}</td>
          <td class="mono">${digest ? html`<span class=${`digest ledger-${ledger}`}>${shortHash(digest)}</span>` : '—'}</td>
          <td>${n.status?.peers ?? '—'}</td>
          <td>${n.status?.mempool ?? '—'}</td>
        </tr>`;
      })}
    </table>
  </section>`;
}

export function Banner({ d }: { d: Dashboard }) {
  const b = d.banner;
  if (!b) return null;
  // Keyed by time, so each reorg replays the banner's entrance animation.
  return html`<div key=${b.at} class="banner" role="status" data-at=${b.at} data-node=${b.node} data-depth=${b.depth}>
    ${b.text}: its badge slides to the heavier branch, and the blocks it abandoned turn grey
    <button onClick=${() => {
      d.banner = undefined;
      d.changed(true);
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
    // Ask a node that has had the block (a side-branch block is unknown to the others: 404).
    const had = d.seen.get(hash);
    const base = d.baseOf(d.nodes.find((n) => n.online && (!had || had.has(n.name)))?.name);
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
    <p class="explain">Every event the nodes reported, newest first; drag the scrubber back, or press play, to replay the tree as it grew.</p>
    <label class="scrubber">
      <button class="play" onClick=${() => (d.playing ? d.scrubTo(undefined) : d.play())}>${d.playing ? '■' : '▶'}</button>
      <input
        type="range"
        min=${firstSeq}
        max=${end}
        value=${at}
        onInput=${(e: Event) => {
          const v = Number((e.target as HTMLInputElement).value);
          d.scrubTo(v >= end ? undefined : v);
        }}
      />
      <span class="scrub-state">${d.scrub === undefined ? 'live' : `replaying: event ${at} of ${end}`}</span>
    </label>
    <ol class="events">
      ${shown.map(
        (
          e,
        ) => html`<li key=${e.seq} data-event-id=${`${e.node}/${e.id}`} data-event=${e.event} class=${e.event.replace(':', '-')}>
          <time>${new Date(e.at).toISOString().slice(11, 23)}</time>
          ${e.node ? html`<b style=${`color:${nodeColour(d, e.node)}`}>${e.node}</b>` : null} ${e.text}
        </li>`,
      )}
    </ol>
  </section>`;
}

/** Splits the nodes in two, each side with a miner where possible: even indexes | odd indexes. */
function defaultGroups(d: Dashboard): string {
  const names = d.nodes.map((_, i) => i);
  return `${names.filter((i) => i % 2 === 0).join(',')} ${names.filter((i) => i % 2 === 1).join(',')}`;
}

export function Controls({ d }: { d: Dashboard }) {
  const [result, setResult] = useState('');
  const [busy, setBusy] = useState(false);
  const [groups, setGroups] = useState('');
  const [from, setFrom] = useState('dev0');
  const [to, setTo] = useState('dev1');
  const [amount, setAmount] = useState('1.5');
  if (d.mode !== 'devnet') return null;
  const act = (path: string, body: Record<string, unknown>, label: string) => {
    setBusy(true);
    setResult(`${label}: …`);
    void d
      .action(path, body, label)
      .then(setResult, (e: Error) => setResult(`${label}: ${e.message}`))
      .finally(() => setBusy(false));
  };
  const split = (groups || defaultGroups(d)).trim().split(/\s+/);
  return html`<section class="card controls">
    <h2>Devnet controls</h2>
    <p class="explain">Split the network, heal it, stop, kill or restart a node, or send coins: the same as <code>npm run devnet -- …</code>, and the views above react.</p>
    <div class="control-row">
      <button data-control="partition" disabled=${busy} onClick=${() => act('partition', { groups: split }, `partition ${split.join(' | ')}`)}>partition</button>
      <input class="groups" aria-label="groups" value=${groups} placeholder=${defaultGroups(d)} onInput=${(e: Event) => setGroups((e.target as HTMLInputElement).value)} />
      <button data-control="heal" disabled=${busy} onClick=${() => act('heal', {}, 'heal')}>heal</button>
      ${d.partition ? html`<span class="partition">split: ${d.partition.map((g) => `{${g.join(', ')}}`).join(' | ')}</span>` : null}
    </div>
    <div class="control-row">
      <button data-control="send" disabled=${busy} onClick=${() => act('transfer', { from, to, amount }, `send ${amount} ${from} → ${to}`)}>send</button>
      <input class="from" aria-label="from" size="5" value=${from} onInput=${(e: Event) => setFrom((e.target as HTMLInputElement).value)} />
      →
      <input class="to" aria-label="to" size="12" value=${to} onInput=${(e: Event) => setTo((e.target as HTMLInputElement).value)} />
      <input class="amount" aria-label="amount" size="6" value=${amount} onInput=${(e: Event) => setAmount((e.target as HTMLInputElement).value)} /> coins
    </div>
    ${d.nodes.map(
      (n) => html`<div class="node-controls control-row" data-node=${n.name}>
        <b style=${`color:${nodeColour(d, n.name)}`}>${n.name}</b> <span class="state">${n.online ? 'up' : 'down'}</span>
        <button data-control="stop" disabled=${busy} onClick=${() => act(`nodes/${n.name}/stop`, {}, `stop ${n.name}`)}>stop</button>
        <button data-control="start" disabled=${busy} onClick=${() => act(`nodes/${n.name}/start`, {}, `start ${n.name}`)}>start</button>
        <button data-control="kill" disabled=${busy} onClick=${() => act(`nodes/${n.name}/kill`, {}, `kill ${n.name}`)}>kill</button>
      </div>`,
    )}
    <p class="result" role="status">${result}</p>
  </section>`;
}
