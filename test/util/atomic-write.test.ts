import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/util/atomic-write.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates a file with the data and leaves nothing else in the directory', async () => {
    const file = join(dir, 'state.json');
    await writeFileAtomic(file, '{"a":1}\n');
    expect(await readFile(file, 'utf8')).toBe('{"a":1}\n');
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('replaces an existing file whole, and writes bytes as given', async () => {
    const file = join(dir, 'blob');
    await writeFile(file, 'an old and much longer content that must not survive in any part');
    await writeFileAtomic(file, Uint8Array.of(0, 1, 2, 255));
    expect(new Uint8Array(await readFile(file))).toEqual(Uint8Array.of(0, 1, 2, 255));
    expect(await readdir(dir)).toEqual(['blob']);
  });

  it('gives the new file the requested mode, also when it replaces a file with another mode', async () => {
    const file = join(dir, 'secret.json');
    await writeFile(file, 'old', { mode: 0o644 });
    const umask = process.umask();
    await writeFileAtomic(file, 'new', { mode: 0o600 });
    expect((await stat(file)).mode & 0o777).toBe(0o600 & ~umask);
    expect(await readFile(file, 'utf8')).toBe('new');
  });

  it('throws the file system error for a missing directory and creates nothing', async () => {
    const file = join(dir, 'missing', 'x.json');
    await expect(writeFileAtomic(file, 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes its temporary file when the rename fails', async () => {
    // A directory in the way: open/write/fsync of the temp file succeed, rename over a directory fails.
    const target = join(dir, 'taken');
    await mkdir(target);
    await writeFile(join(target, 'inside'), 'kept');
    await expect(writeFileAtomic(target, 'x')).rejects.toMatchObject({
      code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST|EPERM)$/),
    });
    expect(await readdir(dir)).toEqual(['taken']);
    expect(await readFile(join(target, 'inside'), 'utf8')).toBe('kept');
  });

  it('never lets a concurrent reader see a partly written file', async () => {
    const file = join(dir, 'big');
    const size = 256 * 1024;
    const versions = ['a', 'b', 'c', 'd'].map((c) => c.repeat(size));
    await writeFileAtomic(file, versions[0]!);
    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= 24; i++) await writeFileAtomic(file, versions[i % versions.length]!);
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const text = await readFile(file, 'utf8');
      reads++;
      expect(text.length).toBe(size);
      expect(text).toBe(text[0]!.repeat(size));
    }
    await writer;
    expect(reads).toBeGreaterThan(0);
    expect(await readFile(file, 'utf8')).toBe(versions[0]!);
    expect(await readdir(dir)).toEqual(['big']);
  });
});
