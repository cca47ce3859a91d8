import { spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSqlJs } from '../../src/core/store/sqljs';

export const REPO = path.resolve(__dirname, '../..');
export const CLI = path.join(REPO, 'dist', 'cli.js');
/** Debian's interpreter: the one that sees python3-sklearn (the pyenv python3 first on PATH does not). */
export const PYTHON = process.env.LINEAGE_TEST_PYTHON || '/usr/bin/python3';

export function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, LINEAGE_PYTHON: PYTHON, NO_COLOR: '1', ...env },
    timeout: 120000,
  });
}

export function cliAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, LINEAGE_PYTHON: PYTHON, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function gitInit(dir: string): string {
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
  const git = (...a: string[]) => spawnSync('git', a, { cwd: dir, env, encoding: 'utf8' }).stdout.trim();
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'example');
  return git('rev-parse', 'HEAD');
}

export function copyExample(dest: string): void {
  fs.cpSync(path.join(REPO, 'examples', 'house-prices'), dest, {
    recursive: true,
    // A local demo run leaves .lineage/ in the example: a test workspace must start without runs.
    filter: (src) => !src.includes('outputs') && !src.includes('__pycache__') && !src.includes('.lineage'),
  });
}

/** Reads the database file as it is on disk, without syncing: what was really saved. */
export async function queryDbFile(dbFile: string, sql: string, params: (string | number)[] = []): Promise<Record<string, unknown>[]> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(dbFile));
  try {
    const stmt = db.prepare(sql);
    stmt.bind(params);
    const rows: Record<string, unknown>[] = [];
    while (stmt.step()) rows.push(stmt.getAsObject());
    stmt.free();
    return rows;
  } finally {
    db.close();
  }
}

export function countLines(file: string, pred: (line: string) => boolean): number {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && pred(l)).length;
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
