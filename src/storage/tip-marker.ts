// DIR/tip.json: the last tip the node acknowledged, written OUTSIDE LevelDB (docs/STORAGE.md "Durability").
//
// A power loss can take the unsynced end of LevelDB's log with it, and LevelDB reopens without a word:
// the node came back 151 or 300 blocks lower in the outside campaign (issue 13, defect 4). To notice, the
// chain records its tip in a file of its own, written atomically and fsynced (src/util/atomic-write.ts),
// at every clean stop and every few seconds while it runs; at the next start it compares the tip LevelDB
// gives back with this record. A record inside LevelDB would be lost with the very writes it describes.
// (Core notices nothing of the kind: its chainstate is flushed as a whole and the blocks after it are
// connected again from the block files at start, which Cairn cannot do for writes LevelDB dropped.)
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';

export const TIP_MARKER_FILE = 'tip.json';

export interface TipMarker {
  readonly height: number;
  /** Block hash, hex. */
  readonly hash: string;
  /** Cumulative chain work of the tip, decimal: a heavier but shorter chain is not a loss. */
  readonly chainWork: string;
  /** True when written by a clean stop; false while the node runs. */
  readonly clean: boolean;
  /** When it was written, ISO 8601. */
  readonly at: string;
}

export async function writeTipMarker(dir: string, marker: TipMarker): Promise<void> {
  await writeFileAtomic(join(dir, TIP_MARKER_FILE), `${JSON.stringify(marker)}\n`);
}

/** The recorded tip, or undefined when there is none or it does not parse (it is only ever advice). */
export async function readTipMarker(dir: string): Promise<TipMarker | undefined> {
  try {
    const m = JSON.parse(await readFile(join(dir, TIP_MARKER_FILE), 'utf8')) as Partial<TipMarker>;
    if (
      !Number.isSafeInteger(m.height) ||
      typeof m.hash !== 'string' ||
      typeof m.chainWork !== 'string' ||
      !/^\d+$/.test(m.chainWork) ||
      typeof m.clean !== 'boolean'
    ) {
      return undefined;
    }
    return m as TipMarker;
  } catch {
    return undefined;
  }
}
