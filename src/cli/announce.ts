// `cairn start --announce ADDR`: the address other machines should dial to reach this node. A node
// listening on 0.0.0.0 knows its interfaces' addresses, but not the one that matters behind a NAT, a port
// forward or a relay; `--announce` names it, and the node tells peers that address (libp2p identify) and
// writes it to node.json instead of its listen addresses. (Core: -externalip, and -discover=0.)
//
// Accepted forms, each turned into one TCP multiaddr without a peer id (libp2p appends /p2p/<id>):
//   /ip4/203.0.113.7/tcp/8646     a multiaddr, as is
//   203.0.113.7  or  203.0.113.7:9000
//   [2001:db8::7]:9000
//   node3.example.org:9000        a DNS name (/dns/…, resolved by the dialler)
// Without a port, the announced port is --p2p-port.
import { isIP } from 'node:net';
import { CliError } from './exit-codes.js';

class AnnounceError extends CliError {
  constructor(message: string) {
    super(message, undefined, 'BAD_ANNOUNCE');
  }
}

function checkPort(text: string, whole: string): string {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65535)
    throw new AnnounceError(`--announce ${whole}: the port must be 1..65535`);
  return String(Number(text));
}

/**
 * The multiaddr for one `--announce` value; `p2pPort` is the node's --p2p-port (0 means "any free one",
 * which cannot be announced: give the port explicitly then). Throws a usage error (exit 2, code BAD_ANNOUNCE) that says why.
 */
export function announceMultiaddr(text: string, p2pPort: number): string {
  const t = text.trim();
  if (t.startsWith('/')) {
    if (!/\/tcp\/\d+/.test(t))
      throw new AnnounceError(`--announce ${t}: a multiaddr must name a TCP port, e.g. /ip4/…/tcp/8646`);
    if (/\/p2p\//.test(t))
      throw new AnnounceError(`--announce ${t}: leave out /p2p/<id>; the node adds its own`);
    return t;
  }
  let host = t;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(t);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if (t.split(':').length === 2) {
    [host, portText] = t.split(':') as [string, string];
  }
  let port: string;
  if (portText !== undefined) port = checkPort(portText, t);
  else if (p2pPort === 0)
    throw new AnnounceError(`--announce ${t}: with --p2p-port 0 the port is not known; write ${t}:PORT`);
  else port = String(p2pPort);
  const kind = isIP(host);
  if (kind === 4) return `/ip4/${host}/tcp/${port}`;
  if (kind === 6) return `/ip6/${host}/tcp/${port}`;
  if (/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(host))
    return `/dns/${host}/tcp/${port}`;
  throw new AnnounceError(
    `--announce ${t}: not an address; examples: 203.0.113.7, 203.0.113.7:8646, [2001:db8::7]:8646, ` +
      'node3.example.org:8646, /ip4/203.0.113.7/tcp/8646',
  );
}
