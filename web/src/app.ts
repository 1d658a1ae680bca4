// The dashboard page: one Dashboard (store.ts) and the views, re-rendered at most once per frame.
import { html } from 'htm/preact';
import { Component, type VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Dashboard } from './store.js';
import { Mempools, NetworkGraph, Propagation } from './views/network.js';
import { Banner, ConsensusBar, Controls, EventLog, Inspector } from './views/panels.js';
import { TreeView } from './views/tree-view.js';

export function App({ d }: { d: Dashboard }) {
  const [, setTick] = useState(0);
  useEffect(() => d.subscribe(() => setTick((x) => x + 1)), [d]);
  const n0 = d.nodes[0];
  return html`<main>
    <header>
      <h1>Cairn live view</h1>
      <span class="mode" data-mode=${d.mode}>${d.mode === 'devnet' ? `devnet: ${d.nodes.length} nodes` : `one node (${n0?.status?.network ?? '…'})`}</span>
      ${d.mode === 'node' && n0?.status ? html`<span class="status">height <b data-testid="height">${n0.status.height}</b> tip <code data-testid="tip">${n0.status.tipHash}</code></span>` : null}
    </header>
    <${ConsensusBar} d=${d} />
    <${Banner} d=${d} />
    <${TreeView} d=${d} />
    <div class="grid">
      <${Slow} v=${d.slow} render=${() => html`<${Inspector} d=${d} />`} />
      <${Slow} v=${d.slow} render=${() => html`<${EventLog} d=${d} />`} />
      <${Slow} v=${d.slow} render=${() => html`<${NetworkGraph} d=${d} />`} />
      <${Slow} v=${d.slow} render=${() => html`<${Propagation} d=${d} />`} />
      <${Slow} v=${d.slow} render=${() => html`<${Mempools} d=${d} />`} />
      <${Controls} d=${d} />
    </div>
  </main>`;
}

/** Renders its view only when `v` changes (the dashboard's slow tick), whatever re-renders around it. */
class Slow extends Component<{ v: number; render: () => VNode }> {
  override shouldComponentUpdate(next: { v: number }): boolean {
    return next.v !== this.props.v;
  }
  render() {
    return this.props.render();
  }
}
