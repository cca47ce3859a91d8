import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../store/store';
import { writeFileAtomicSync } from '../util/fsx';

/**
 * What a person changed about a run after it was recorded (a new name, a note, a star, tags). It lives in
 * the run folder's `user.json`, never only in the index, so a rebuild keeps it; run.json and events.jsonl
 * stay exactly as the launcher and the script wrote them.
 */
export interface UserEdits {
  name?: string;
  note?: string;
  starred?: boolean;
  /** A null value removes a tag the script set. */
  tags?: Record<string, string | null>;
}

export function readUserEdits(runDir: string): UserEdits {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(runDir, 'user.json'), 'utf8')) as UserEdits;
    return typeof j === 'object' && j ? j : {};
  } catch {
    return {};
  }
}

export function updateUserEdits(runDir: string, change: (e: UserEdits) => void): UserEdits {
  if (!fs.existsSync(runDir)) throw new Error(`The run folder ${runDir} no longer exists.`);
  const edits = readUserEdits(runDir);
  change(edits);
  writeFileAtomicSync(path.join(runDir, 'user.json'), JSON.stringify(edits, null, 2));
  return edits;
}

/** What `runs.user_stamp` holds for a user.json with these stats (the sync compares it without a query). */
export function userEditsStamp(st: fs.Stats): string {
  // Two edits within one mtime tick look alike by time alone; the inode of the atomic rewrite differs.
  return `${st.mtimeMs}:${st.size}:${st.ino}`;
}

/** Ingest step: applies user.json over what the run recorded, when the file changed. */
export function applyUserEdits(store: Store, runId: string, runDir: string, force = false): boolean {
  let stamp: string;
  try {
    // Most runs have no edits: no exception for that (a sync stats this in every run folder).
    const st = fs.statSync(path.join(runDir, 'user.json'), { throwIfNoEntry: false });
    if (!st) return false;
    stamp = userEditsStamp(st);
  } catch {
    return false;
  }
  const known = store.get<{ user_stamp: string | null }>('SELECT user_stamp FROM runs WHERE id = ?', [runId]);
  if (!known || (!force && known.user_stamp === stamp)) return false;
  const e = readUserEdits(runDir);
  store.transaction(() => {
    if (typeof e.name === 'string' && e.name.trim()) store.run('UPDATE runs SET name = ? WHERE id = ?', [e.name.trim().slice(0, 200), runId]);
    store.run('UPDATE runs SET note = ?, starred = ?, user_stamp = ? WHERE id = ?', [
      typeof e.note === 'string' ? e.note.slice(0, 6000) : null,
      e.starred ? 1 : 0,
      stamp,
      runId,
    ]);
    for (const [k, v] of Object.entries(e.tags ?? {})) {
      if (!k || k.length > 250) continue;
      if (v === null) store.run('DELETE FROM tags WHERE run_id = ? AND key = ?', [runId, k]);
      else store.run('INSERT OR REPLACE INTO tags (run_id, key, value) VALUES (?, ?, ?)', [runId, k, String(v).slice(0, 6000)]);
    }
  });
  return true;
}
