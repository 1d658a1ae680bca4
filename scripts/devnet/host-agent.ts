// The host agent: one small process inside each node's network namespace (host mode), beside the node.
//
//   P2P  the node listens on its namespace's loopback and announces ADDRESS:PORT; the agent listens
//        there and relays every connection to the node, shaping it by its source address as the link
//        between the two hosts (the links file, rewritten by `npm run devnet -- link …`). Each time it
//        applies a rewritten file it prints "links VERSION", and `link` returns only once every agent has:
//        a block sent after `link` crosses the links as they now are.
//   API  the node's API stays loopback-only inside its namespace; the agent forwards it out through a
//        Unix socket in the node's datadir, which the supervisor serves on 127.0.0.1 in the root
//        namespace, so `cairn status`, the wallet and the dashboard work exactly as on the loopback devnet.
//
// Run as `ip netns exec NS node --import tsx scripts/devnet/host-agent.ts CONFIG.json`. It prints one line
// "ready" when both listeners are up, and exits on SIGTERM or when its parent (the supervisor) goes away.
import '../../src/polyfill.js';
import { readFileSync, rmSync, unwatchFile, watchFile } from 'node:fs';
import { type LinkShape, UNSHAPED } from './link-shape.js';
import { type Endpoint, ShapingRelay } from './shaping-relay.js';

export interface HostAgentConfig {
  readonly p2pListen: { readonly host: string; readonly port: number };
  readonly p2pTarget: { readonly host: string; readonly port: number };
  readonly apiSocket: string;
  readonly apiTarget: { readonly host: string; readonly port: number };
  /** JSON: { "version": n, "links": { "<source ip>": LinkShape } } for this host's links; missing = no shaping. */
  readonly linksFile: string;
}

/** The links file as the devnet writes it: the shape of the link from each other host's address. */
export type LinksFile = Readonly<Record<string, LinkShape>>;

/** The links file and its version (the devnet counts its rewrites, so an agent can say which it applied). */
export function readLinks(path: string): { readonly version: number; readonly links: LinksFile } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { version: 0, links: {} };
  }
  const parsed = JSON.parse(text) as {
    version?: number;
    links?: Record<string, Partial<LinkShape> & { bandwidthBytesPerSecond?: number | null }>;
  };
  const out: Record<string, LinkShape> = {};
  for (const [source, s] of Object.entries(parsed.links ?? {})) {
    out[source] = {
      delayMs: Number(s.delayMs ?? 0),
      jitterMs: Number(s.jitterMs ?? 0),
      // JSON has no Infinity: null (or absent) is "no bandwidth limit".
      bandwidthBytesPerSecond:
        s.bandwidthBytesPerSecond == null ? Number.POSITIVE_INFINITY : s.bandwidthBytesPerSecond,
      loss: Number(s.loss ?? 0),
    };
  }
  return { version: Number(parsed.version ?? 0), links: out };
}

/** The links file's text (JSON has no Infinity: it becomes null). */
export function linksToJson(links: LinksFile, version = 0): string {
  const out: Record<string, unknown> = {};
  for (const [source, s] of Object.entries(links)) {
    out[source] = {
      ...s,
      bandwidthBytesPerSecond: Number.isFinite(s.bandwidthBytesPerSecond) ? s.bandwidthBytesPerSecond : null,
    };
  }
  return `${JSON.stringify({ version, links: out }, null, 2)}\n`;
}

/** Starts the relays; `applied` hears the version of each links file applied after the start. */
export async function startHostAgent(
  config: HostAgentConfig,
  applied?: (version: number) => void,
): Promise<{ stop(): Promise<void> }> {
  const p2p = new ShapingRelay({ listen: config.p2pListen, target: config.p2pTarget, shape: UNSHAPED });
  rmSync(config.apiSocket, { force: true });
  const api = new ShapingRelay({ listen: { path: config.apiSocket } as Endpoint, target: config.apiTarget });
  let shaped = new Set<string>();
  const apply = () => {
    let file: ReturnType<typeof readLinks>;
    try {
      file = readLinks(config.linksFile);
    } catch (e) {
      // The devnet replaces the file atomically, so this is a hand edit gone wrong: keep the links as
      // they are rather than drop the node's relay (and with it the node) off the network.
      console.error(`links file ${config.linksFile} unreadable, links unchanged: ${(e as Error).message}`);
      return;
    }
    const { links } = file;
    for (const source of shaped) if (!(source in links)) p2p.setLink(source, undefined);
    for (const [source, shape] of Object.entries(links)) p2p.setLink(source, shape);
    shaped = new Set(Object.keys(links));
    return file.version;
  };
  apply();
  await p2p.start();
  await api.start();
  watchFile(config.linksFile, { interval: 100 }, () => {
    const version = apply();
    if (version !== undefined) applied?.(version);
  });
  return {
    async stop() {
      unwatchFile(config.linksFile);
      await Promise.all([p2p.stop(), api.stop()]);
      rmSync(config.apiSocket, { force: true });
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as HostAgentConfig;
  // The supervisor reads these lines (HostNetwork.setLinks waits on them).
  const agent = await startHostAgent(config, (version) => console.log(`links ${version}`));
  const stop = () => void agent.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  // The supervisor that started us died without stopping us (SIGKILL, a crash): we were re-parented.
  // Nothing would ever stop us then, so we stop ourselves; the next `up` removes the namespaces.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1000).unref();
  console.log('ready');
}
