// How the read commands talk to a running node: HTTP GET with a timeout, and errors turned into one line.
import { CliError, EXIT } from './exit-codes.js';

export const DEFAULT_API = 'http://127.0.0.1:8645';

export function apiBase(flag?: string): string {
  return (flag ?? process.env.CAIRN_API ?? DEFAULT_API).replace(/\/+$/, '');
}

export async function apiGet<T>(base: string, path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    const why = (e as Error).name === 'TimeoutError' ? 'it did not answer within 10 s' : 'nothing answered';
    throw new CliError(
      `cannot reach the node at ${base} (${why}): is \`cairn start\` running?`,
      EXIT.UNREACHABLE,
    );
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(
      `the node at ${base} sent something that is not JSON (HTTP ${res.status})`,
      EXIT.INTERNAL,
    );
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } }).error;
    throw new CliError(err?.message ?? `HTTP ${res.status}`, EXIT.REJECTED, err?.code);
  }
  return body as T;
}

/** Prints `value` as JSON, or as aligned "label  value" lines for people. */
export function printRecord(json: boolean, value: object, rows: readonly [string, unknown][]): void {
  if (json) {
    console.log(JSON.stringify(value, null, 2));
    return;
  }
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, v] of rows) console.log(`${label.padEnd(width)}  ${v}`);
}
