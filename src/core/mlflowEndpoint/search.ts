/**
 * The part of MLflow's search grammar that `runs/search`, `experiments/search` and `logged-models/search` take
 * here: `<entity>.<key> <op> <value>` clauses joined by AND (entity metrics / params / tags / attributes, or
 * none for an attribute; keys bare, "quoted" or `backticked`; values 'strings', "strings" or numbers; ops
 * = != < <= > >= LIKE ILIKE, and IN / NOT IN with a ('…', …) list), `order_by` as `<entity>.<key> [ASC|DESC]`,
 * and MLflow's paging: `max_results` and an opaque `page_token`. Anything else is answered 400
 * INVALID_PARAMETER_VALUE, as MLflow answers a filter it cannot parse.
 */
import { invalid } from './errors';

export type Entity = 'metric' | 'param' | 'tag' | 'attribute';
export type Value = string | number | undefined;

interface Clause {
  entity: Entity;
  key: string;
  op: string;
  value: string | number | string[];
}

const ENTITY: Record<string, Entity> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};
const IDENT = String.raw`(?:(metrics?|params?|parameters?|tags?|attributes?|attr|run)\.)?(?:"([^"]+)"|\x60([^\x60]+)\x60|([\w.:/-]+))`;
const CLAUSE = new RegExp(
  String.raw`^\s*${IDENT}\s*(=|!=|<=|>=|<|>|LIKE|ILIKE|NOT\s+IN|IN)\s*(?:'([^']*)'|"([^"]*)"|(-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)|\(([^)]*)\))\s*$`,
  'i',
);
const ORDER = new RegExp(String.raw`^\s*${IDENT}(?:\s+(ASC|DESC))?\s*$`, 'i');

function entityOf(prefix: string | undefined): Entity {
  return prefix ? ENTITY[prefix.toLowerCase()] : 'attribute';
}

/** Splits on AND outside quotes, so `tags.note = 'salt and pepper'` stays one clause. */
function splitAnd(filter: string): string[] {
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < filter.length; i++) {
    const ch = filter[i];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if (/\s/.test(ch) && /^\s+and\s/i.test(filter.slice(i))) {
      parts.push(filter.slice(start, i));
      i += /^\s+and\s+/i.exec(filter.slice(i))![0].length - 1;
      start = i + 1;
    }
  }
  parts.push(filter.slice(start));
  return parts;
}

export function parseFilter(filter: string | undefined): Clause[] {
  if (!filter || !filter.trim()) return [];
  return splitAnd(filter).map((part) => {
    const m = CLAUSE.exec(part);
    if (!m)
      throw invalid(
        `Invalid filter '${filter}': could not parse '${part.trim()}'. Use <metrics|params|tags|attributes>.<key> <op> <value> clauses joined by AND.`,
      );
    const op = m[5].toUpperCase().replace(/\s+/g, ' ');
    let value: Clause['value'];
    if (m[9] !== undefined) {
      if (op !== 'IN' && op !== 'NOT IN') throw invalid(`Invalid filter '${filter}': a (…) list goes with IN or NOT IN only.`);
      value = [...m[9].matchAll(/'([^']*)'|"([^"]*)"/g)].map((x) => x[1] ?? x[2]);
    } else if (op === 'IN' || op === 'NOT IN') throw invalid(`Invalid filter '${filter}': IN takes a list, e.g. ('a', 'b').`);
    else value = m[6] ?? m[7] ?? Number(m[8]);
    return { entity: entityOf(m[1]), key: m[2] ?? m[3] ?? m[4], op, value };
  });
}

function like(s: string, pattern: string, ci: boolean): boolean {
  const re = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${re}$`, ci ? 'is' : 's').test(s);
}

/** Whether a thing passes every clause; `get` answers its value for an entity and key (undefined: it has none). */
export function matches(clauses: Clause[], get: (entity: Entity, key: string) => Value): boolean {
  return clauses.every((c) => {
    const v = get(c.entity, c.key);
    if (v === undefined) return false;
    if (Array.isArray(c.value)) return c.value.includes(String(v)) === (c.op === 'IN');
    const numeric = typeof c.value === 'number' || typeof v === 'number';
    const a = numeric ? Number(v) : String(v);
    const b = numeric ? Number(c.value) : String(c.value);
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
        return like(String(v), String(c.value), false);
      default:
        return like(String(v), String(c.value), true);
    }
  });
}

export interface OrderKey {
  entity: Entity;
  key: string;
  desc: boolean;
}

export function parseOrderBy(orderBy: unknown): OrderKey[] {
  const list = Array.isArray(orderBy) ? orderBy : typeof orderBy === 'string' ? [orderBy] : [];
  return list.map((o) => {
    const m = ORDER.exec(String(o));
    if (!m) throw invalid(`Invalid order_by clause '${String(o)}'. Use <metrics|params|tags|attributes>.<key> [ASC|DESC].`);
    return { entity: entityOf(m[1]), key: m[2] ?? m[3] ?? m[4], desc: (m[5] ?? 'ASC').toUpperCase() === 'DESC' };
  });
}

/** Sorts by the order keys, things without a value last whichever the direction (as MLflow does), then by `tie`. */
export function sortBy<T>(items: T[], keys: OrderKey[], get: (item: T, entity: Entity, key: string) => Value, tie: (x: T, y: T) => number): T[] {
  return [...items].sort((x, y) => {
    for (const k of keys) {
      const a = get(x, k.entity, k.key);
      const b = get(y, k.entity, k.key);
      if (a === b) continue;
      if (a === undefined) return 1;
      if (b === undefined) return -1;
      const c = a < b ? -1 : 1;
      return k.desc ? -c : c;
    }
    return tie(x, y);
  });
}

/** MLflow caps one page of a search at 50,000. */
const MAX_PAGE = 50_000;

export function maxResults(v: unknown, fallback: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE)
    throw invalid(`Invalid value ${JSON.stringify(v)} for parameter 'max_results' supplied. It must be a whole number from 1 to ${MAX_PAGE}.`);
  return n;
}

/** A page of `items` from the offset the token holds, and the token for the next page when there is one. */
export function page<T>(items: T[], max: number, token: unknown): { items: T[]; next?: string } {
  let offset = 0;
  if (token !== undefined && token !== null && token !== '') {
    try {
      if (typeof token !== 'string') throw new Error('not a string');
      offset = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset: number }).offset;
    } catch {
      offset = NaN;
    }
    if (!Number.isInteger(offset) || offset < 0)
      throw invalid(`Invalid page token ${JSON.stringify(token)}: pass the next_page_token of the previous answer unchanged.`);
  }
  const slice = items.slice(offset, offset + max);
  const rest = offset + max < items.length;
  return { items: slice, next: rest ? Buffer.from(JSON.stringify({ offset: offset + max })).toString('base64') : undefined };
}
