import type { Database } from 'sql.js';
import { decodeChunk } from '../metrics/chunkCodec';
import { encodeLod } from '../metrics/lodCodec';
import { moveChunksToFiles } from './moveChunksToFiles';

/** What a step that writes outside the database needs: where the workspace's files go, and a progress sink. */
export interface MigrationContext {
  /** The `.lineage` folder. */
  root: string;
  onProgress?: (done: number, total: number) => void;
}

type Step = string | ((db: Database, ctx: MigrationContext | undefined) => void | Promise<void>);

/**
 * Forward-only migrations, numbered by PRAGMA user_version. Never edit a shipped step: add one. A step is
 * SQL, or a function when rows must be derived in code (4 re-encodes existing chunks, 6 moves them to files).
 * The database is an index of the run folders, so a step may also drop and rebuild a table; the ingest
 * offsets are then reset so the next sync fills it again.
 */
const MIGRATIONS: Step[] = [
  /* 1 */ `
  CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL
  );
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at REAL,
    ended_at REAL,
    exit_code INTEGER,
    signal TEXT,
    command TEXT,
    cwd TEXT,
    created_by TEXT,
    host TEXT,
    os TEXT,
    pid INTEGER,
    child_pid INTEGER,
    git_commit TEXT,
    git_branch TEXT,
    git_dirty INTEGER,
    git_diff TEXT,
    python TEXT,
    python_version TEXT,
    error TEXT,
    script_status TEXT,
    warnings_count INTEGER NOT NULL DEFAULT 0,
    run_json_mtime REAL,
    events_offset INTEGER NOT NULL DEFAULT 0,
    events_lines INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX runs_by_experiment ON runs(experiment_id, started_at DESC);
  CREATE INDEX runs_by_start ON runs(started_at DESC);
  CREATE TABLE params (
    run_id TEXT NOT NULL, key TEXT NOT NULL, value,
    PRIMARY KEY (run_id, key)
  ) WITHOUT ROWID;
  CREATE TABLE tags (
    run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT,
    PRIMARY KEY (run_id, key)
  ) WITHOUT ROWID;
  CREATE TABLE metric_chunks (
    run_id TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,
    n INTEGER NOT NULL, first_step REAL, last_step REAL, data BLOB NOT NULL,
    PRIMARY KEY (run_id, key, seq)
  );
  -- One row per (run, metric) so tables and lists never touch the chunks.
  CREATE TABLE metric_summaries (
    run_id TEXT NOT NULL, key TEXT NOT NULL,
    count INTEGER NOT NULL, nan_count INTEGER NOT NULL,
    first REAL, last REAL, last_nonfinite TEXT, min REAL, max REAL,
    first_step REAL, last_step REAL, last_ts REAL,
    PRIMARY KEY (run_id, key)
  ) WITHOUT ROWID;
  CREATE TABLE artifacts (
    run_id TEXT NOT NULL, path TEXT NOT NULL, kind TEXT NOT NULL, flavor TEXT, size INTEGER,
    PRIMARY KEY (run_id, path)
  ) WITHOUT ROWID;
  CREATE TABLE datasets (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    fingerprint TEXT,
    size INTEGER, file_count INTEGER, mtime REAL,
    profile TEXT,
    created_at REAL NOT NULL,
    UNIQUE (path, fingerprint)
  );
  CREATE TABLE run_datasets (
    run_id TEXT NOT NULL, path TEXT NOT NULL, role TEXT NOT NULL, dataset_id INTEGER REFERENCES datasets(id),
    PRIMARY KEY (run_id, path, role)
  ) WITHOUT ROWID;
  CREATE INDEX run_datasets_by_path ON run_datasets(path);
  CREATE TABLE packages (
    run_id TEXT NOT NULL, name TEXT NOT NULL, version TEXT,
    PRIMARY KEY (run_id, name)
  ) WITHOUT ROWID;
  CREATE TABLE run_warnings (
    run_id TEXT NOT NULL, line INTEGER, message TEXT NOT NULL
  );
  CREATE INDEX run_warnings_by_run ON run_warnings(run_id);
  `,
  /* 2: dataset fingerprints */ `
  -- path is absolute; (size, mtime, inode) unchanged means the stored hash still holds.
  CREATE TABLE stat_cache (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ms REAL NOT NULL, ino INTEGER NOT NULL, sha256 TEXT NOT NULL
  ) WITHOUT ROWID;
  ALTER TABLE datasets ADD COLUMN kind TEXT;
  -- Folders: deflated JSON list of [relative path, size, sha256], for diffs between versions.
  ALTER TABLE datasets ADD COLUMN manifest BLOB;
  ALTER TABLE datasets ADD COLUMN warnings TEXT;
  ALTER TABLE run_datasets ADD COLUMN note TEXT;
  -- What the script saw when it opened the file; a fingerprint taken later is only trusted if these still match.
  ALTER TABLE run_datasets ADD COLUMN seen_size INTEGER;
  ALTER TABLE run_datasets ADD COLUMN seen_mtime_ms REAL;
  CREATE INDEX datasets_by_fingerprint ON datasets(fingerprint);
  ALTER TABLE runs ADD COLUMN datasets_mtime REAL;
  -- A folder whose (path, size, mtime, inode) listing is unchanged needs neither per-file lookups nor a
  -- re-hash: its last result is reused whole. manifest is deflated JSON [[rel, size, sha256], …].
  CREATE TABLE folder_cache (
    path TEXT PRIMARY KEY, listing_digest TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    file_count INTEGER NOT NULL, mtime_ms REAL NOT NULL, manifest BLOB NOT NULL, warnings TEXT
  ) WITHOUT ROWID;
  `,
  /* 3: edits made in the editor (rename, note, star, tags), kept in each run's user.json */ `
  ALTER TABLE runs ADD COLUMN note TEXT;
  ALTER TABLE runs ADD COLUMN starred INTEGER NOT NULL DEFAULT 0;
  -- mtime:size:inode of user.json; the atomic rewrite gives a new inode, so quick edits are never missed.
  ALTER TABLE runs ADD COLUMN user_stamp TEXT;
  `,
  /* 4: a coarse copy of every metric chunk, so Compare draws long series without reading them */ (db) => {
    db.exec(`CREATE TABLE metric_lod (
      run_id TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,
      PRIMARY KEY (run_id, key, seq)
    )`);
    const read = db.prepare('SELECT run_id, key, seq, data FROM metric_chunks');
    const write = db.prepare('INSERT INTO metric_lod (run_id, key, seq, data) VALUES (?, ?, ?, ?)');
    try {
      while (read.step()) {
        const [runId, key, seq, data] = read.get() as [string, string, number, Uint8Array];
        let lod: Uint8Array;
        try {
          lod = encodeLod(decodeChunk(data));
        } catch {
          continue; // a damaged chunk gets no copy: Compare then reads it, and says what is wrong with it
        }
        write.run([runId, key, seq, lod]);
      }
    } finally {
      read.free();
      write.free();
    }
  },
  /* 5: param values keep their JSON type (booleans, arrays, objects; integers past 2^53 as decimal text) */ `
  -- NULL when value holds the param as it is (a string, a number, null); else the JSON of the typed value.
  ALTER TABLE params ADD COLUMN json TEXT;
  -- Runs read before this step may hold a flattened boolean, a rounded big integer or a skipped array or
  -- object param: their rows go, and the next sync reads their folders again from the start.
  CREATE TEMP TABLE reread AS
    SELECT run_id AS id FROM params
      WHERE value IN ('true', 'false') OR (typeof(value) IN ('integer', 'real') AND abs(value) >= 9007199254740992)
    UNION SELECT run_id FROM run_warnings WHERE message LIKE 'param "%": value must be a string, number, boolean or null, got an %';
  DELETE FROM params WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM tags WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM metric_chunks WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM metric_lod WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM metric_summaries WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM artifacts WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM run_datasets WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM packages WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM run_warnings WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM runs WHERE id IN (SELECT id FROM reread);
  DROP TABLE reread;
  `,
  /* 6: metric points leave the index for per-run cache files (seriesFile.ts); the index keeps their summaries */ async (db, ctx) => {
    await moveChunksToFiles(db, ctx);
    db.exec('DROP TABLE metric_chunks; DROP TABLE metric_lod');
  },
  /* 7: explanations (docs/explanations-format.md): one row per (run, name); the arrays stay in the run folder */ `
  CREATE TABLE explanations (
    run_id TEXT NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL, method TEXT NOT NULL, exact INTEGER NOT NULL,
    rows INTEGER NOT NULL, features INTEGER NOT NULL, additivity_error REAL,
    PRIMARY KEY (run_id, name)
  ) WITHOUT ROWID;
  -- A run read before this step skipped its explanation lines as an unknown type: as in step 5, its rows go
  -- and the next sync reads its folder again from the start (its metric files are rewritten from position 0).
  CREATE TEMP TABLE reread AS
    SELECT DISTINCT run_id AS id FROM run_warnings WHERE message = 'unknown event type the string "explanation"';
  DELETE FROM params WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM tags WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM metric_summaries WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM artifacts WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM run_datasets WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM packages WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM run_warnings WHERE run_id IN (SELECT id FROM reread);
  DELETE FROM runs WHERE id IN (SELECT id FROM reread);
  DROP TABLE reread;
  `,
  /* 8: child runs (framework autolog's search candidates) name their parent in run.json ("parentRunId") */ `
  ALTER TABLE runs ADD COLUMN parent_run_id TEXT;
  CREATE INDEX runs_parent ON runs(parent_run_id) WHERE parent_run_id IS NOT NULL;
  -- run.json is read again at the next sync, so runs indexed by an older Lineage get their parent link
  UPDATE runs SET run_json_mtime = NULL;
  `,
];

/** The last version whose index held metric points itself; a store opened from one is vacuumed after. */
export const LAST_SCHEMA_WITH_CHUNKS = 5;

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * The tables the migrations leave, so an open can tell a damaged index from a current one without building
 * a fresh database to compare with (that cost every CLI call ~40 ms). A test checks it against the migrations.
 */
export const SCHEMA_TABLES = [
  'artifacts',
  'datasets',
  'experiments',
  'explanations',
  'folder_cache',
  'metric_summaries',
  'packages',
  'params',
  'run_datasets',
  'run_warnings',
  'runs',
  'stat_cache',
  'tags',
];

export class NewerSchemaError extends Error {}

/** Brings the database to SCHEMA_VERSION; returns the version it had. */
export async function migrate(db: Database, ctx?: MigrationContext): Promise<number> {
  const current = (db.exec('PRAGMA user_version')[0]?.values[0]?.[0] as number) ?? 0;
  if (current > SCHEMA_VERSION) {
    throw new NewerSchemaError(
      `.lineage/lineage.db has schema ${current}, newer than this Lineage (${SCHEMA_VERSION}). Update Lineage; the file was left untouched.`,
    );
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.exec('BEGIN');
    try {
      const step = MIGRATIONS[v];
      if (typeof step === 'string') db.exec(step);
      else await step(db, ctx);
      db.exec(`PRAGMA user_version = ${v + 1}`);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }
  return current;
}
