// View 1: the block tree, hand-written SVG. x is the height (long linear runs fold into one "… n
// blocks …" column), the centre lane is the ancestry of the max-work tip, side branches keep their lanes.
import { html } from 'htm/preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { type Column, collapse, columnIndex } from '../model/collapse.js';
import { colourOf, formatWork, shortHash } from '../model/format.js';
import { followedSide, landmarks, leaves, type TreeBlock } from '../model/tree.js';
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
  // The newest blocks stay in view as the chain grows, unless the learner scrolled back to look.
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollLeft = el.scrollWidth;
  });
  const t = d.tree;
  const blocks = [...t.blocks.values()].filter((b) => d.visible(b.hash));
  if (blocks.length === 0) return html`<section class="card tree"><p>Loading the block tree…</p></section>`;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const b of blocks) {
    min = Math.min(min, b.height);
    max = Math.max(max, b.height);
  }
  const interesting = landmarks(t, (h) => d.visible(h));
  for (const n of d.nodes) {
    const tip = n.tip && t.blocks.get(n.tip);
    if (tip) interesting.push(tip.height);
  }
  const sel = d.selected && t.blocks.get(d.selected);
  if (sel) interesting.push(sel.height);
  const cols: Column[] = collapse(min, max, interesting);
  const colOf = columnIndex(cols);
  const shown: TreeBlock[] = [];
  /** `${gap column}:${lane}` of every lane that has blocks folded into a gap. */
  const folded = new Set<string>();
  for (const b of blocks) {
    const c = colOf(b.height) ?? 0;
    if (cols[c]?.kind === 'height') shown.push(b);
    else folded.add(`${c}:${t.lanes.get(b.hash) ?? 0}`);
  }
  // Sized by every lane ever used, not the ones on screen now: the centre lane never jumps.
  const top = t.top;
  const bottom = t.bottom;
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
    // A parent folded into a gap column: draw the edge from the gap, on the parent's lane.
    const from =
      p ??
      (parent ? { x: xOf(colOf(parent.height) ?? 0), y: yOf(t.lanes.get(parent.hash) ?? 0) } : undefined);
    if (!from) return null;
    return html`<line key=${b.hash} class="edge" x1=${from.x + W} y1=${from.y + H / 2} x2=${c.x} y2=${c.y + H / 2} />`;
  });

  // A gap column: the run it folds, as one line per lane that has blocks in it, and its length.
  const gaps = cols.map((c, i) =>
    c.kind === 'gap'
      ? html`<g class="gap" data-from=${c.from} data-to=${c.to}>
          ${[...folded]
            .filter((k) => k.startsWith(`${i}:`))
            .map((k) => {
              const y = yOf(Number(k.slice(k.indexOf(':') + 1))) + H / 2;
              return html`<line class="edge folded" x1=${xOf(i) - COL + W} y1=${y} x2=${xOf(i) + COL} y2=${y} />`;
            })}
          <text x=${xOf(i) + W / 2} y=${yOf(0) - 4} text-anchor="middle">… ${c.to - c.from + 1} …</text>
        </g>`
      : null,
  );

  // Side-branch blocks that some node still follows (its tip is on that branch); the rest are stale.
  const followed = followedSide(
    t,
    d.nodes.flatMap((n) => (n.tip ? [n.tip] : [])),
  );

  const nodes = shown.map((b) => {
    const { x, y } = pos.get(b.hash)!;
    const lane = t.lanes.get(b.hash) ?? 0;
    const abandoned = t.abandoned.has(b.hash) && lane !== 0;
    const stale = lane !== 0 && !followed.has(b.hash);
    return html`<g
      key=${b.hash}
      class=${`block${lane === 0 ? ' main' : ''}${abandoned ? ' abandoned' : ''}${stale ? ' stale' : ''}${d.selected === b.hash ? ' selected' : ''}`}
      data-hash=${b.hash}
      data-height=${b.height}
      data-lane=${lane}
      transform=${`translate(${x},${y})`}
      onClick=${() => d.select(b.hash)}
    >
      <title>#${b.height} ${b.hash}</title>
      <rect width=${W} height=${H} rx="4" fill=${abandoned || stale ? '#666' : blockColour(d, b)} />
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
      work, side rows are forks, each coloured dot is a node sitting on the tip it follows, and grey
      blocks are stale: a branch no node follows any more.
    </p>
    <div
      class="scroll"
      ref=${scroller}
      onScroll=${(e: Event) => {
        const el = e.currentTarget as HTMLDivElement;
        stick.current = el.scrollLeft + el.clientWidth >= el.scrollWidth - 2 * COL;
      }}
    >
      <svg width=${width} height=${height} data-columns=${cols.length} role="img" aria-label="block tree">
        ${edges}${gaps}${nodes}${tipLabels}${badges}
      </svg>
    </div>
    ${best ? html`<p class="legend">best tip #${best.height} ${shortHash(best.hash)}, work ${formatWork(best.chainWork)}</p>` : null}
  </section>`;
}
