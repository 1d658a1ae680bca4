// Event ids as a node's GET /events writes them (src/api/events.ts): `<epoch>-<seq>`, the epoch naming one
// run of the stream and seq counting its events in order. A replay after a reconnect repeats some events;
// because each source's ids only grow within an epoch, "the newest id applied per source" tells a repeat
// from a new event, in memory that grows with the number of sources, not with the events seen.

export interface EventMark {
  readonly epoch: string;
  readonly seq: number;
}

/** `k3x9-17` → { epoch: 'k3x9', seq: 17 }; undefined for an id of any other form. */
export function parseEventId(id: string): EventMark | undefined {
  const m = /^([0-9a-z]+)-([0-9]+)$/.exec(id);
  if (!m) return undefined;
  const seq = Number(m[2]);
  return Number.isSafeInteger(seq) ? { epoch: m[1]!, seq } : undefined;
}

/** Is `mark` after `last` (the newest applied from the same source)? Another epoch is a new run: yes. */
export function isNewer(last: EventMark | undefined, mark: EventMark): boolean {
  return last === undefined || last.epoch !== mark.epoch || mark.seq > last.seq;
}
