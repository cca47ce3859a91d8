import type { Store } from '../store/store';
import type { Io, RunRec } from './types';

/** One recorded read or write. The same object sits in every map that names it, so the index holds each once. */
export interface Use extends Io {
  runId: string;
  role: 'read' | 'write';
  /** A read's producer, worked out once (producerOfRead): undefined until asked, null for raw data. */
  producer?: Use | null;
  /** Its data node's id in a lineage (`data:<path>@<sha256>`), made once. */
  nodeId?: string;
}

/**
 * Everything the graph needs, read with three queries (runs, the data each run read or wrote, models) into
 * maps: a lineage over 10,000 runs is then walked in memory, never one query per run.
 */
export class GraphIndex {
  readonly runs = new Map<string, RunRec>();
  readonly reads = new Map<string, Use[]>();
  readonly writes = new Map<string, Use[]>();
  readonly models = new Map<string, string[]>();
  /** sha256 → the runs that wrote that content (and where). */
  readonly writersOf = new Map<string, Use[]>();
  /** sha256 → the runs that read that content (and where). */
  readonly readersOf = new Map<string, Use[]>();
  /** Every use in the order recorded; usesOfPath is built from it when first asked (only a path target needs it). */
  private readonly allUses: Use[] = [];
  private byPath?: Map<string, Use[]>;
  /** run id → the runs with its command line in its folder, oldest first. */
  private sameCommand?: Map<string, string[]>;
  /** Bumped by addUse, so a producer remembered before a later addUse is worked out again. */
  private generation = 0;
  private producerGeneration = 0;

  static load(store: Store): GraphIndex {
    const g = new GraphIndex();
    // Each table comes back as one JSON text built inside SQLite: sql.js hands a row over one column at a
    // time through wasm calls, which cost more than the walk itself at 10,000 runs (JSON.parse is cheap).
    // started_at is a REAL: printf %!.17g gives back the exact double, where JSON would round it to 15 digits.
    const runs = jsonRows(
      store,
      `SELECT json_group_array(json_array(r.id, r.name, r.status, iif(r.started_at IS NULL, NULL, printf('%!.17g', r.started_at)), r.command, r.cwd, e.name))
       FROM runs r JOIN experiments e ON e.id = r.experiment_id`,
    ) as Array<[string, string, string, string | null, string | null, string | null, string]>;
    for (const [id, name, status, started, command, cwd, experiment] of runs)
      g.runs.set(id, { id, name, status, startedAt: started === null ? null : Number(started), experiment, command, cwd });
    const uses = jsonRows(
      store,
      'SELECT json_group_array(json_array(rd.run_id, rd.path, rd.role, d.fingerprint)) FROM run_datasets rd LEFT JOIN datasets d ON d.id = rd.dataset_id',
    ) as Array<[string, string, string, string | null]>;
    for (const [runId, p, role, sha] of uses) g.addUse(runId, p, role === 'output' ? 'write' : 'read', sha);
    for (const m of store.all<{ run_id: string; path: string }>("SELECT run_id, path FROM artifacts WHERE kind = 'model' ORDER BY run_id, path"))
      push(g.models, m.run_id, m.path);
    return g;
  }

  /** Also what tests and the benchmark use to build an index without a store. */
  addUse(runId: string, path: string, role: 'read' | 'write', sha256: string | null): void {
    const use: Use = { runId, path, sha256, role, producer: undefined };
    this.generation++;
    push(role === 'write' ? this.writes : this.reads, runId, use);
    if (sha256) push(role === 'write' ? this.writersOf : this.readersOf, sha256, use);
    this.allUses.push(use);
    this.byPath = undefined;
  }

  /** path → every recorded use, to find a path's versions. */
  get usesOfPath(): Map<string, Use[]> {
    if (!this.byPath) {
      this.byPath = new Map();
      for (const u of this.allUses) push(this.byPath, u.path, u);
    }
    return this.byPath;
  }

  /**
   * The run whose write `reader` read: the newest run, other than the reader, that wrote this content and
   * started no later than the reader did, preferring one that wrote it at the same path. Undefined for raw
   * data. The start-time rule is what keeps the graph acyclic even when content repeats.
   */
  producerOf(readerId: string | undefined, path: string, sha256: string | null): Use | undefined {
    if (!sha256) return undefined;
    const writers = this.writersOf.get(sha256);
    if (!writers) return undefined;
    const readerStart = readerId ? (this.runs.get(readerId)?.startedAt ?? null) : null;
    let best: Use | undefined;
    let bestScore = -Infinity;
    for (const w of writers) {
      if (w.runId === readerId) continue;
      const start = this.runs.get(w.runId)?.startedAt ?? null;
      if (readerStart !== null && start !== null && start > readerStart) continue;
      // Same path first, then the newest.
      const score = (w.path === path ? 1e15 : 0) + (start ?? 0);
      if (score > bestScore) {
        best = w;
        bestScore = score;
      }
    }
    return best;
  }

  /** producerOf for a recorded read, remembered on it: the walk, the staleness scope and the staleness each ask. */
  producerOfRead(read: Use): Use | undefined {
    if (this.producerGeneration !== this.generation) {
      for (const list of this.reads.values()) for (const u of list) u.producer = undefined;
      this.producerGeneration = this.generation;
    }
    if (read.producer === undefined) read.producer = this.producerOf(read.runId, read.path, read.sha256) ?? null;
    return read.producer ?? undefined;
  }

  /** The runs that read this content and whose producer is `writerId` (or, for raw data, that read it at `path`). */
  consumersOf(path: string, sha256: string | null, writerId: string | undefined): Use[] {
    if (!sha256) return (this.usesOfPath.get(path) ?? []).filter((u) => u.role === 'read' && u.sha256 === null);
    const out: Use[] = [];
    for (const r of this.readersOf.get(sha256) ?? []) {
      const p = this.producerOfRead(r);
      if (writerId ? p?.runId === writerId : !p && r.path === path) out.push(r);
    }
    return out;
  }

  /** The newest version of a path any run recorded (by the run's start), for a path whose current content no run saw. */
  newestVersionOf(path: string): string | null | undefined {
    let best: { sha: string | null; start: number } | undefined;
    for (const u of this.usesOfPath.get(path) ?? []) {
      const start = this.runs.get(u.runId)?.startedAt ?? 0;
      if (!best || start >= best.start) best = { sha: u.sha256, start };
    }
    return best?.sha;
  }

  /** Runs recorded with the same command line in the same folder, oldest first (built on first use). */
  runsWithSameCommand(runId: string): string[] {
    if (!this.sameCommand) {
      // Keyed by run once, so the staleness of 10,000 runs does not join 10,000 command lines twice over.
      const byCommand = new Map<string, string[]>();
      const sorted = [...this.runs.values()].sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
      this.sameCommand = new Map();
      for (const r of sorted)
        if (r.command) {
          const key = `${r.cwd ?? ''}\u0000${r.command}`;
          let group = byCommand.get(key);
          if (!group) byCommand.set(key, (group = []));
          group.push(r.id);
          this.sameCommand.set(r.id, group);
        }
    }
    return this.sameCommand.get(runId) ?? [];
  }
}

function jsonRows(store: Store, sql: string): unknown[] {
  const text = store.db.exec(sql)[0]?.values[0]?.[0];
  return typeof text === 'string' ? (JSON.parse(text) as unknown[]) : [];
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
