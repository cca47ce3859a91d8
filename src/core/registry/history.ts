import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LineagePaths } from '../util/lineagePaths';
import type { RegistryKind, RegistryTarget } from './types';

/**
 * `.lineage/registry/history.jsonl`: where every model went and every alias move, one JSON object per line,
 * only ever appended (O_APPEND, then fsync, so a line is either whole on disk or the last, torn one). Every
 * line has `runId` ('' when the model was not pushed from this workspace): `lineage gc` keeps the data of
 * every run named here. No secret is ever written here.
 */

export interface HistoryFlag {
  /** `data-changed`, `data-missing`, `dirty-tree`, `no-git`, `run-missing`, `not-from-here`, `alias-moved`. */
  code: string;
  message: string;
}

export interface HistoryEntry {
  type: 'push' | 'promote' | 'rollback';
  runId: string;
  /** ISO time. */
  at: string;
  /** The OS user who did it. */
  by: string;
  registry: { name: string; kind: RegistryKind; url: string };
  /** Repository and tag (oci) or model name (mlflow): with `registry.url`, enough to reach the model again. */
  target: RegistryTarget;
  /** A reference the user can pull with. */
  reference: string;
  digest?: string;
  version?: string;
  /** promote / rollback: the alias moved; push: the alias set with it, if any. */
  alias?: string;
  /** promote / rollback: what the alias pointed at before (digest or version), if anything. */
  previous?: string;
  note?: string;
  flags?: HistoryFlag[];
  /** push: the model's path (in the run folder, or as given) and bytes. */
  model?: { path: string; bytes: number; files: number };
  webUrl?: string;
  /** push: bytes sent and bytes the registry already had. */
  bytesSent?: number;
  bytesSkipped?: number;
}

export interface HistoryRead {
  entries: HistoryEntry[];
  /** Set when the last line was cut short (a crash while writing): it is left out, and the user should hear it. */
  tornLastLine: boolean;
  /** Lines other than the last that are not JSON entries, by line number (left out). */
  badLines: number[];
}

export function historyFile(paths: LineagePaths): string {
  return path.join(paths.registry, 'history.jsonl');
}

export function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER || process.env.USERNAME || 'unknown';
  }
}

export function appendHistory(paths: LineagePaths, entry: Omit<HistoryEntry, 'at' | 'by'> & { at?: string; by?: string }): HistoryEntry {
  const full: HistoryEntry = { ...entry, at: entry.at ?? new Date().toISOString(), by: entry.by ?? currentUser() };
  if (typeof full.runId !== 'string') throw new Error('history entries need a runId');
  fs.mkdirSync(paths.registry, { recursive: true });
  const file = historyFile(paths);
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o644);
  try {
    // After a torn last line, the new entry starts on a line of its own so it stays readable.
    const size = fs.fstatSync(fd).size;
    let lead = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      const rfd = fs.openSync(file, 'r');
      try {
        fs.readSync(rfd, last, 0, 1, size - 1);
      } finally {
        fs.closeSync(rfd);
      }
      if (last[0] !== 0x0a) lead = '\n';
    }
    fs.writeSync(fd, lead + JSON.stringify(full) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return full;
}

export function readHistory(paths: LineagePaths): HistoryRead {
  let text: string;
  try {
    text = fs.readFileSync(historyFile(paths), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], tornLastLine: false, badLines: [] };
    throw err;
  }
  const lines = text.split('\n');
  const endsWhole = text.endsWith('\n') || text === '';
  if (endsWhole) lines.pop();
  const out: HistoryRead = { entries: [], tornLastLine: false, badLines: [] };
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const isLast = i === lines.length - 1 && !endsWhole;
    const e = parseEntry(line);
    if (e) out.entries.push(e);
    else if (isLast) out.tornLastLine = true;
    else out.badLines.push(i + 1);
  });
  return out;
}

/** What to tell the user about a history read with problems (undefined when there were none). */
export function historyNotice(h: HistoryRead): string | undefined {
  const parts: string[] = [];
  if (h.tornLastLine) parts.push('its last line was cut short (a crash while writing?) and is left out');
  if (h.badLines.length)
    parts.push(
      `line${h.badLines.length > 1 ? 's' : ''} ${h.badLines.slice(0, 5).join(', ')}${h.badLines.length > 5 ? ', …' : ''} could not be read and ${h.badLines.length > 1 ? 'are' : 'is'} left out`,
    );
  return parts.length ? `.lineage/registry/history.jsonl: ${parts.join('; ')}.` : undefined;
}

function parseEntry(line: string): HistoryEntry | undefined {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!o || typeof o !== 'object') return undefined;
  const e = o as HistoryEntry;
  if (e.type !== 'push' && e.type !== 'promote' && e.type !== 'rollback') return undefined;
  if (typeof e.runId !== 'string' || typeof e.at !== 'string' || !e.target || typeof e.target !== 'object' || !e.registry) return undefined;
  if (e.target.kind !== 'oci' && e.target.kind !== 'mlflow') return undefined;
  return e;
}
