// Which addresses only this machine can reach. The server refuses to listen on any other without a token,
// and the admin routes answer only clients whose socket address is one of these.
import { isIP } from 'node:net';

/** Is `host` an address only this machine can reach (127.0.0.0/8, ::1, localhost)? */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h.startsWith('::ffff:127.');
}
