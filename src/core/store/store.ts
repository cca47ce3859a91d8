import * as fs from 'node:fs';
import type { Database, SqlValue, BindParams, Statement } from 'sql.js';
import { loadSqlJs } from './sqljs';
import { LAST_SCHEMA_WITH_CHUNKS, migrate, MigrationContext, NewerSchemaError, SCHEMA_TABLES } from './schema';
import { withWriterLock } from './writerLock';
import { writeFileAtomic } from '../util/fsx';
import { LineagePaths } from '../util/lineagePaths';

export type Row = Record<string, SqlValue>;

/** The index cannot be opened or replaced for a reason the user has to fix (the message says how). */
export class IndexUnusableError extends Error {}

interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
}

/**
 * The in-memory SQLite index (sql.js) and its file. The file is only ever replaced whole and atomically,
 * under the writer lock; if another process saved it since we read it, we reload theirs and let
 * `onMerge` re-apply the run folders (the truth) before writing, so neither side's runs are lost.
 */
export class Store {
  /** Things the user should be told (a rebuilt database, a file kept aside); the adapter shows them. */
  readonly notices: string[] = [];
  onMerge: (() => Promise<void>) | undefined;
  readOnlyReason: string | undefined;
  private dirty = false;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> | undefined;
  private statements = new Map<string, Statement>();
  private txDepth = 0;

  private constructor(
    readonly paths: LineagePaths,
    public db: Database,
    private stamp: FileStamp | undefined,
    /** True when the index must be filled from the run folders before use (new, lost or corrupt file). */
    readonly needsFullSync: boolean,
  ) {}

  /** `onMigrateProgress`: a store written by an older Lineage may first move its metric points to files. */
  static async open(paths: LineagePaths, opts: { onMigrateProgress?: (done: number, total: number) => void } = {}): Promise<Store> {
    const ctx: MigrationContext = { root: paths.root, onProgress: opts.onMigrateProgress };
    fs.mkdirSync(paths.runs, { recursive: true });
    const SQL = await loadSqlJs();
    const stamp = statStamp(paths.db);
    assertIndexIsFile(paths.db);
    if (!stamp) {
      const db = new SQL.Database();
      tune(db);
      await migrate(db, ctx);
      // The marker tells a lost index (worth telling the user) from a first use (not worth a word).
      const lost = fs.existsSync(paths.marker) && safeReaddir(paths.runs).length > 0;
      const store = new Store(paths, db, undefined, true);
      if (lost) store.notices.push('The Lineage database was missing; it was rebuilt from the run folders in .lineage/runs.');
      store.dirty = true;
      return store;
    }
    const bytes = fs.readFileSync(paths.db);
    let db: Database | undefined;
    try {
      db = new SQL.Database(bytes);
      tune(db);
      // sql.js opens anything; the first read is what finds a damaged file. A file exactly as a Lineage
      // process wrote it (the stamp it recorded after its save) was a whole export of a working database,
      // so the check (~20 ms at 1,000 runs, on every CLI call) is spent only on a file someone else touched.
      const checked = readText(paths.db + CHECKED_SUFFIX) === stampText(stamp);
      lastOpenSkippedCheck = checked;
      if (!checked) {
        const check = db.exec('PRAGMA quick_check(1)');
        const verdict = String(check[0]?.values[0]?.[0] ?? '');
        if (verdict !== 'ok') throw new Error(`integrity check said: ${verdict}`);
      }
      const was = await migrate(db, ctx);
      const missing = missingTables(db);
      if (missing.length) throw new Error(`table ${missing.join(', ')} missing`);
      const store = new Store(paths, db, stamp, false);
      if (was <= LAST_SCHEMA_WITH_CHUNKS && was > 0) {
        // The points are in files now; without a VACUUM the file would keep their pages, free but written.
        db.exec('VACUUM');
        store.dirty = true;
        await store.save();
      }
      return store;
    } catch (err) {
      db?.close();
      if (err instanceof NewerSchemaError) {
        const fresh = new SQL.Database();
        await migrate(fresh);
        const store = new Store(paths, fresh, stamp, true);
        store.readOnlyReason = err.message;
        store.notices.push(`${err.message} Lineage is showing runs from the run folders without saving.`);
        return store;
      }
      const aside = `${paths.db}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      fs.renameSync(paths.db, aside);
      const fresh = new SQL.Database();
      tune(fresh);
      await migrate(fresh);
      const store = new Store(paths, fresh, undefined, true);
      store.dirty = true;
      store.notices.push(
        `The Lineage database was damaged (${(err as Error).message}). It was rebuilt from the run folders; ` + `the damaged file was kept as ${aside}.`,
      );
      return store;
    }
  }

  /**
   * A prepared statement kept for reuse (preparing costs more than running a small insert). sql.js frees
   * every statement when it exports, so the cache is dropped before each save.
   */
  prepared(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private dropStatements(): void {
    for (const s of this.statements.values()) {
      try {
        s.free();
      } catch {
        /* already freed */
      }
    }
    this.statements.clear();
  }

  all<T = Row>(sql: string, params?: BindParams): T[] {
    const stmt = this.prepared(sql);
    try {
      if (params) stmt.bind(params);
      const out: T[] = [];
      // getAsObject asks sql.js for the column names on every row; once per query is enough.
      let names: string[] | undefined;
      while (stmt.step()) {
        const values = stmt.get();
        names ??= stmt.getColumnNames();
        const row: Row = {};
        for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
        out.push(row as T);
      }
      return out;
    } finally {
      stmt.reset();
    }
  }

  get<T = Row>(sql: string, params?: BindParams): T | undefined {
    return this.all<T>(sql, params)[0];
  }

  run(sql: string, params?: BindParams): void {
    const stmt = this.prepared(sql);
    try {
      stmt.run(params);
    } finally {
      stmt.reset();
    }
    // A statement that changed no row (a clean-up that found nothing) leaves nothing to save.
    if (this.db.getRowsModified() > 0) this.dirty = true;
  }

  /** Nested calls join the outer transaction, so a sync can commit many runs at once. */
  transaction<T>(fn: () => T): T {
    if (this.txDepth > 0) {
      // A savepoint, so a run that fails half-way leaves no partial rows inside the outer transaction.
      const name = `sp${this.txDepth}`;
      this.db.exec(`SAVEPOINT ${name}`);
      this.txDepth++;
      try {
        const r = fn();
        this.db.exec(`RELEASE ${name}`);
        return r;
      } catch (err) {
        this.db.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
        throw err;
      } finally {
        this.txDepth--;
      }
    }
    this.db.exec('BEGIN');
    this.txDepth = 1;
    try {
      const r = fn();
      // Not marked dirty here: every write goes through run(), which does, so a sync that changed nothing
      // (a `lineage ls`) saves nothing.
      this.db.exec('COMMIT');
      return r;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    } finally {
      this.txDepth = 0;
    }
  }

  /**
   * A long-lived transaction for bulk work whose steps arrive asynchronously (parsed slices from
   * workers); `checkpoint` commits what is done so far. Steps still use `transaction` (savepoints).
   */
  beginBatch(): void {
    if (this.txDepth !== 0) throw new Error('beginBatch inside a transaction');
    this.db.exec('BEGIN');
    this.txDepth = 1;
  }

  checkpoint(): void {
    if (this.txDepth !== 1) return;
    this.db.exec('COMMIT; BEGIN');
    this.dirty = true;
  }

  endBatch(ok: boolean): void {
    if (this.txDepth !== 1) return;
    this.db.exec(ok ? 'COMMIT' : 'ROLLBACK');
    this.txDepth = 0;
    this.dirty = true;
  }

  markDirty(): void {
    this.dirty = true;
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  /** Debounced save: many ingests in a burst cost one write. */
  scheduleSave(delayMs = 1000): void {
    if (this.readOnlyReason) return;
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save().catch((err) => this.notices.push(`Saving the Lineage database failed: ${(err as Error).message}`));
    }, delayMs);
  }

  async save(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    if (this.readOnlyReason) return;
    while (this.saving) await this.saving;
    if (!this.dirty) return;
    this.saving = withWriterLock(this.paths.lock, async () => {
      const onDisk = statStamp(this.paths.db);
      if (onDisk && !sameStamp(onDisk, this.stamp)) await this.adoptNewerFile(onDisk);
      this.dirty = false;
      this.dropStatements();
      const bytes = this.db.export();
      tune(this.db);
      try {
        await writeFileAtomic(this.paths.db, bytes);
      } catch (err) {
        this.dirty = true;
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOSPC' || code === 'EDQUOT')
          throw new Error('the disk is full, so the index was not saved; free some space and Lineage will save it again', { cause: err });
        throw err;
      }
      this.stamp = statStamp(this.paths.db);
      try {
        if (this.stamp) fs.writeFileSync(this.paths.db + CHECKED_SUFFIX, stampText(this.stamp));
      } catch {
        /* the next open checks the file instead */
      }
      if (!fs.existsSync(this.paths.marker)) writeMarker(this.paths.marker);
    }).finally(() => {
      this.saving = undefined;
    });
    await this.saving;
  }

  /** Another window or the CLI saved since we read: take their file, then re-apply the run folders. */
  private async adoptNewerFile(onDisk: FileStamp): Promise<void> {
    const SQL = await loadSqlJs();
    let theirs: Database;
    try {
      theirs = new SQL.Database(fs.readFileSync(this.paths.db));
      await migrate(theirs, { root: this.paths.root });
    } catch {
      // Their file is unreadable: ours, re-synced, is the better index.
      this.stamp = onDisk;
      await this.onMerge?.();
      return;
    }
    this.dropStatements();
    this.db.close();
    this.db = theirs;
    tune(theirs);
    this.stamp = onDisk;
    await this.onMerge?.();
  }

  close(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.dropStatements();
    this.db.close();
  }
}

/**
 * The database lives in memory and reaches disk only as a whole file renamed into place, so SQLite's own
 * journal buys nothing: keeping it in memory halves the cost of each commit.
 */
function tune(db: Database): void {
  // A large page cache keeps hot pages out of sql.js's in-memory file system, whose writes are slow JS.
  db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536');
}

/** A folder (or device) where the index file should be is the user's to move: nothing is deleted on a guess. */
export function assertIndexIsFile(file: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return;
  }
  if (!st.isFile())
    throw new IndexUnusableError(
      `${file} is ${st.isDirectory() ? 'a folder' : 'not a regular file'}, not the Lineage index; move it out of the way and run \`lineage db rebuild\` (the runs are safe in .lineage/runs).`,
    );
}

/** Tables a current index has that this one lacks (dropped by hand or by another tool). */
function missingTables(db: Database): string[] {
  const have = new Set((db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map((v) => String(v[0])));
  return SCHEMA_TABLES.filter((t) => !have.has(t));
}

/** Beside the index: the stamp of the file as the last Lineage save wrote it (see Store.open). */
const CHECKED_SUFFIX = '.written';
let lastOpenSkippedCheck = false;

/** Whether the last Store.open trusted the file without an integrity check (for tests). */
export function openSkippedIntegrityCheck(): boolean {
  return lastOpenSkippedCheck;
}

function stampText(s: FileStamp): string {
  return `${s.size}:${s.mtimeMs}:${s.ino}`;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function writeMarker(file: string): void {
  const text = JSON.stringify({ schema: 1, note: 'Lineage keeps runs in runs/; lineage.db is an index rebuilt from them.' }, null, 2);
  fs.writeFileSync(file, text + '\n');
}

function statStamp(file: string): FileStamp | undefined {
  try {
    const s = fs.statSync(file);
    return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
  } catch {
    return undefined;
  }
}

function sameStamp(a: FileStamp, b: FileStamp | undefined): boolean {
  return !!b && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
