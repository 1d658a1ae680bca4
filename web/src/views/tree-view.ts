// View 1: the block tree, hand-written SVG. x is the height (long linear runs fold into one "… n
// blocks …" column), the centre lane is the ancestry of the max-work tip, side branches keep their lanes.
import { html } from 'htm/preact';
import { type Column, collapse, columnIndex } from '../model/collapse.js';
import { colourOf, formatWork, shortHash } from '../model/format.js';
import { leaves, type TreeBlock } from '../model/tree.js';
import type { Dashboard } from '../store.js';

const COL = 64;
const LANE = 46;
const W = 40;
const H = 24;
const NODE_COLOURS = ['#e4572e', '#29a9e0', '#7cb518', '#f3a712', '#a85ee3', '#e84a9b', '#20c5a0', '#8d6e63'];

export function nodeColour(d: Dashboard, name: string): string {
  const i = d.nodes.findIndex((n) => n.name === name);
  return i >= 0 ? NODE_COLOURS[i % NODE_COLOURS.length]! : colourOf(name);
}

function blockColour(d: Dashboard, b: TreeBlock): string {
  const node = d.minerNode.get(b.miner);
  return node ? nodeColour(d, node) : colourOf(b.miner);
}

export function TreeView({ d }: { d: Dashboard }) {
  const t = d.tree;
  const blocks = [...t.blocks.values()].filter((b) => d.visible(b.hash));
  if (blocks.length === 0) return html`<section class="card tree"><p>Loading the block tree…</p></section>`;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  const interesting: number[] = [];
  for (const b of blocks) {
    min = Math.min(min, b.height);
    max = Math.max(max, b.height);
    if (t.lanes.get(b.hash) !== 0) interesting.push(b.height, b.height - 1);
  }
  for (const n of d.nodes) {
    const tip = n.tip && t.blocks.get(n.tip);
    if (tip) interesting.push(tip.height);
  }
  const sel = d.selected && t.blocks.get(d.selected);
  if (sel) interesting.push(sel.height);
  const cols: Column[] = collapse(min, max, interesting);
  const colOf = columnIndex(cols);
  const shown = blocks.filter((b) => cols[colOf(b.height) ?? -1]?.kind === 'height');
  let top = 0;
  let bottom = 0;
  for (const b of shown) {
    const lane = t.lanes.get(b.hash) ?? 0;
    top = Math.max(top, lane);
    bottom = Math.min(bottom, lane);
  }
  const yOf = (lane: number) => 30 + (top - lane) * LANE;
  const xOf = (col: number) => 20 + col * COL;
  const pos = new Map<string, { x: number; y: number }>();
  for (const b of shown) pos.set(b.hash, { x: xOf(colOf(b.height)!), y: yOf(t.lanes.get(b.hash) ?? 0) });
  const width = xOf(cols.length) + 140;
  const height = yOf(bottom) + 60;
  const best = t.best ? t.blocks.get(t.best) : undefined;

  const edges = shown.map((b) => {
    const p = pos.get(b.parent);
    const c = pos.get(b.hash)!;
    const parent = t.blocks.get(b.parent);
    // A parent folded into a gap column: draw the edge to the gap on the centre lane.
    const from = p ?? (parent ? { x: xOf(colOf(parent.height) ?? 0), y: yOf(0) } : undefined);
    if (!from) return null;
    return html`<line key=${b.hash} class="edge" x1=${from.x + W} y1=${from.y + H / 2} x2=${c.x} y2=${c.y + H / 2} />`;
  });

  const gaps = cols.map((c, i) =>
    c.kind === 'gap'
      ? html`<g class="gap" data-from=${c.from} data-to=${c.to}>
          <line class="edge" x1=${xOf(i) - COL + W} y1=${yOf(0) + H / 2} x2=${xOf(i) + COL} y2=${yOf(0) + H / 2} />
          <text x=${xOf(i) + W / 2} y=${yOf(0) - 4} text-anchor="middle">… ${c.to - c.from + 1} …</text>
        </g>`
      : null,
  );

  const nodes = shown.map((b) => {
    const { x, y } = pos.get(b.hash)!;
    const lane = t.lanes.get(b.hash) ?? 0;
    const abandoned = t.abandoned.has(b.hash) && lane !== 0;
    return html`<g
      key=${b.hash}
      class=${`block${lane === 0 ? ' main' : ''}${abandoned ? ' abandoned' : ''}${d.selected === b.hash ? ' selected' : ''}`}
      data-hash=${b.hash}
      data-height=${b.height}
      data-lane=${lane}
      transform=${`translate(${x},${y})`}
      onClick=${() => d.select(b.hash)}
    >
      <title>#${b.height} ${b.hash}</title>
      <rect width=${W} height=${H} rx="4" fill=${abandoned ? '#666' : blockColour(d, b)} />
      <text x=${W / 2} y=${H / 2 + 4} text-anchor="middle">${b.height}</text>
    </g>`;
  });

  const tipLabels = leaves(t)
    .filter((b) => pos.has(b.hash))
    .map((b) => {
      const { x, y } = pos.get(b.hash)!;
      const deficit = best ? best.chainWork - b.chainWork : 0n;
      return html`<text key=${b.hash} class="tip-label" data-tip=${b.hash} x=${x + W + 6} y=${y + H / 2 + 4}>
        work ${formatWork(b.chainWork)}${deficit > 0n ? ` (−${formatWork(deficit)})` : ' (best)'}
      </text>`;
    });

  // One badge per node on the tip it follows; they move (CSS transition) when the node reorgs.
  const stacked = new Map<string, number>();
  const badges = d.nodes.map((n) => {
    const p = n.tip ? pos.get(n.tip) : undefined;
    if (!p || !n.online) return null;
    const k = stacked.get(n.tip!) ?? 0;
    stacked.set(n.tip!, k + 1);
    return html`<g
      key=${n.name}
      class="badge"
      data-node=${n.name}
      data-tip=${n.tip}
      style=${`transform: translate(${p.x + k * 14}px, ${p.y - 16}px)`}
    >
      <title>${n.name} follows ${n.tip}</title>
      <circle r="6" cx="6" cy="6" fill=${nodeColour(d, n.name)} />
    </g>`;
  });

  return html`<section class="card tree">
    <h2>Block tree</h2>
    <p class="explain">
      Each box is a block, left to right by height; the centre row is the chain with the most cumulative
      work, side rows are forks, and each coloured dot is a node sitting on the tip it follows.
    </p>
    <div class="scroll">
      <svg width=${width} height=${height} data-columns=${cols.length} role="img" aria-label="block tree">
        ${edges}${gaps}${nodes}${tipLabels}${badges}
      </svg>
    </div>
    ${best ? html`<p class="legend">best tip #${best.height} ${shortHash(best.hash)}, work ${formatWork(best.chainWork)}</p>` : null}
  </section>`;
}
