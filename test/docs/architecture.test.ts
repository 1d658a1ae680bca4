// docs/ARCHITECTURE.md §2 places every file of the code in one sentence. This keeps it true: every file
// under src/, wallet/, web/ and scripts/ has its row, and every file a row names exists.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const FOLDERS = ['src', 'wallet', 'web', 'scripts'];

/** Every file under the code folders, as a repository-relative path with forward slashes. */
function codeFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.isFile()) out.push(relative(root, path).split('\\').join('/'));
    }
  };
  for (const f of FOLDERS) walk(join(root, f));
  return out.sort();
}

/** The paths in the first column of the tables of §2. */
function documentedFiles(): string[] {
  const text = readFileSync(join(root, 'docs', 'ARCHITECTURE.md'), 'utf8');
  const start = text.indexOf('\n## 2.');
  const end = text.indexOf('\n## 3.');
  expect(start, 'docs/ARCHITECTURE.md has a §2').toBeGreaterThan(0);
  const rows = text.slice(start, end).split('\n');
  const out: string[] = [];
  for (const row of rows) {
    const m = /^\| `([^`]+)` +\|/.exec(row);
    if (m) out.push(m[1]!);
  }
  return out.sort();
}

describe('docs/ARCHITECTURE.md §2', () => {
  const files = codeFiles();
  const documented = documentedFiles();

  it('has a row for every file under src/, wallet/, web/ and scripts/', () => {
    const missing = files.filter((f) => !documented.includes(f));
    expect(missing, 'give each a row in docs/ARCHITECTURE.md §2: one sentence saying what it owns').toEqual(
      [],
    );
  });

  it('names no file that does not exist, and none twice', () => {
    const gone = documented.filter((f) => !files.includes(f));
    expect(gone, 'remove (or rename) their rows in docs/ARCHITECTURE.md §2').toEqual([]);
    expect(documented.filter((f, i) => documented.indexOf(f) !== i)).toEqual([]);
  });
});
