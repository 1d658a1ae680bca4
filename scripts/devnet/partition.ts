// Partition and heal on the loopback devnet: each node is told, over its loopback-only admin API, to drop and refuse the peer ids
// of every node outside its group (POST /admin/block-peers); heal lifts every block (/admin/unblock-peers).
// The blocks live in each node's memory and work both ways, so a group stays cut off as long as the nodes
// on the other side keep theirs, even across a restart of a node inside it. In host mode the devnet cuts
// links instead (host-network.ts); both are a DevnetNetwork to the supervisor's control server.
import { post } from './http.js';
import { apiOf, DEVNET_DIR, type DevnetState, findNode, type NodeSpec, readNodeInfo } from './state.js';

/** A request the devnet cannot carry out as given (the CLI prints it and exits 1; the server answers 400). */
export class DevnetInputError extends Error {}

/**
 * The groups of `partition 0,1 2`: one argument per group, comma-separated names or indexes; the nodes
 * not listed form one more group. Throws DevnetInputError for an unknown node, a node in two groups, or
 * fewer than two groups.
 */
export function partitionGroups(state: DevnetState, groupsText: readonly string[]): NodeSpec[][] {
  const groups = groupsText.map((g) =>
    g.split(',').map((text) => {
      const node = findNode(state, text.trim());
      if (!node)
        throw new DevnetInputError(
          `no node "${text.trim()}": this devnet has ${state.nodes.map((n) => n.name).join(', ')}`,
        );
      return node;
    }),
  );
  const listed = groups.flat();
  if (new Set(listed.map((n) => n.name)).size !== listed.length)
    throw new DevnetInputError('a node is in two groups');
  const rest = state.nodes.filter((n) => !listed.includes(n));
  if (rest.length > 0) groups.push(rest);
  if (groups.length < 2) throw new DevnetInputError('give at least two groups, e.g. `partition 0,1 2`');
  return groups;
}

/** A node that did not take the request (stopped, or not answering). */
export interface Unreachable {
  readonly name: string;
  readonly message: string;
}

/** Tells every node of each group to refuse the nodes outside it. */
export async function applyPartition(
  state: DevnetState,
  groups: readonly (readonly NodeSpec[])[],
  dir = DEVNET_DIR,
): Promise<Unreachable[]> {
  const unreachable: Unreachable[] = [];
  for (const group of groups) {
    const outside = state.nodes.filter((n) => !group.includes(n));
    const peerIds = outside
      .map((n) => readNodeInfo(n, dir)?.peerId)
      .filter((id): id is string => Boolean(id));
    for (const node of group) {
      try {
        await post(`${apiOf(node)}/admin/block-peers`, { peerIds });
      } catch (e) {
        unreachable.push({ name: node.name, message: (e as Error).message });
      }
    }
  }
  return unreachable;
}

/** Lifts every block on every node. */
export async function heal(state: DevnetState): Promise<Unreachable[]> {
  const unreachable: Unreachable[] = [];
  for (const node of state.nodes) {
    try {
      await post(`${apiOf(node)}/admin/unblock-peers`);
    } catch (e) {
      unreachable.push({ name: node.name, message: (e as Error).message });
    }
  }
  return unreachable;
}

export const describeGroups = (groups: readonly (readonly { name: string }[])[]) =>
  groups.map((g) => `{${g.map((n) => n.name).join(', ')}}`).join(' | ');

/** How a devnet splits and heals its network: block lists on loopback, bridge ports in host mode. */
export interface DevnetNetwork {
  /** "block lists" or "link cut": printed with the partition, so a reader knows which one happened. */
  readonly partitionKind: string;
  partition(groups: readonly (readonly NodeSpec[])[]): Promise<Unreachable[]>;
  heal(): Promise<Unreachable[]>;
}

/** The loopback devnet's network: every node is on 127.0.0.1, so a partition is the nodes' own doing. */
export function blockListNetwork(state: DevnetState, dir = DEVNET_DIR): DevnetNetwork {
  return {
    partitionKind: 'peer block lists',
    partition: (groups) => applyPartition(state, groups, dir),
    heal: () => heal(state),
  };
}
