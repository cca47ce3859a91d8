import type { Store } from '../store/store';
import type { Io, RunRec } from './types';

interface Use {
  runId: string;
  path: string;
}

/**
 * Everything the graph needs, read with three queries (runs, the data each run read or wrote, models) into
 * maps: a lineage over 10,000 runs is then walked in memory, never one query per run.
 */
export class GraphIndex {
  readonly runs = new Map<string, RunRec>();
  readonly reads = new Map<string, Io[]>();
  readonly writes = new Map<string, Io[]>();
  readonly models = new Map<string, string[]>();
  /** sha256 → the runs that wrote that content (and where). */
  readonly writersOf = new Map<string, Use[]>();
  /** sha256 → the runs that read that content (and where). */
  readonly readersOf = new Map<string, Use[]>();
  /** path → every recorded use, to find a path's versions. */
  readonly usesOfPath = new Map<string, Array<Use & { sha256: string | null; role: 'read' | 'write' }>>();
  private sameCommand?: Map<string, string[]>;

  static load(store: Store): GraphIndex {
    const g = new GraphIndex();
    for (const r of store.all<{
      id: string;
      name: string;
      status: string;
      started_at: number | null;
      command: string | null;
      cwd: string | null;
      experiment: string;
    }>('SELECT r.id, r.name, r.status, r.started_at, r.command, r.cwd, e.name AS experiment FROM runs r JOIN experiments e ON e.id = r.experiment_id'))
      g.runs.set(r.id, { id: r.id, name: r.name, status: r.status, startedAt: r.started_at, experiment: r.experiment, command: r.command, cwd: r.cwd });
    // The biggest table (two rows or more per run): read as arrays, without a row object each.
    const stmt = store.db.prepare('SELECT rd.run_id, rd.path, rd.role, d.fingerprint FROM run_datasets rd LEFT JOIN datasets d ON d.id = rd.dataset_id');
    try {
      while (stmt.step()) {
        const [runId, p, role, sha] = stmt.get() as [string, string, string, string | null];
        g.addUse(runId, p, role === 'output' ? 'write' : 'read', sha);
      }
    } finally {
      stmt.free();
    }
    for (const m of store.all<{ run_id: string; path: string }>("SELECT run_id, path FROM artifacts WHERE kind = 'model' ORDER BY run_id, path"))
      push(g.models, m.run_id, m.path);
    return g;
  }

  /** Also what tests and the benchmark use to build an index without a store. */
  addUse(runId: string, path: string, role: 'read' | 'write', sha256: string | null): void {
    push(role === 'write' ? this.writes : this.reads, runId, { path, sha256 });
    if (sha256) push(role === 'write' ? this.writersOf : this.readersOf, sha256, { runId, path });
    push(this.usesOfPath, path, { runId, path, sha256, role });
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

  /** The runs that read this content and whose producer is `writerId` (or, for raw data, that read it at `path`). */
  consumersOf(path: string, sha256: string | null, writerId: string | undefined): Use[] {
    if (!sha256) return (this.usesOfPath.get(path) ?? []).filter((u) => u.role === 'read' && u.sha256 === null);
    const out: Use[] = [];
    for (const r of this.readersOf.get(sha256) ?? []) {
      const p = this.producerOf(r.runId, r.path, sha256);
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
      this.sameCommand = new Map();
      const sorted = [...this.runs.values()].sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
      for (const r of sorted) if (r.command) push(this.sameCommand, `${r.cwd ?? ''}\u0000${r.command}`, r.id);
    }
    const r = this.runs.get(runId);
    return r?.command ? (this.sameCommand.get(`${r.cwd ?? ''}\u0000${r.command}`) ?? []) : [];
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
