/**
 * STAND-IN, NOT MLFLOW: the part of MLflow's search grammar the recordings and Lineage use:
 * `<metrics|params|tags|attributes>.<key> <op> <value>` clauses joined by AND, keys bare, "quoted" or
 * `backticked`, values 'strings' or numbers; ops = != < <= > >= LIKE ILIKE. Order by one or more
 * `<entity>.<key> [ASC|DESC]`. Anything else is answered 400 INVALID_PARAMETER_VALUE, as MLflow does.
 */
import { ApiError } from './errors';
import type { Run } from './state';

interface Clause {
  entity: string;
  key: string;
  op: string;
  value: string | number;
}

const CLAUSE =
  /^\s*(metrics?|params?|parameters?|tags?|attributes?|attr|run)\.(?:"([^"]+)"|`([^`]+)`|([\w.:/-]+))\s*(=|!=|<=|>=|<|>|LIKE|ILIKE)\s*(?:'([^']*)'|"([^"]*)"|(-?[\d.eE+-]+))\s*$/i;

export function parseFilter(filter: string | undefined): Clause[] {
  if (!filter || !filter.trim()) return [];
  return filter.split(/\s+and\s+/i).map((part) => {
    const m = CLAUSE.exec(part);
    if (!m) throw new ApiError(400, 'INVALID_PARAMETER_VALUE', `Invalid filter '${filter}'. Could not be parsed.`);
    const entity = m[1]
      .toLowerCase()
      .replace(/s$/, '')
      .replace(/^parameter$/, 'param')
      .replace(/^(attr|attribute|run)$/, 'attribute');
    const value = m[6] ?? m[7] ?? Number(m[8]);
    return { entity, key: m[2] ?? m[3] ?? m[4], op: m[5].toUpperCase(), value };
  });
}

function lookup(run: Run, entity: string, key: string): string | number | undefined {
  if (entity === 'metric') {
    const pts = run.history.get(key);
    return pts?.length ? pts.reduce((a, b) => (b.step > a.step || (b.step === a.step && b.timestamp >= a.timestamp) ? b : a)).value : undefined;
  }
  if (entity === 'param') return run.params.get(key);
  if (entity === 'tag') return run.tags.get(key);
  const attrs: Record<string, string | number | undefined> = {
    run_id: run.run_id,
    run_name: run.run_name,
    status: run.status,
    start_time: run.start_time,
    end_time: run.end_time,
    user_id: run.user_id,
    artifact_uri: run.artifact_uri,
  };
  return attrs[key];
}

function like(s: string, pattern: string, ci: boolean): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/%/g, '.*')
        .replace(/_/g, '.') +
      '$',
    ci ? 'i' : '',
  );
  return re.test(s);
}

export function matches(run: Run, clauses: Clause[]): boolean {
  return clauses.every((c) => {
    const v = lookup(run, c.entity, c.key);
    if (v === undefined) return false;
    const a = typeof c.value === 'number' ? Number(v) : String(v);
    const b = c.value;
    switch (c.op) {
      case '=':
        return a === b;
      case '!=':
        return a !== b;
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      case '>':
        return a > b;
      case '>=':
        return a >= b;
      case 'LIKE':
        return like(String(a), String(b), false);
      default:
        return like(String(a), String(b), true);
    }
  });
}

export function sortRuns(runs: Run[], orderBy: string[] | undefined): Run[] {
  const keys = (orderBy ?? []).map((o) => {
    const m = /^\s*(metrics?|params?|tags?|attributes?)\.(?:"([^"]+)"|`([^`]+)`|([\w.:/-]+))(?:\s+(ASC|DESC))?\s*$/i.exec(o);
    if (!m) throw new ApiError(400, 'INVALID_PARAMETER_VALUE', `Invalid order_by clause '${o}'. Could not be parsed.`);
    return {
      entity: m[1]
        .toLowerCase()
        .replace(/s$/, '')
        .replace(/^attribute$/, 'attribute'),
      key: m[2] ?? m[3] ?? m[4],
      desc: (m[5] ?? 'ASC').toUpperCase() === 'DESC',
    };
  });
  return [...runs].sort((x, y) => {
    for (const k of keys) {
      const a = lookup(x, k.entity, k.key);
      const b = lookup(y, k.entity, k.key);
      if (a === b) continue;
      // MLflow puts runs without the value last, whichever the direction.
      if (a === undefined) return 1;
      if (b === undefined) return -1;
      const c = a < b ? -1 : 1;
      return k.desc ? -c : c;
    }
    // The default order: newest start first, then run id.
    return y.start_time - x.start_time || x.run_id.localeCompare(y.run_id);
  });
}
