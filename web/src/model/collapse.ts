// Long linear runs collapse: 5,000 blocks in a row say nothing one block would not, so the x axis
// (height) keeps only the columns worth seeing: forks and a margin around them, the tips the nodes
// follow, the newest `tail` heights, the selected block, and one "… n blocks …" column per run between
// them. A hard cap on columns keeps the page under its DOM budget however busy the tree.

export type Column =
  | { readonly kind: 'height'; readonly height: number }
  | { readonly kind: 'gap'; readonly from: number; readonly to: number };

export interface CollapseOptions {
  /** Heights kept on each side of an interesting height. */
  readonly margin: number;
  /** The newest heights always kept. */
  readonly tail: number;
  /** A run shorter than this is drawn in full rather than collapsed. */
  readonly minRun: number;
  /** At most this many columns; the oldest fold into one leading gap. */
  readonly maxColumns: number;
}

/** The whole page's element count stays under this however long the chain (test/e2e/dashboard-budget). */
export const DOM_NODE_BUDGET = 3_000;

export const DEFAULT_COLLAPSE: CollapseOptions = { margin: 1, tail: 12, minRun: 4, maxColumns: 240 };

/** The columns for heights `min`..`max` given the heights that must show. */
export function collapse(
  min: number,
  max: number,
  interesting: Iterable<number>,
  opts: CollapseOptions = DEFAULT_COLLAPSE,
): Column[] {
  if (max < min) return [];
  const keep = new Set<number>([min]);
  for (let h = Math.max(min, max - opts.tail + 1); h <= max; h++) keep.add(h);
  for (const i of interesting) {
    for (let h = i - opts.margin; h <= i + opts.margin; h++) if (h >= min && h <= max) keep.add(h);
  }
  const kept = [...keep].sort((a, b) => a - b);
  const cols: Column[] = [];
  for (let i = 0; i < kept.length; i++) {
    const h = kept[i]!;
    const prev = i === 0 ? undefined : kept[i - 1]!;
    if (prev !== undefined && h - prev - 1 > 0) {
      const gap = h - prev - 1;
      if (gap < opts.minRun) for (let g = prev + 1; g < h; g++) cols.push({ kind: 'height', height: g });
      else cols.push({ kind: 'gap', from: prev + 1, to: h - 1 });
    }
    cols.push({ kind: 'height', height: h });
  }
  if (cols.length <= opts.maxColumns) return cols;
  const rest = cols.slice(cols.length - opts.maxColumns + 1);
  const first = rest[0]!;
  const firstHeight = first.kind === 'height' ? first.height : first.from;
  return [{ kind: 'gap', from: min, to: firstHeight - 1 }, ...rest];
}

/** Column index of each shown height (heights inside a gap map to the gap's column). */
export function columnIndex(cols: readonly Column[]): (height: number) => number | undefined {
  const byHeight = new Map<number, number>();
  const gaps: { from: number; to: number; i: number }[] = [];
  cols.forEach((c, i) => {
    if (c.kind === 'height') byHeight.set(c.height, i);
    else gaps.push({ from: c.from, to: c.to, i });
  });
  return (h) => byHeight.get(h) ?? gaps.find((g) => h >= g.from && h <= g.to)?.i;
}
