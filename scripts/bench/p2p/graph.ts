// Random regular graphs for the propagation-at-scale benchmark: n nodes, each with exactly d peers, drawn
// uniformly enough for a benchmark by the Steger–Wormald algorithm (Steger and Wormald, "Generating random
// regular graphs quickly", 1999): pair up the n·d "stubs" one random pair at a time, never making a loop
// or a double edge; if the last stubs cannot be paired, start again. Unlike the plain pairing model, whose
// chance of success falls like e^(−(d²−1)/4) (for d = 8, about one try in 7 million), this succeeds in a
// few tries for the sizes used here. Pure: the random source is an argument.

/** Adjacency lists: graph[i] = the peers of node i, sorted. */
export type Graph = readonly (readonly number[])[];

export function randomRegularGraph(n: number, d: number, random: () => number, maxTries = 1_000): Graph {
  if (!Number.isInteger(n) || !Number.isInteger(d) || d < 1 || d >= n || (n * d) % 2 !== 0)
    throw new Error(`no ${d}-regular graph on ${n} nodes (need 1 ≤ d < n and n·d even)`);
  for (let attempt = 0; attempt < maxTries; attempt++) {
    const graph = tryPairing(n, d, random);
    if (graph) return graph;
  }
  throw new Error(`could not draw a ${d}-regular graph on ${n} nodes in ${maxTries} tries`);
}

function tryPairing(n: number, d: number, random: () => number): Graph | undefined {
  const adjacent = Array.from({ length: n }, () => new Set<number>());
  // One stub per (node, free slot).
  const stubs: number[] = [];
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) stubs.push(i);
  const suitable = (a: number, b: number) => {
    const u = stubs[a]!;
    const v = stubs[b]!;
    return u !== v && !adjacent[u]!.has(v);
  };
  while (stubs.length > 0) {
    // A random pair of stubs, redrawn while it would make a loop or a double edge; near the end, when
    // few pairs are left, the possible ones are listed and one is drawn among them (none: stuck).
    let pair: [number, number] | undefined;
    for (let k = 0; k < 50 && !pair; k++) {
      const a = Math.floor(random() * stubs.length);
      const b = Math.floor(random() * stubs.length);
      if (a !== b && suitable(a, b)) pair = a < b ? [a, b] : [b, a];
    }
    if (!pair) {
      const candidates: [number, number][] = [];
      for (let a = 0; a < stubs.length; a++)
        for (let b = a + 1; b < stubs.length; b++) if (suitable(a, b)) candidates.push([a, b]);
      if (candidates.length === 0) return undefined;
      pair = candidates[Math.floor(random() * candidates.length)]!;
    }
    const [a, b] = pair;
    const u = stubs[a]!;
    const v = stubs[b]!;
    adjacent[u]!.add(v);
    adjacent[v]!.add(u);
    stubs.splice(b, 1);
    stubs.splice(a, 1);
  }
  return adjacent.map((s) => [...s].sort((x, y) => x - y));
}

/** Hops from `from` to every node (breadth-first search); Infinity where unreachable. */
export function hopsFrom(graph: Graph, from: number): number[] {
  const hops = graph.map(() => Number.POSITIVE_INFINITY);
  hops[from] = 0;
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const u = queue[head]!;
    for (const v of graph[u]!) {
      if (hops[v] === Number.POSITIVE_INFINITY) {
        hops[v] = hops[u]! + 1;
        queue.push(v);
      }
    }
  }
  return hops;
}

/** The largest distance between two nodes. */
export function diameter(graph: Graph): number {
  return Math.max(...graph.map((_, i) => Math.max(...hopsFrom(graph, i))));
}
