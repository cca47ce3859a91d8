import type { Store } from '../store/store';
import { graphGeneration } from '../store/graphGeneration';
import { INT_FIELDS, STRING_FIELDS, indexCacheFile, readIndexCache, writeIndexCache, type IndexArrays, type IntField, type StringField } from './indexCache';
import type { RunRec } from './types';

/** What the index is made of, as the store holds it: runs in the store's order, every recorded read or write, models by run. */
export interface IndexRecords {
  runs: RunRec[];
  uses: Array<[runId: string, path: string, role: 'read' | 'write', sha256: string | null]>;
  models: Array<[runId: string, path: string]>;
}

/**
 * Everything the graph needs, with every run, path and sha256 numbered once: runs 0..runCount-1 (those the store
 * knows first, then any a recorded use names without a run row), each recorded read or write a use number, and
 * the lists (a run's reads and writes, a content's readers and writers, a path's uses) as offset arrays into
 * number arrays. Each read's producer (producerOf) and each run's newest same-command run are worked out when
 * the index is made, so the walk over 10,000 runs only follows numbers.
 *
 * The arrays are kept in .lineage/cache/graph-index.bin keyed by the store's graph generation token
 * (store/graphGeneration.ts): an unchanged store loads them instead of querying and working them out again.
 */
export class GraphIndex {
  /** Runs the store has a row for; runs numbered from here on are only named by a recorded use. */
  readonly knownRuns: number;
  readonly runCount: number;
  readonly runId: string[];
  readonly runName: string[];
  readonly runStatus: string[];
  readonly runExperiment: Array<string | null>;
  readonly runCommand: Array<string | null>;
  readonly runCwd: Array<string | null>;
  /** NaN when the start is unknown. */
  readonly runStarted: Float64Array;
  readonly paths: string[];
  readonly shas: string[];
  readonly useRun: Int32Array;
  readonly usePath: Int32Array;
  /** -1: not fingerprinted. */
  readonly useSha: Int32Array;
  readonly useWrite: Int32Array;
  /** For a read, the write it read (producerOf), -1 for raw data; -1 for a write. */
  readonly useProducer: Int32Array;
  /** The newest run with the same command line in the same folder, -1 when the run has no command. */
  readonly sameNewest: Int32Array;
  /** Offset lists: run r's reads are runReads[runReadsAt[r] .. runReadsAt[r + 1]), and so on. */
  readonly runReadsAt: Int32Array;
  readonly runReads: Int32Array;
  readonly runWritesAt: Int32Array;
  readonly runWrites: Int32Array;
  /** Run r's models are modelPath[runModelsAt[r] .. runModelsAt[r + 1]). */
  readonly runModelsAt: Int32Array;
  readonly modelPath: string[];
  readonly shaReadersAt: Int32Array;
  readonly shaReaders: Int32Array;
  readonly shaWritersAt: Int32Array;
  readonly shaWriters: Int32Array;
  readonly pathUsesAt: Int32Array;
  readonly pathUses: Int32Array;
  private readonly runNums = new Map<string, number>();
  private pathNums?: Map<string, number>;
  private shaNums?: Map<string, number>;
  private runRecs?: Map<string, RunRec>;

  constructor(a: IndexArrays) {
    const i = a.ints;
    const s = a.strings;
    this.knownRuns = i.meta[0];
    this.runId = s.runId as string[];
    this.runCount = this.runId.length;
    this.runName = s.runName as string[];
    this.runStatus = s.runStatus as string[];
    this.runExperiment = s.runExperiment;
    this.runCommand = s.runCommand;
    this.runCwd = s.runCwd;
    this.runStarted = a.runStarted;
    this.paths = s.paths as string[];
    this.shas = s.shas as string[];
    this.modelPath = s.modelPath as string[];
    this.useRun = i.useRun;
    this.usePath = i.usePath;
    this.useSha = i.useSha;
    this.useWrite = i.useWrite;
    this.useProducer = i.useProducer;
    this.sameNewest = i.sameNewest;
    this.runReadsAt = i.runReadsAt;
    this.runReads = i.runReads;
    this.runWritesAt = i.runWritesAt;
    this.runWrites = i.runWrites;
    this.runModelsAt = i.runModelsAt;
    this.shaReadersAt = i.shaReadersAt;
    this.shaReaders = i.shaReaders;
    this.shaWritersAt = i.shaWritersAt;
    this.shaWriters = i.shaWriters;
    this.pathUsesAt = i.pathUsesAt;
    this.pathUses = i.pathUses;
    for (let r = 0; r < this.runCount; r++) this.runNums.set(this.runId[r], r);
  }

  /**
   * The index of the store: its copy in .lineage/cache when the store's graph generation token is the one the
   * copy was made at, else read from the store (three queries) and the copy replaced.
   */
  static load(store: Store): GraphIndex {
    const token = graphGeneration(store);
    const file = indexCacheFile(store.paths.root);
    const cached = readIndexCache(file, token);
    if (cached) return new GraphIndex(cached);
    const index = GraphIndex.fromRecords(readRecords(store));
    // A store that cannot save (a newer schema) would never make the token this copy is keyed by last.
    if (!store.readOnlyReason) writeIndexCache(file, token, index.arrays());
    return index;
  }

  static fromRecords(rec: IndexRecords): GraphIndex {
    return new GraphIndex(numberRecords(rec));
  }

  arrays(): IndexArrays {
    const ints = {} as Record<IntField, Int32Array>;
    const own = this as unknown as Record<IntField, Int32Array>;
    for (const f of INT_FIELDS) ints[f] = f === 'meta' ? Int32Array.of(this.knownRuns) : own[f];
    const strings = {} as Record<StringField, Array<string | null>>;
    for (const f of STRING_FIELDS) strings[f] = this[f];
    return { ints, runStarted: this.runStarted, strings };
  }

  /** A run's number, -1 when no run row or recorded use names it. */
  runNum(id: string): number {
    return this.runNums.get(id) ?? -1;
  }

  isKnownRun(id: string): boolean {
    const r = this.runNum(id);
    return r >= 0 && r < this.knownRuns;
  }

  pathNum(p: string): number {
    this.pathNums ??= numbering(this.paths);
    return this.pathNums.get(p) ?? -1;
  }

  shaNum(sha: string | null): number {
    if (!sha) return -1;
    this.shaNums ??= numbering(this.shas);
    return this.shaNums.get(sha) ?? -1;
  }

  /** The runs the store knows, by id (what the rerun command prints from). */
  get runs(): Map<string, RunRec> {
    if (!this.runRecs) {
      this.runRecs = new Map();
      for (let r = 0; r < this.knownRuns; r++) this.runRecs.set(this.runId[r], this.runRec(r));
    }
    return this.runRecs;
  }

  runRec(r: number): RunRec {
    const started = this.runStarted[r];
    return {
      id: this.runId[r],
      name: this.runName[r],
      status: this.runStatus[r],
      startedAt: Number.isNaN(started) ? null : started,
      experiment: this.runExperiment[r] ?? '',
      command: this.runCommand[r],
      cwd: this.runCwd[r],
    };
  }

  modelsOf(runId: string): string[] {
    const r = this.runNum(runId);
    return r < 0 ? [] : this.modelPath.slice(this.runModelsAt[r], this.runModelsAt[r + 1]);
  }

  /** Whether any run read or wrote this path. */
  hasPath(p: string): boolean {
    return this.pathNum(p) >= 0;
  }

  /** Whether some run read or wrote this content at this path. */
  recordedAt(p: string, sha: string): boolean {
    const pn = this.pathNum(p);
    if (pn < 0) return false;
    for (let k = this.pathUsesAt[pn]; k < this.pathUsesAt[pn + 1]; k++) if (this.shas[this.useSha[this.pathUses[k]]] === sha) return true;
    return false;
  }

  /**
   * The run whose write `reader` read: the newest run, other than the reader, that wrote this content and
   * started no later than the reader did, preferring one that wrote it at the same path. Undefined for raw
   * data. The start-time rule is what keeps the graph acyclic even when content repeats.
   */
  producerOf(readerId: string | undefined, p: string, sha: string | null): { runId: string; path: string } | undefined {
    const u = producerUse(this, readerId === undefined ? -1 : this.runNum(readerId), this.pathNum(p), this.shaNum(sha));
    return u < 0 ? undefined : { runId: this.runId[this.useRun[u]], path: this.paths[this.usePath[u]] };
  }

  /** The producing write's use number, for a target that is not a recorded read (-1: raw data). */
  producerUseOf(p: string, sha: string | null): number {
    return producerUse(this, -1, this.pathNum(p), this.shaNum(sha));
  }

  /** The newest version of a path any run recorded (by the run's start), for a path whose current content no run saw. */
  newestVersionOf(p: string): string | null | undefined {
    const pn = this.pathNum(p);
    if (pn < 0) return undefined;
    let best = -1;
    let bestStart = 0;
    for (let k = this.pathUsesAt[pn]; k < this.pathUsesAt[pn + 1]; k++) {
      const u = this.pathUses[k];
      const s = this.runStarted[this.useRun[u]];
      const start = Number.isNaN(s) ? 0 : s;
      if (best < 0 || start >= bestStart) {
        best = u;
        bestStart = start;
      }
    }
    return best < 0 ? undefined : this.useSha[best] < 0 ? null : this.shas[this.useSha[best]];
  }
}

/** The producer rule of GraphIndex.producerOf on numbers; `reader` -1 for none, `pathN` -1 for a path no run recorded. */
function producerUse(g: GraphIndex, reader: number, pathN: number, shaN: number): number {
  if (shaN < 0) return -1;
  const readerStart = reader < 0 ? NaN : g.runStarted[reader];
  let best = -1;
  let bestScore = -Infinity;
  for (let k = g.shaWritersAt[shaN]; k < g.shaWritersAt[shaN + 1]; k++) {
    const w = g.shaWriters[k];
    const run = g.useRun[w];
    if (run === reader) continue;
    const start = g.runStarted[run];
    if (!Number.isNaN(readerStart) && !Number.isNaN(start) && start > readerStart) continue;
    // Same path first, then the newest.
    const score = (g.usePath[w] === pathN ? 1e15 : 0) + (Number.isNaN(start) ? 0 : start);
    if (score > bestScore) {
      best = w;
      bestScore = score;
    }
  }
  return best;
}

function numbering(list: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < list.length; i++) m.set(list[i], i);
  return m;
}

/** Offsets and members of a grouping: key[i] is item i's group (items in order), n groups. */
function group(key: Int32Array, n: number, keep?: (i: number) => boolean): { at: Int32Array; items: Int32Array } {
  const at = new Int32Array(n + 1);
  let m = 0;
  for (let i = 0; i < key.length; i++)
    if (key[i] >= 0 && (!keep || keep(i))) {
      at[key[i] + 1]++;
      m++;
    }
  for (let g = 0; g < n; g++) at[g + 1] += at[g];
  const fill = at.slice(0, n);
  const items = new Int32Array(m);
  for (let i = 0; i < key.length; i++) if (key[i] >= 0 && (!keep || keep(i))) items[fill[key[i]]++] = i;
  return { at, items };
}

function numberRecords(rec: IndexRecords): IndexArrays {
  const runId: string[] = [];
  const runName: string[] = [];
  const runStatus: string[] = [];
  const runExperiment: Array<string | null> = [];
  const runCommand: Array<string | null> = [];
  const runCwd: Array<string | null> = [];
  const started: number[] = [];
  const runNums = new Map<string, number>();
  const addRun = (r: RunRec | undefined, id: string): number => {
    runNums.set(id, runId.length);
    runId.push(id);
    runName.push(r?.name ?? id);
    runStatus.push(r?.status ?? 'unknown');
    runExperiment.push(r ? r.experiment : null);
    runCommand.push(r?.command ?? null);
    runCwd.push(r?.cwd ?? null);
    started.push(r?.startedAt ?? NaN);
    return runId.length - 1;
  };
  for (const r of rec.runs) if (!runNums.has(r.id)) addRun(r, r.id);
  const knownRuns = runId.length;
  const paths: string[] = [];
  const pathNums = new Map<string, number>();
  const shas: string[] = [];
  const shaNums = new Map<string, number>();
  const n = rec.uses.length;
  const useRun = new Int32Array(n);
  const usePath = new Int32Array(n);
  const useSha = new Int32Array(n);
  const useWrite = new Int32Array(n);
  for (let u = 0; u < n; u++) {
    const [rid, p, role, sha] = rec.uses[u];
    useRun[u] = runNums.get(rid) ?? addRun(undefined, rid);
    let pn = pathNums.get(p);
    if (pn === undefined) {
      pathNums.set(p, (pn = paths.length));
      paths.push(p);
    }
    usePath[u] = pn;
    if (sha) {
      let sn = shaNums.get(sha);
      if (sn === undefined) {
        shaNums.set(sha, (sn = shas.length));
        shas.push(sha);
      }
      useSha[u] = sn;
    } else useSha[u] = -1;
    useWrite[u] = role === 'write' ? 1 : 0;
  }
  const runCount = runId.length;
  // Models come ordered by run id and path; grouped here by run number, keeping that order within a run.
  const modelRun = new Int32Array(rec.models.length);
  rec.models.forEach(([rid], k) => (modelRun[k] = runNums.get(rid) ?? -1));
  const models = group(modelRun, runCount);
  const modelPath = Array.from(models.items, (k) => rec.models[k][1]);
  const runReads = group(useRun, runCount, (u) => !useWrite[u]);
  const runWrites = group(useRun, runCount, (u) => useWrite[u] === 1);
  const shaReaders = group(useSha, shas.length, (u) => !useWrite[u]);
  const shaWriters = group(useSha, shas.length, (u) => useWrite[u] === 1);
  const pathUses = group(usePath, paths.length);
  const runStarted = Float64Array.from(started);
  const ints = {
    meta: Int32Array.of(knownRuns),
    useRun,
    usePath,
    useSha,
    useWrite,
    useProducer: new Int32Array(n).fill(-1),
    sameNewest: sameCommandNewest(runCount, knownRuns, runStarted, runCommand, runCwd),
    runReadsAt: runReads.at,
    runReads: runReads.items,
    runWritesAt: runWrites.at,
    runWrites: runWrites.items,
    runModelsAt: models.at,
    shaReadersAt: shaReaders.at,
    shaReaders: shaReaders.items,
    shaWritersAt: shaWriters.at,
    shaWriters: shaWriters.items,
    pathUsesAt: pathUses.at,
    pathUses: pathUses.items,
  };
  const arrays: IndexArrays = { ints, runStarted, strings: { runId, runName, runStatus, runExperiment, runCommand, runCwd, paths, shas, modelPath } };
  // Every read's producer, once, with the index's own rule.
  const g = new GraphIndex(arrays);
  for (let u = 0; u < n; u++) if (!useWrite[u]) ints.useProducer[u] = producerUse(g, useRun[u], usePath[u], useSha[u]);
  return arrays;
}

/** Runs grouped by command line and folder, each pointing at its group's newest (by start; the store's order breaks ties). */
function sameCommandNewest(runCount: number, knownRuns: number, started: Float64Array, command: Array<string | null>, cwd: Array<string | null>): Int32Array {
  const out = new Int32Array(runCount).fill(-1);
  const order = Array.from({ length: knownRuns }, (_, r) => r);
  const at = (r: number) => (Number.isNaN(started[r]) ? 0 : started[r]);
  order.sort((a, b) => at(a) - at(b) || a - b);
  const newest = new Map<string, number>();
  for (const r of order) if (command[r]) newest.set(`${cwd[r] ?? ''}\u0000${command[r]}`, r);
  for (let r = 0; r < knownRuns; r++) if (command[r]) out[r] = newest.get(`${cwd[r] ?? ''}\u0000${command[r]}`)!;
  return out;
}

/** Three queries; each table comes back as one JSON text built inside SQLite (sql.js hands rows over a column at a time through wasm). */
function readRecords(store: Store): IndexRecords {
  // started_at is a REAL: printf %!.17g gives back the exact double, where JSON would round it to 15 digits.
  const runRows = jsonRows(
    store,
    `SELECT json_group_array(json_array(r.id, r.name, r.status, iif(r.started_at IS NULL, NULL, printf('%!.17g', r.started_at)), r.command, r.cwd, e.name))
     FROM runs r JOIN experiments e ON e.id = r.experiment_id`,
  ) as Array<[string, string, string, string | null, string | null, string | null, string]>;
  const runs = runRows.map(([id, name, status, start, command, cwd, experiment]) => ({
    id,
    name,
    status,
    startedAt: start === null ? null : Number(start),
    experiment,
    command,
    cwd,
  }));
  const useRows = jsonRows(
    store,
    'SELECT json_group_array(json_array(rd.run_id, rd.path, rd.role, d.fingerprint)) FROM run_datasets rd LEFT JOIN datasets d ON d.id = rd.dataset_id',
  ) as Array<[string, string, string, string | null]>;
  const uses = useRows.map(([runId, p, role, sha]) => [runId, p, role === 'output' ? 'write' : 'read', sha] as IndexRecords['uses'][number]);
  const models = store
    .all<{ run_id: string; path: string }>("SELECT run_id, path FROM artifacts WHERE kind = 'model' ORDER BY run_id, path")
    .map((m) => [m.run_id, m.path] as [string, string]);
  return { runs, uses, models };
}

function jsonRows(store: Store, sql: string): unknown[] {
  const text = store.db.exec(sql)[0]?.values[0]?.[0];
  return typeof text === 'string' ? (JSON.parse(text) as unknown[]) : [];
}
