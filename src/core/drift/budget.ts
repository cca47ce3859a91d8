/**
 * How much memory a drift check may give the values it reads, and where the rest goes. While a table's
 * numbers fit the budget they stay in memory (the fast path); past it, each numeric column writes its values
 * to temporary files in chunks (spill.ts) and the statistics read them back sorted, streaming (sortedFile.ts),
 * with the same results. Default 256 MiB; LINEAGE_DRIFT_MEMORY_BUDGET (bytes, or with K/M/G) or the option
 * memoryBudget changes it. Temporary files go to LINEAGE_DRIFT_TMPDIR or the OS temp folder, one folder per
 * table, removed when the table is done with (also on error) and, as a last resort, when the process exits
 * (`lineage drift` also on Ctrl-C or SIGTERM); a killed process's are removed by the next check (staleTemp.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { removeStaleTemps } from './staleTemp';

export const DEFAULT_MEMORY_BUDGET = 256 * 1024 * 1024;
export const BUDGET_ENV = 'LINEAGE_DRIFT_MEMORY_BUDGET';
export const TMPDIR_ENV = 'LINEAGE_DRIFT_TMPDIR';

/** "256M", "1.5G", "65536" → bytes; undefined when not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b')[0].toLowerCase();
  const scale = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const n = Math.floor(Number(m[1]) * scale);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The smallest budget the CLI and the environment accept (tests pass smaller ones to the engine). */
export const MIN_MEMORY_BUDGET = 1024 * 1024;

/**
 * What is wrong with LINEAGE_DRIFT_MEMORY_BUDGET, or undefined when it is unset, empty or a size. memoryBudget()
 * falls back to the default for a value it cannot read; every entry point (`lineage drift`, `lineage monitor`,
 * the editor's monitors) asks this first, because the fallback would hide a typo ("4 gigs") behind a budget
 * nobody chose. `fix` says what else the caller offers ("or pass --memory-budget").
 */
export function budgetEnvProblem(fix = 'fix or unset it'): string | undefined {
  const env = process.env[BUDGET_ENV];
  if (env === undefined || env.trim() === '' || parseSize(env) !== undefined) return undefined;
  return `${BUDGET_ENV} takes a size such as 512M or 2G; got "${env.slice(0, 40)}" (${fix})`;
}

/** The budget in bytes: the option, else the environment (at least MIN_MEMORY_BUDGET), else the default. */
export function memoryBudget(option?: number): number {
  if (option !== undefined && option >= 0) return option;
  const env = process.env[BUDGET_ENV];
  const fromEnv = env === undefined ? undefined : parseSize(env);
  return fromEnv === undefined ? DEFAULT_MEMORY_BUDGET : Math.max(fromEnv, MIN_MEMORY_BUDGET);
}

/** Bytes of value buffers held by one table being read, against its share of the budget. */
export class MemoryTracker {
  used = 0;
  constructor(readonly budget: number) {}

  /** True when `bytes` more would go past the budget. */
  wouldExceed(bytes: number): boolean {
    return this.used + bytes > this.budget;
  }
}

const live = new Set<string>();
const SPILL_PREFIX = 'lineage-drift-';

/** The pid in a spill folder's name (lineage-drift-<pid>-XXXXXX), or undefined for any other name. */
function spillFolderPid(name: string): number | undefined {
  const m = /^lineage-drift-(\d+)-[A-Za-z0-9]{6}$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
let exitHooked = false;

/** Removes every temporary folder of drift still in use in this process (on exit, or a signal the CLI catches). */
export function removeAllSpillFolders(): void {
  for (const dir of live) fs.rmSync(dir, { recursive: true, force: true });
  live.clear();
}

/** A folder of temporary files for one table, created on first use. */
export class SpillSpace {
  private dir: string | null = null;
  private n = 0;

  constructor(private readonly root: string = process.env[TMPDIR_ENV] || os.tmpdir()) {}

  /** A new file name in the folder (the file is not created). */
  file(what: string): string {
    if (this.dir === null) {
      fs.mkdirSync(this.root, { recursive: true });
      removeStaleTemps(this.root, spillFolderPid);
      this.dir = fs.mkdtempSync(path.join(this.root, `${SPILL_PREFIX}${process.pid}-`));
      live.add(this.dir);
      if (!exitHooked) {
        exitHooked = true;
        process.once('exit', removeAllSpillFolders);
      }
    }
    return path.join(this.dir, `${what}-${this.n++}.f64`);
  }

  get used(): boolean {
    return this.dir !== null;
  }

  dispose(): void {
    if (this.dir === null) return;
    fs.rmSync(this.dir, { recursive: true, force: true });
    live.delete(this.dir);
    this.dir = null;
  }
}
