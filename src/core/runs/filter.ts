/**
 * Run filters for the experiment browser and the CLI:
 *
 *   metrics.val_rmse < 30000 and (params.model = "gbr" or tags.note ~ "baseline")
 *
 * A filter is parsed (`filterParser.ts`) and compiled to ONE SQL query over `runs`, with an EXISTS
 * subquery per condition on params / tags / metric_summaries (each a primary-key lookup). Every value and
 * key is a bound parameter; no user text is ever put into the SQL.
 *
 * Semantics:
 * - Fields: `params.<key>`, `tags.<key>`, `metrics.<key>` (the metric's last value), `metrics.<key>.min`,
 *   `.max`, `.first`, `.last`, `.count`, and `name`, `status`, `experiment`, `id`, `duration` (seconds; a
 *   running run's so far), `started`, `git.branch`, `git.commit`.
 * - Numbers vs text: a comparison is numeric when the value written is a number (unquoted: 3, -0.5, 1e-3,
 *   inf) and the field's value is a number, or text that is a JSON number after trimming ("0.05", " 3 ",
 *   "1e-3"; not ".5", "+5" or "007"). Otherwise both sides compare as text (byte order, case-sensitive),
 *   the number as written. A quoted value is always text: `params.lr = "0.05"` matches the text "0.05" and
 *   the number 0.05 (whose text is "0.05"), but not "0.050".
 * - `true` / `false` match the text "true" / "false" in any case (the SDK stores boolean params that way).
 * - `~` / `!~`: contains / does not contain, ignoring ASCII case (SQLite's lower()); numbers are matched on
 *   their text ("0.05", and 3.0 stored as a real reads "3.0").
 * - A missing field (param/tag/metric not logged, or a NULL attribute such as git.branch outside git, or a
 *   param logged as null) makes every comparison false — including `!=`, `!~` and `not in`. So
 *   `params.model != "gbr"` skips runs without a model; use `params.model not exists` (or
 *   `not params.model = "gbr"`, which is true for them) to find those. `not` is plain two-valued negation.
 * - `exists`: the param / tag was logged (even as null), the metric was logged at all (whatever the
 *   aggregate asked for, even if its last value is NaN); for run attributes, the value is not null.
 * - NaN and ±Infinity metrics: the index stores a non-finite last value in `last_nonfinite`. Infinity
 *   compares as larger than any number, -Infinity as smaller (and `metrics.loss = inf` matches it); NaN
 *   never matches a comparison (nor its `!=`). `.min` / `.max` skip NaN and may be ±Infinity; `.first` is
 *   missing when the first point was not finite; `.count` counts every point.
 * - `started` compares as time: ISO 8601 (2026-01-31, 2026-01-31T14:30, 2026-01-31T14:30:00Z); a date or
 *   date-time without an offset is local time. `started ~ "2026-01-31"` matches the start's UTC ISO text.
 *   `duration` takes seconds, or 90s, 5m, 1.5h, 2d.
 * - `=` is exact (case-sensitive) text or numeric equality; `in (a, b)` is `= a or = b`.
 * - The empty filter matches every run.
 */
import type { Store } from '../store/store';
import { parseFilter, timeValue, durationValue, CompareOp, FilterExpr, FilterField, FilterValue } from './filterParser';

export { parseFilter, describeFilter, describeField, suggestField, FilterSyntaxError, METRIC_AGGS, RUN_ATTRS } from './filterParser';
export type { FilterExpr, FilterField, FilterValue, CompareOp, MetricAgg, RunAttr } from './filterParser';

export interface FilterOptions {
  /** Only runs of this experiment (by name). */
  experiment?: string;
  limit?: number;
  offset?: number;
}

type Bound = string | number | null;

export interface CompiledFilter {
  /** A boolean SQL expression over `runs r` joined with `experiments e`. */
  where: string;
  params: Bound[];
}

/** Run ids matching the filter, newest first (started_at DESC, then id DESC, as `listRuns`). */
export function filterRuns(store: Store, expr: FilterExpr | string, opts: FilterOptions = {}): string[] {
  const parsed = typeof expr === 'string' ? parseFilter(expr) : expr;
  const { sql, params } = filterQuery(parsed, opts);
  // Not the store's statement cache: every distinct filter typed in the sidebar would stay prepared.
  const stmt = store.db.prepare(sql);
  try {
    stmt.bind(params);
    const ids: string[] = [];
    while (stmt.step()) ids.push(stmt.get()[0] as string);
    return ids;
  } finally {
    stmt.free();
  }
}

/** The whole query `filterRuns` runs (exposed for tests and `--explain`-style debugging). */
export function filterQuery(expr: FilterExpr, opts: FilterOptions = {}, now = Date.now()): { sql: string; params: Bound[] } {
  const c = compileFilter(expr, now);
  const params = [...c.params];
  let where = c.where;
  if (opts.experiment !== undefined) {
    params.push(opts.experiment);
    where = `(${where}) AND e.name = ?${params.length}`;
  }
  params.push(intOption(opts.limit, -1, 'limit'), intOption(opts.offset, 0, 'offset'));
  const sql =
    `SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${where} ` +
    `ORDER BY r.started_at DESC, r.id DESC LIMIT ?${params.length - 1} OFFSET ?${params.length}`;
  return { sql, params };
}

function intOption(v: number | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < (name === 'limit' ? -1 : 0)) throw new RangeError(`filterRuns: ${name} must be a non-negative integer, got ${v}`);
  return v;
}

/** Compiles a filter to a WHERE expression over `runs r JOIN experiments e`, with numbered parameters. */
export function compileFilter(expr: FilterExpr, now = Date.now()): CompiledFilter {
  const params: Bound[] = [];
  const index = new Map<string, number>();
  /** `?N` for a value, reusing the slot for a repeated one. */
  const bind = (v: Bound): string => {
    const k = typeof v === 'number' ? `n${Object.is(v, -0) ? 0 : v}` : v === null ? 'null' : `s${v}`;
    let i = index.get(k);
    if (i === undefined) {
      params.push(v);
      i = params.length;
      index.set(k, i);
    }
    return `?${i}`;
  };
  const where = new Compiler(bind, now).expr(expr);
  return { where, params };
}

/** How a field's SQL value behaves: always a number, a time in ms, or whatever was stored. */
type ValueKind = 'number' | 'time' | 'dynamic';

const RUNNING_DURATION = (now: string) =>
  `(CASE WHEN r.started_at IS NULL THEN NULL ELSE (COALESCE(r.ended_at, CASE WHEN r.status = 'running' THEN ${now} ELSE r.started_at END) - r.started_at) / 1000.0 END)`;

/** The last value with ±Infinity restored (the index keeps it in last_nonfinite); NaN stays NULL. */
const METRIC_LAST = `(CASE WHEN m.last IS NOT NULL THEN m.last WHEN m.last_nonfinite = 'Infinity' THEN 9e999 WHEN m.last_nonfinite = '-Infinity' THEN -9e999 END)`;

class Compiler {
  constructor(
    private readonly bind: (v: Bound) => string,
    private readonly now: number,
  ) {}

  expr(e: FilterExpr): string {
    switch (e.kind) {
      case 'all':
        return '1';
      case 'and':
      case 'or':
        return e.items.length === 0 ? (e.kind === 'and' ? '1' : '0') : `(${e.items.map((i) => this.expr(i)).join(e.kind === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `(NOT ${this.expr(e.expr)})`;
      case 'exists': {
        const test = this.presence(e.field);
        return e.negated ? `(NOT ${test})` : test;
      }
      case 'compare':
        return this.scoped(e.field, (col, kind) => this.compare(col, kind, e.op, e.value, e.field));
      case 'in': {
        if (e.values.length === 0) return e.negated ? '1' : '0';
        return this.scoped(e.field, (col, kind) => {
          const any = e.values.map((v) => this.compare(col, kind, '=', v, e.field)).join(' OR ');
          // NOT (NULL OR …) stays NULL, so a missing value matches neither `in` nor `not in`.
          return e.negated ? `NOT (${any})` : `(${any})`;
        });
      }
    }
  }

  /**
   * Wraps a condition on the field's value: for params / tags / metrics an EXISTS on the row (no row, no
   * match), for run attributes the condition coalesced to false so that `not` stays two-valued.
   */
  private scoped(field: FilterField, cond: (col: string, kind: ValueKind) => string): string {
    switch (field.kind) {
      case 'param':
        return `EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ${this.bind(field.key)} AND ${cond('p.value', 'dynamic')})`;
      case 'tag':
        return `EXISTS (SELECT 1 FROM tags p WHERE p.run_id = r.id AND p.key = ${this.bind(field.key)} AND ${cond('p.value', 'dynamic')})`;
      case 'metric': {
        const col = field.agg === 'last' ? METRIC_LAST : field.agg === 'count' ? 'm.count' : `m.${field.agg}`;
        return `EXISTS (SELECT 1 FROM metric_summaries m WHERE m.run_id = r.id AND m.key = ${this.bind(field.key)} AND ${cond(col, 'number')})`;
      }
      case 'attr': {
        const [col, kind] = this.attr(field.name);
        return `COALESCE(${cond(col, kind)}, 0)`;
      }
    }
  }

  private presence(field: FilterField): string {
    switch (field.kind) {
      case 'param':
        return `EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ${this.bind(field.key)})`;
      case 'tag':
        return `EXISTS (SELECT 1 FROM tags p WHERE p.run_id = r.id AND p.key = ${this.bind(field.key)})`;
      case 'metric':
        return `EXISTS (SELECT 1 FROM metric_summaries m WHERE m.run_id = r.id AND m.key = ${this.bind(field.key)})`;
      case 'attr':
        return `(${this.attr(field.name)[0]} IS NOT NULL)`;
    }
  }

  private attr(name: string): [string, ValueKind] {
    switch (name) {
      case 'name':
        return ['r.name', 'dynamic'];
      case 'status':
        return ['r.status', 'dynamic'];
      case 'experiment':
        return ['e.name', 'dynamic'];
      case 'id':
        return ['r.id', 'dynamic'];
      case 'git.branch':
        return ['r.git_branch', 'dynamic'];
      case 'git.commit':
        return ['r.git_commit', 'dynamic'];
      case 'started':
        return ['r.started_at', 'time'];
      case 'duration':
        return [RUNNING_DURATION(this.bind(this.now)), 'number'];
      default:
        throw new Error(`unknown run attribute ${name}`);
    }
  }

  private compare(col: string, kind: ValueKind, op: CompareOp, value: FilterValue, field: FilterField): string {
    if (op === '~' || op === '!~') {
      const text = kind === 'time' ? `strftime('%Y-%m-%dT%H:%M:%fZ', ${col} / 1000.0, 'unixepoch')` : `CAST(${col} AS TEXT)`;
      const needle = asciiLower(value.type === 'number' ? value.text : String(value.value));
      return `(instr(lower(${text}), ${this.bind(needle)}) ${op === '~' ? '>' : '='} 0)`;
    }
    const sqlOp = op === '=' ? '=' : op === '!=' ? '<>' : op;
    if (kind === 'time' || (field.kind === 'attr' && field.name === 'duration')) {
      // Validated by the parser; a hand-built filter with a bad value matches nothing.
      const n = kind === 'time' ? timeValue(value) : durationValue(value);
      return n === undefined ? '0' : `(${col} ${sqlOp} ${this.bind(n)})`;
    }
    if (value.type === 'boolean') {
      const text = this.bind(String(value.value));
      return op === '=' || op === '!=' ? `(lower(CAST(${col} AS TEXT)) ${sqlOp} ${text})` : `(CAST(${col} AS TEXT) ${sqlOp} ${text})`;
    }
    if (value.type === 'string') return `(CAST(${col} AS TEXT) ${sqlOp} ${this.bind(value.value)})`;
    const n = this.bind(value.value);
    if (kind === 'number') return `(${col} ${sqlOp} ${n})`;
    // Stored as a number, or as text that is a JSON number ("0.05"): numeric. Anything else: as text.
    return (
      `(CASE WHEN typeof(${col}) IN ('integer', 'real') THEN ${col} ${sqlOp} ${n} ` +
      `WHEN (CASE WHEN typeof(${col}) = 'text' AND json_valid(${col}) THEN json_type(${col}) END) IN ('integer', 'real') THEN CAST(${col} AS REAL) ${sqlOp} ${n} ` +
      `ELSE CAST(${col} AS TEXT) ${sqlOp} ${this.bind(value.text)} END)`
    );
  }
}

/** SQLite's lower() folds ASCII only; fold the needle the same way so both sides agree. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (c) => c.toLowerCase());
}
