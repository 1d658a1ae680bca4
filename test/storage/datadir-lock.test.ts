import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChainStore } from '../../src/storage/chain-store.js';
import { DatadirLockedError, PID_FILE, readPid } from '../../src/storage/datadir-lock.js';
import { killHard, type StoreProcess, startStoreProcess } from './fixtures/spawn-store-process.js';

let dir: string;
const stores: ChainStore[] = [];
const children: StoreProcess[] = [];

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'cairn-lock-')), 'datadir');
});

afterEach(async () => {
  for (const c of children.splice(0)) await killHard(c);
  for (const s of stores.splice(0)) await s.close();
  await rm(join(dir, '..'), { recursive: true, force: true });
});

async function open(): Promise<ChainStore> {
  const store = await ChainStore.open(dir);
  stores.push(store);
  return store;
}

async function openError(): Promise<DatadirLockedError> {
  const err = await ChainStore.open(dir).then(
    (s) => {
      stores.push(s);
      throw new Error('second open unexpectedly succeeded');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatadirLockedError);
  return err as DatadirLockedError;
}

describe('datadir lock', () => {
  it('refuses a second open in the same process, naming the dir and this pid', async () => {
    await open();
    const err = await openError();
    expect(err.code).toBe('DATADIR_LOCKED');
    expect(err.dir).toBe(dir);
    expect(err.pid).toBe(process.pid);
    expect(err.message).toContain(`datadir ${dir} is in use`);
    expect(err.message).toContain(`pid ${process.pid}`);
  });

  it('records the holder pid while open and removes it on close, so a reopen succeeds', async () => {
    const store = await open();
    expect(await readPid(dir)).toBe(process.pid);
    await store.close();
    await expect(stat(join(dir, PID_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    const again = await open();
    expect(await readPid(dir)).toBe(process.pid);
    await again.close();
  });

  it('refuses an open from a child process while this process holds the datadir', async () => {
    await open();
    const child = startStoreProcess('try', dir);
    children.push(child);
    const report = await child.report;
    expect(report).toMatchObject({ name: 'DatadirLockedError', code: 'DATADIR_LOCKED', pid: process.pid });
    expect(report.message).toBe(`datadir ${dir} is in use by another Cairn process (pid ${process.pid})`);
  });

  it('refuses an open while a child holds the datadir, and opens after the child is SIGKILLed', async () => {
    const child = startStoreProcess('hold', dir);
    children.push(child);
    const report = await child.report;
    expect(report).toEqual({ ok: true, pid: child.child.pid });

    const err = await openError();
    expect(err.pid).toBe(child.child.pid);
    expect(err.message).toBe(`datadir ${dir} is in use by another Cairn process (pid ${child.child.pid})`);

    await killHard(child);
    // kill -9 ran no cleanup: the pid file is stale, and must not matter. The kernel dropped the real lock.
    expect((await readFile(join(dir, PID_FILE), 'utf8')).trim()).toBe(String(child.child.pid));
    await open();
    expect(await readPid(dir)).toBe(process.pid);
  });
});
