import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { sha256 } from '@noble/hashes/sha2.js';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesToBigInt } from '../../src/consensus/bytes.js';
import { PowSearch } from '../../src/mining/pow-search.js';

const EASY = 1n << 248n; // 1 in 256 hashes
const IMPOSSIBLE = 1n; // 1 in 2^255: never found in a test's lifetime

function template(fill: number): Uint8Array {
  const header = new Uint8Array(112).fill(fill);
  new DataView(header.buffer).setBigUint64(104, 0xdeadbeefn); // the nonce field is ignored
  return header;
}

function headerTime(header: Uint8Array): number {
  return Number(new DataView(header.buffer, header.byteOffset).getBigUint64(92));
}

async function until(cond: () => boolean, deadlineMs: number, what: string): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('PowSearch', () => {
  const searches: PowSearch[] = [];
  afterAll(async () => {
    await Promise.all(searches.map((s) => s.close()));
  });
  function open(threads: number): PowSearch {
    const s = new PowSearch({ threads });
    searches.push(s);
    return s;
  }

  it('solves an easy target: the header hashes below it and keeps every field but time and nonce', async () => {
    const search = open(1);
    const header = template(5);
    const minTime = Math.floor(Date.now() / 1000) + 3600; // in the future: minTime wins over the clock
    const solution = await search.solve({ header, target: EASY, minTime });
    expect(solution).not.toBeNull();
    const { nonce, time, header: solved } = solution!;
    expect(bytesToBigInt(sha256(sha256(solved)))).toBeLessThanOrEqual(EASY);
    expect(time).toBe(minTime);
    expect(headerTime(solved)).toBe(time);
    expect(new DataView(solved.buffer).getBigUint64(104)).toBe(nonce);
    expect(solved.subarray(0, 92)).toEqual(header.subarray(0, 92));
    expect(solved.subarray(100, 104)).toEqual(header.subarray(100, 104));
    expect(search.hashes()).toBeGreaterThan(0);
  });

  it('uses the current time when minTime is in the past', async () => {
    const search = open(1);
    const before = Math.floor(Date.now() / 1000);
    const solution = await search.solve({ header: template(6), target: EASY, minTime: 1 });
    expect(solution!.time).toBeGreaterThanOrEqual(before);
    expect(solution!.time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('two threads find valid solutions, from disjoint halves of the nonce space', async () => {
    const search = open(2);
    const halves = new Set<boolean>();
    // Which thread wins a race is up to the scheduler (on a loaded machine one thread may win several in
    // a row), so keep racing, on targets hard enough that both threads are busy, until a deadline.
    const target = (1n << 256n) >> 14n;
    const deadline = Date.now() + 20_000;
    for (let i = 0; halves.size < 2 && Date.now() < deadline; i++) {
      const solution = await search.solve({ header: template(10 + i), target, minTime: 0 });
      expect(bytesToBigInt(sha256(sha256(solution!.header)))).toBeLessThanOrEqual(target);
      halves.add(solution!.nonce >= 1n << 63n);
    }
    // Both threads contributed solutions (each searches its own half).
    expect(halves.size).toBe(2);
  });

  it('resolves null promptly when the signal aborts, and is ready for the next job', async () => {
    const search = open(2);
    const controller = new AbortController();
    const solving = search.solve({ header: template(7), target: IMPOSSIBLE, minTime: 0 }, controller.signal);
    const start = search.hashes();
    await until(() => search.hashes() > start + 10_000, 20_000, 'the threads to start hashing');
    controller.abort();
    const outcome = await Promise.race([
      solving,
      new Promise<'late'>((r) => setTimeout(() => r('late'), 2000).unref()),
    ]);
    expect(outcome).toBeNull();
    // The threads really stopped: the counters stay still.
    const stopped = search.hashes();
    await new Promise<void>((r) => setTimeout(r, 50));
    expect(search.hashes() - stopped).toBeLessThan(2 * 4096 + 1);
    // A pre-aborted signal resolves null at once.
    expect(
      await search.solve({ header: template(7), target: EASY, minTime: 0 }, AbortSignal.abort()),
    ).toBeNull();
    expect(await search.solve({ header: template(8), target: EASY, minTime: 0 })).not.toBeNull();
  });

  it('reports a hashrate from the shared counters while searching', async () => {
    const search = open(1);
    const controller = new AbortController();
    const solving = search.solve({ header: template(9), target: IMPOSSIBLE, minTime: 0 }, controller.signal);
    await until(() => search.hashes() > 50_000, 20_000, 'hashes');
    expect(search.hashrate()).toBeGreaterThan(0);
    controller.abort();
    expect(await solving).toBeNull();
  });

  it('a new solve replaces the running one, which resolves null', async () => {
    const search = open(1);
    const first = search.solve({ header: template(11), target: IMPOSSIBLE, minTime: 0 });
    const second = search.solve({ header: template(12), target: EASY, minTime: 0 });
    expect(await first).toBeNull();
    expect(await second).not.toBeNull();
  });

  it('rejects the pending solve when a thread crashes, and restarts the thread', async () => {
    const search = open(2);
    const solving = search.solve({ header: template(13), target: IMPOSSIBLE, minTime: 0 });
    const start = search.hashes();
    await until(() => search.hashes() > start + 10_000, 20_000, 'the threads to start hashing');
    // Simulate a crash: kill one thread from outside (the service must not know the difference).
    const slots = (search as unknown as { slots: { worker: Worker }[] }).slots;
    await slots[0]!.worker.terminate();
    await expect(solving).rejects.toThrow(/thread 0 crashed/);
    // The replacement thread takes part in the next searches.
    const solution = await search.solve({ header: template(14), target: EASY, minTime: 0 });
    expect(bytesToBigInt(sha256(sha256(solution!.header)))).toBeLessThanOrEqual(EASY);
    expect(slots[0]!.worker.threadId).toBeGreaterThan(0);
  });

  it('rejects bad input and use after close', async () => {
    const search = new PowSearch({ threads: 1 });
    await expect(search.solve({ header: new Uint8Array(100), target: EASY, minTime: 0 })).rejects.toThrow(
      RangeError,
    );
    const pending = search.solve({ header: template(15), target: IMPOSSIBLE, minTime: 0 });
    await search.close();
    expect(await pending).toBeNull();
    await expect(search.solve({ header: template(15), target: EASY, minTime: 0 })).rejects.toThrow(/closed/);
    expect(() => new PowSearch({ threads: 0 })).toThrow(RangeError);
  });

  it('close() leaves no threads behind: a process that solves then closes exits by itself', async () => {
    const module = fileURLToPath(new URL('../../src/mining/pow-search.ts', import.meta.url));
    const script = `
      import { PowSearch } from ${JSON.stringify(module)};
      const search = new PowSearch({ threads: 2 });
      const s = await search.solve({ header: new Uint8Array(112), target: 1n << 248n, minTime: 0 });
      await search.close();
      console.log(s === null ? 'none' : 'solved');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the process did not exit within 20 s: threads were left running'));
      }, 20_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).toBe(0);
    expect(out.trim()).toBe('solved');
  });
});
