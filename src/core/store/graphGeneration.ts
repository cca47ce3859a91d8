import type { Store } from './store';

/**
 * A token that changes whenever a row the lineage graph reads changes (runs, experiments, what each run read
 * and wrote, dataset fingerprints, artifacts), so a copy of the graph index kept outside the database
 * (core/graph/indexCache.ts) can tell it is still the index's. SQLite triggers draw a fresh random token on
 * every such insert, update or delete, whoever writes (this process, the CLI, another window), so two
 * different histories never share a token the way two counters could share a count. Created on first use,
 * not by a migration: a database without the table (new, rebuilt, older) has no token, and a graph copy is
 * never trusted for it.
 */
const TABLE = 'graph_generation';
/** Each watched table with the columns the graph reads (an update of other columns, e.g. a live run's metrics, keeps the token). */
const WATCHED: Record<string, string> = {
  runs: 'id, experiment_id, name, status, started_at, command, cwd',
  experiments: 'id, name',
  run_datasets: 'run_id, path, role, dataset_id',
  datasets: 'id, path, fingerprint',
  artifacts: 'run_id, path, kind',
};
const PREFIX = 'graph_gen_';
const TRIGGER_COUNT = Object.keys(WATCHED).length * 3;
const BUMP = `UPDATE ${TABLE} SET token = lower(hex(randomblob(8))) WHERE id = 1;`;

/** The current token, after making sure the table and every trigger are in place (a missing one gets a new token). */
export function graphGeneration(store: Store): string {
  const db = store.db;
  const triggers = Number(db.exec(`SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE '${PREFIX}%'`)[0]?.values[0]?.[0] ?? 0);
  let token = triggers === TRIGGER_COUNT ? readToken(store) : undefined;
  if (token !== undefined) return token;
  // Some trigger was lost (a table rebuilt by a migration drops its triggers), or this is the first use:
  // whatever was kept outside the index may have missed changes, so it gets a new token along with the triggers.
  const sql: string[] = [`CREATE TABLE IF NOT EXISTS ${TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL)`];
  for (const [table, columns] of Object.entries(WATCHED)) {
    sql.push(
      `DROP TRIGGER IF EXISTS ${PREFIX}${table}_insert`,
      `DROP TRIGGER IF EXISTS ${PREFIX}${table}_update`,
      `DROP TRIGGER IF EXISTS ${PREFIX}${table}_delete`,
    );
    // The graph reads only the models among the artifacts: a run logging plots or files keeps the token.
    const only = (row: 'NEW' | 'OLD') => (table === 'artifacts' ? ` WHEN ${row}.kind = 'model'` : '');
    sql.push(`CREATE TRIGGER ${PREFIX}${table}_insert AFTER INSERT ON ${table}${only('NEW')} BEGIN ${BUMP} END`);
    sql.push(`CREATE TRIGGER ${PREFIX}${table}_update AFTER UPDATE OF ${columns} ON ${table} BEGIN ${BUMP} END`);
    sql.push(`CREATE TRIGGER ${PREFIX}${table}_delete AFTER DELETE ON ${table}${only('OLD')} BEGIN ${BUMP} END`);
  }
  sql.push(`INSERT OR REPLACE INTO ${TABLE} (id, token) VALUES (1, lower(hex(randomblob(8))))`);
  store.transaction(() => db.exec(sql.join(';\n')));
  // Saved with the next save, so the next process finds the token and its copy of the graph.
  store.markDirty();
  token = readToken(store);
  if (token === undefined) throw new Error('the graph generation token could not be written; run `lineage db rebuild`');
  return token;
}

function readToken(store: Store): string | undefined {
  try {
    const v = store.db.exec(`SELECT token FROM ${TABLE} WHERE id = 1`)[0]?.values[0]?.[0];
    return typeof v === 'string' && v.length > 0 ? v : undefined;
  } catch {
    return undefined;
  }
}
