// The consensus bar: do the nodes hold one ledger? Nodes are grouped by what they hold (their tip and
// their state digest: an order-independent digest of every account, docs/PROTOCOL.md), and the groups'
// tips are compared in the block tree for the height they all still share.

export interface NodeTip {
  readonly name: string;
  readonly tip: string | undefined;
  readonly height: number;
  readonly stateDigest?: string;
  readonly online: boolean;
}

export interface Ledger {
  readonly nodes: readonly string[];
  readonly tip: string;
  readonly height: number;
  readonly stateDigest?: string;
}

export interface Consensus {
  readonly ledgers: readonly Ledger[];
  /** The height every online node's chain shares (undefined when unknown). */
  readonly agreedHeight: number | undefined;
  readonly offline: readonly string[];
  readonly text: string;
}

/** `ancestor(a, b)` is the height of the last common ancestor of two tips, if known. */
export function consensus(
  nodes: readonly NodeTip[],
  ancestor: (a: string, b: string) => number | undefined,
): Consensus {
  const online = nodes.filter((n) => n.online && n.tip !== undefined);
  const offline = nodes.filter((n) => !n.online || n.tip === undefined).map((n) => n.name);
  const groups = new Map<string, NodeTip[]>();
  for (const n of online) {
    const key = `${n.tip}/${n.stateDigest ?? ''}`;
    const g = groups.get(key);
    if (g) g.push(n);
    else groups.set(key, [n]);
  }
  const ledgers: Ledger[] = [...groups.values()]
    .map((g) => ({
      nodes: g.map((n) => n.name).sort(),
      tip: g[0]!.tip!,
      height: g[0]!.height,
      ...(g[0]!.stateDigest !== undefined ? { stateDigest: g[0]!.stateDigest } : {}),
    }))
    .sort((a, b) => b.nodes.length - a.nodes.length || (a.nodes[0]! < b.nodes[0]! ? -1 : 1));
  let agreedHeight: number | undefined = ledgers[0]?.height;
  for (const l of ledgers.slice(1)) {
    if (agreedHeight === undefined) break;
    const h = ancestor(ledgers[0]!.tip, l.tip);
    agreedHeight = h === undefined ? undefined : Math.min(agreedHeight, h);
  }
  const upTo = agreedHeight === undefined ? 'unknown' : `#${agreedHeight}`;
  const tail = offline.length > 0 ? ` (${offline.join(', ')} offline)` : '';
  let text: string;
  if (ledgers.length === 0) text = `no node answers${tail}`;
  else if (ledgers.length === 1) {
    text = `${online.length}/${online.length} ${online.length === 1 ? 'node' : 'nodes'} agree: one ledger, up to ${upTo}${tail}`;
  } else {
    const sets = ledgers.map((l) => `{${l.nodes.join(', ')}}`).join(' | ');
    text = `${ledgers.length} ledgers: ${sets}, agreed up to ${upTo}${tail}`;
  }
  return { ledgers, agreedHeight, offline, text };
}
