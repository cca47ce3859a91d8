/**
 * The row search of the Explain panel and the CLI: whitespace-separated terms, all of which must hold.
 *   floor_area_m2>150   location=center   age_years<=10   bedrooms!=3   "floor area (m²)">=120   1234
 * A term is a feature name (in double quotes when it holds spaces or operator characters), one of
 * = != < <= > >=, and a number or, for a categorical feature, a category's text (a number matches the category
 * that is that number: rooms=3 finds "3.0"; < and > compare categories that are numbers); a value in double
 * quotes may hold spaces. `prediction`, `target` and `error` work too unless a feature has that name. A bare
 * whole number is a row id.
 */
import { ExplainError } from './explainError';
import type { ExplanationData } from './load';

type Op = '=' | '!=' | '<' | '<=' | '>' | '>=';
const OPS: Op[] = ['<=', '>=', '!=', '=', '<', '>'];
const PSEUDO = ['prediction', 'target', 'error'] as const;

export type RowTest = (i: number) => boolean;

interface Columns {
  prediction: (i: number) => number;
  target: (i: number) => number;
  error: (i: number) => number;
  rowId: (i: number) => number;
}

export function compileSearch(ex: ExplanationData, search: string, cols: Columns): RowTest {
  const tests: RowTest[] = [];
  for (const term of splitTerms(search)) tests.push(compileTerm(ex, term, cols));
  return (i) => tests.every((t) => t(i));
}

interface Term {
  text: string;
  /** The feature name when it was written in double quotes. */
  quoted?: string;
  rest?: string;
}

function splitTerms(s: string): Term[] {
  const out: Term[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i])) i++;
    if (i >= s.length) break;
    // A term ends at whitespace outside double quotes: a quoted name or value may hold spaces.
    let j = i;
    let open = -1;
    while (j < s.length && (open >= 0 || !/\s/.test(s[j]))) {
      if (s[j] === '"') open = open >= 0 ? -1 : j;
      j++;
    }
    if (open >= 0) throw new ExplainError(`The search has an opening " without a closing one: ${JSON.stringify(s.slice(open, open + 40))}.`);
    const text = s.slice(i, j);
    if (text[0] === '"') {
      const end = text.indexOf('"', 1);
      out.push({ text, quoted: text.slice(1, end), rest: text.slice(end + 1) });
    } else out.push({ text });
    i = j;
  }
  return out;
}

/** A value written in double quotes is the text inside them. */
function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

function compileTerm(ex: ExplanationData, term: Term, cols: Columns): RowTest {
  const features = ex.manifest.features;
  const index = new Map(features.map((f, j) => [f, j]));
  let name: string | undefined;
  let op: Op | undefined;
  let value: string | undefined;
  if (term.quoted !== undefined) {
    const m = /^(<=|>=|!=|=|<|>)(.*)$/s.exec(term.rest ?? '');
    if (!m) throw new ExplainError(`The search term ${term.text} needs an operator and a value after the name, e.g. "${term.quoted}">10.`);
    [name, op, value] = [term.quoted, m[1] as Op, m[2]];
  } else {
    const t = term.text;
    if (/^\d+$/.test(t)) {
      const id = Number(t);
      return (i) => cols.rowId(i) === id;
    }
    // The first operator after which the text before it is a known name: names may hold "<" or "=" themselves.
    let first: { at: number; op: Op } | undefined;
    for (let at = 1; at < t.length; at++) {
      const here = OPS.find((o) => t.startsWith(o, at));
      if (!here) continue;
      first ??= { at, op: here };
      const candidate = t.slice(0, at);
      if (index.has(candidate) || (PSEUDO as readonly string[]).includes(candidate)) {
        [name, op, value] = [candidate, here, t.slice(at + here.length)];
        break;
      }
    }
    if (!name) {
      if (!first)
        throw new ExplainError(
          `The search term ${JSON.stringify(t)} is not a row id or a comparison; write e.g. ${JSON.stringify(features[0] ?? 'x')}>10 (quote names with spaces).`,
        );
      throw unknownFeature(t.slice(0, first.at), features);
    }
  }
  if (!op || value === undefined || value === '') throw new ExplainError(`The search term ${term.text} has no value after ${op ?? 'the name'}.`);
  value = unquote(value);
  const cmp: Op = op;
  const j = index.get(name);
  if (j === undefined) {
    const pseudo = (PSEUDO as readonly string[]).includes(name) ? (name as (typeof PSEUDO)[number]) : undefined;
    if (!pseudo) throw unknownFeature(name, features);
    if (pseudo !== 'prediction' && !ex.target)
      throw new ExplainError(`This explanation has no true targets to search by ${pseudo}; pass y= to lineage.explain.`);
    const num = numberOf(value, name);
    const col = cols[pseudo];
    return (i) => compare(col(i), cmp, num);
  }
  const m = features.length;
  const data = ex.data;
  const cats = ex.manifest.featureKinds[j] === 'categorical' && Object.hasOwn(ex.manifest.categories, name) ? ex.manifest.categories[name] : undefined;
  if (!cats) {
    const num = numberOf(value, name);
    return (i) => compare(data[i * m + j], cmp, num);
  }
  // The data holds a category's position (its code); people know the category by its text, which is often a
  // number itself ("3.0" for rooms): the text decides, a code is never compared with what the user wrote.
  if (cmp === '=' || cmp === '!=') {
    const code = categoryCode(cats, value);
    if (code < 0) throw unknownCategory(name, value, cats);
    return (i) => compare(data[i * m + j], cmp, code);
  }
  const asNumbers = cats.map(categoryNumber);
  if (asNumbers.every((v) => Number.isNaN(v)))
    throw new ExplainError(`"${name}" is a category: search it with = or != and one of its categories (${listCategories(cats)}).`);
  const num = numberOf(value, name);
  return (i) => {
    const code = data[i * m + j];
    return Number.isInteger(code) && code >= 0 && code < asNumbers.length && compare(asNumbers[code], cmp, num);
  };
}

/** The category written: its exact text, else the same text in other case, else the same number ("3" is "3.0"). */
function categoryCode(cats: string[], value: string): number {
  let code = cats.indexOf(value);
  if (code < 0) code = cats.findIndex((c) => c.toLowerCase() === value.toLowerCase());
  if (code < 0) {
    const num = categoryNumber(value);
    if (!Number.isNaN(num)) code = cats.findIndex((c) => categoryNumber(c) === num);
  }
  return code;
}

/** The number a category's text is, or NaN ("", "NaN" and words are not numbers). */
function categoryNumber(text: string): number {
  return text.trim() === '' ? NaN : Number(text);
}

function listCategories(cats: string[]): string {
  return `${cats
    .slice(0, 20)
    .map((c) => JSON.stringify(c))
    .join(', ')}${cats.length > 20 ? ', …' : ''}`;
}

function unknownCategory(name: string, value: string, cats: string[]): ExplainError {
  return new ExplainError(`"${name}" has no category ${JSON.stringify(value)}; its categories are ${listCategories(cats)}.`);
}

function compare(x: number, op: Op, v: number): boolean {
  switch (op) {
    case '=':
      return x === v;
    case '!=':
      return x !== v;
    case '<':
      return x < v;
    case '<=':
      return x <= v;
    case '>':
      return x > v;
    case '>=':
      return x >= v;
  }
}

function numberOf(text: string, name: string): number {
  const v = Number(text);
  if (text.trim() === '' || Number.isNaN(v)) throw new ExplainError(`"${name}" is compared with ${JSON.stringify(text)}, which is not a number.`);
  return v;
}

function unknownFeature(name: string, features: string[]): ExplainError {
  const shown = features.slice(0, 30).map((f) => JSON.stringify(f));
  return new ExplainError(
    `No feature ${JSON.stringify(name)} in this explanation; the features are ${shown.join(', ')}${features.length > 30 ? `, … (${features.length} in all)` : ''} (and prediction, target, error).`,
  );
}
