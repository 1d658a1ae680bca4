// Which addresses only this machine can reach, and which browser requests a loopback API must refuse.
//
// The server refuses to listen on any non-loopback address without a token, and the admin routes answer
// only clients whose socket address is loopback. That is not enough against a web page: a page the user
// visits runs in a browser on this very machine, so its requests come from 127.0.0.1. Two attacks follow,
// and two checks stop them (geth's `--http.vhosts` and `--http.corsdomain` defaults do the same):
//
//   - DNS rebinding: the page's own name (evil.example) is re-pointed at 127.0.0.1 after it loads, so the
//     browser treats the node's API as same-origin with the page and lets it read and post freely. The
//     browser still sends the page's name in the Host header, so an API with no token accepts only Host
//     names that are this machine (localhost, 127.0.0.1, [::1], any port).
//   - Cross-origin writes: any page may send a POST to http://127.0.0.1:8645 (it just cannot read the
//     answer). A browser always says where such a request comes from (Origin, and Sec-Fetch-Site in
//     current browsers), so a state-changing request (anything but GET, HEAD, OPTIONS) whose Origin is
//     not the API's own is refused. Command-line clients (curl, the CLIs, scripts) send no Origin.
import { isIP } from 'node:net';

/** Is `host` an address only this machine can reach (127.0.0.0/8, ::1, localhost)? */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h.startsWith('::ffff:127.');
}

/** The host part of a Host header or an Origin's authority: "[::1]:8651" → "::1", "localhost:1" → "localhost". */
export function hostOf(authority: string): string {
  const a = authority.trim();
  if (a.startsWith('[')) return a.slice(1, a.indexOf(']'));
  const colons = a.split(':').length - 1;
  return colons === 1 ? a.slice(0, a.indexOf(':')) : a;
}

/** Methods that only read (RFC 9110 §9.2.1 "safe"): a cross-origin page may send them. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface BrowserGuardRequest {
  readonly method: string;
  readonly host: string | undefined;
  readonly origin: string | undefined;
  /** The Fetch Metadata header (`same-origin`, `same-site`, `cross-site`, `none`), when the browser sends it. */
  readonly secFetchSite: string | undefined;
}

/** The origin a page served by this API at `host` (a Host header) has: "http://localhost:8645". */
function ownOrigin(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).origin;
  } catch {
    return undefined;
  }
}

/**
 * Why a browser could be driving this request against the user's will, or undefined if it may go on.
 * `checkHost`: refuse Host names that are not this machine (an API without a token; with a token, the
 * token is what a rebinding page does not have).
 */
export function browserRefusal(req: BrowserGuardRequest, checkHost: boolean): string | undefined {
  const host = req.host ?? '';
  if (checkHost && !isLoopback(hostOf(host))) {
    return (
      `the Host header must name this machine (localhost, 127.0.0.1 or [::1]; got ${JSON.stringify(host)}): ` +
      'an API without a token answers only requests addressed to loopback, so that a web page whose name ' +
      'was re-pointed at 127.0.0.1 (DNS rebinding) cannot drive it. Use http://127.0.0.1:PORT, or set an API token'
    );
  }
  if (SAFE_METHODS.has(req.method)) return undefined;
  const site = req.secFetchSite;
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `a ${req.method} from another site (Sec-Fetch-Site: ${site}) is refused: a web page may not change this node's state`;
  }
  if (req.origin !== undefined && req.origin !== ownOrigin(host)) {
    return (
      `a ${req.method} from the page ${JSON.stringify(req.origin)} is refused: only a page this API serves ` +
      `itself (${ownOrigin(host) ?? 'its own origin'}) or a client that is not a browser may change this node's state`
    );
  }
  return undefined;
}
