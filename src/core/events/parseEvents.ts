/**
 * Parses complete lines of an events.jsonl file (docs/events-format.md). Speed matters: a run can hold
 * millions of metric points, so the common case is parsed in one JSON.parse of the whole batch and only a
 * batch holding a bad line falls back to line-by-line parsing to find and report it.
 */
import * as path from 'node:path';
import { FastMetricScanner } from './fastMetrics';
import { exactMember, MAX_PARAM_DEPTH, needsSource, nestingDepth, type ParamValue } from './paramValue';
import { EXPLANATION_NAME, METHODS } from '../explain/manifest';
import type { ExplainMethod } from '../explain/types';

export const MAX_PARAM_CHARS = 6000;
export const MAX_KEY_CHARS = 250;

export type { ParamValue } from './paramValue';

export type LineageEvent =
  | { type: 'header'; schema: number }
  | { type: 'param'; key: string; value: ParamValue }
  | { type: 'metric'; key: string; value: number; step?: number; ts?: number }
  | { type: 'tag'; key: string; value: string }
  | { type: 'artifact'; path: string }
  | { type: 'dataset'; path: string; role: string; size?: number; mtime?: number }
  | { type: 'model'; path: string; flavor: string }
  | { type: 'env'; python?: string; python_version?: string; pid?: number }
  | { type: 'status'; status: string; error?: string }
  | {
      type: 'explanation';
      name: string;
      path: string;
      method: ExplainMethod;
      exact: boolean;
      rows: number;
      features: number;
      /** null when it is not finite (the SDK writes null; "NaN" is read the same). */
      additivity_error: number | null;
    };

export interface EventWarning {
  line: number;
  message: string;
}

export interface ParsedBatch {
  events: LineageEvent[];
  /** 1-based line number of each event, parallel to `events`. */
  lines: Int32Array;
  warnings: EventWarning[];
}

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** `text` holds whole lines only; `firstLine` is the 1-based number of its first line in the file. */
export function parseEventLines(text: string, firstLine: number): ParsedBatch {
  const lineCount = countLines(text);
  let raw: unknown[] | undefined;
  if (text.indexOf('\r') < 0 && text.indexOf('\n\n') < 0 && text.charCodeAt(0) !== 10) {
    try {
      const body = text.endsWith('\n') ? text.slice(0, -1) : text;
      const parsed = JSON.parse('[' + body.replaceAll('\n', ',') + ']') as unknown;
      // A line like `1,2` parses as two elements: then the batch cannot be trusted line by line.
      if (Array.isArray(parsed) && parsed.length === lineCount) raw = parsed;
    } catch {
      raw = undefined;
    }
  }
  if (!raw) raw = parseEachLine(text);
  // The lines' own text, split only when a param needs it (an array, an object, or an integer past 2^53).
  let texts: string[] | undefined;
  const source = (i: number) => () => {
    texts ??= splitLines(text);
    return texts[i];
  };
  const events: LineageEvent[] = [];
  const lines = new Int32Array(raw.length);
  const warnings: EventWarning[] = [];
  for (let i = 0; i < raw.length; i++) {
    const lineNo = firstLine + i;
    const item = raw[i];
    if (item instanceof BadLine) {
      warnings.push({ line: lineNo, message: item.message });
      continue;
    }
    const result = validate(item, source(i));
    if (typeof result === 'string') warnings.push({ line: lineNo, message: result });
    else {
      lines[events.length] = lineNo;
      events.push(result);
    }
  }
  return { events, lines: lines.subarray(0, events.length), warnings };
}

class BadLine {
  constructor(readonly message: string) {}
}

function countLines(text: string): number {
  if (text.length === 0) return 0;
  let n = 0;
  let i = -1;
  while ((i = text.indexOf('\n', i + 1)) >= 0) n++;
  return text.endsWith('\n') ? n : n + 1;
}

function splitLines(text: string): string[] {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts.map((part) => (part.endsWith('\r') ? part.slice(0, -1) : part));
}

function parseEachLine(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of splitLines(text)) {
    if (line.trim() === '') {
      out.push(new BadLine('empty line'));
      continue;
    }
    try {
      out.push(JSON.parse(line));
    } catch {
      out.push(new BadLine(`not JSON: ${preview(line)}`));
    }
  }
  return out;
}

function preview(s: string): string {
  return JSON.stringify(s.length > 60 ? s.slice(0, 60) + '…' : s);
}

function isKey(k: unknown): k is string {
  return typeof k === 'string' && k.length > 0 && k.length <= MAX_KEY_CHARS;
}

function keyProblem(k: unknown): string {
  if (typeof k !== 'string') return `"key" must be a string, got ${typeof k}`;
  if (k.length === 0) return '"key" is empty';
  return `"key" is longer than ${MAX_KEY_CHARS} characters`;
}

/**
 * Returns the event, or a readable reason why the line was skipped. `source` gives the line's text: with
 * it, a param's integers past 2^53 keep every digit (as a decimal string) and the 6,000-character limit of
 * an array or object counts its text as written; without it, the value as JSON.parse read it.
 */
export function validate(item: unknown, source?: () => string): LineageEvent | string {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'not a JSON object';
  const o = item as Record<string, unknown>;
  switch (o.type) {
    case 'metric': {
      if (!isKey(o.key)) return `metric: ${keyProblem(o.key)}`;
      let v = o.value;
      if (typeof v === 'string' && v in NON_FINITE) v = NON_FINITE[v];
      if (typeof v !== 'number') return `metric "${o.key}": value must be a number, got ${describe(o.value)}`;
      const step = o.step;
      if (step !== undefined && step !== null && !(typeof step === 'number' && Number.isFinite(step)))
        return `metric "${o.key}": step must be a finite number, got ${describe(step)}`;
      const ts = o.ts;
      if (ts !== undefined && ts !== null && !(typeof ts === 'number' && Number.isFinite(ts)))
        return `metric "${o.key}": ts must be seconds since the epoch, got ${describe(ts)}`;
      return {
        type: 'metric',
        key: o.key,
        value: v,
        step: typeof step === 'number' ? step : undefined,
        ts: typeof ts === 'number' ? ts : undefined,
      };
    }
    case 'param': {
      if (!isKey(o.key)) return `param: ${keyProblem(o.key)}`;
      let v = o.value === undefined ? null : o.value;
      if (v !== null && !['string', 'number', 'boolean', 'object'].includes(typeof v))
        return `param "${o.key}": value must be a string, number, boolean, null, array or object, got ${describe(v)}`;
      let chars = typeof v === 'string' ? v.length : 0;
      if (needsSource(v)) {
        if (typeof v === 'object' && nestingDepth(v) > MAX_PARAM_DEPTH)
          return `param "${o.key}": value nests deeper than ${MAX_PARAM_DEPTH} levels; log it as an artifact instead`;
        const exact = source ? exactMember(source(), 'value') : undefined;
        if (exact) {
          v = exact.value;
          if (typeof v === 'object') chars = exact.chars;
        } else if (typeof v === 'object') chars = JSON.stringify(v).length;
      }
      if (chars > MAX_PARAM_CHARS) return `param "${o.key}": value is ${chars} characters, over the ${MAX_PARAM_CHARS} limit; log it as an artifact instead`;
      return { type: 'param', key: o.key, value: v as ParamValue };
    }
    case 'tag': {
      if (!isKey(o.key)) return `tag: ${keyProblem(o.key)}`;
      if (typeof o.value !== 'string') return `tag "${o.key}": value must be a string, got ${describe(o.value)}`;
      if (o.value.length > MAX_PARAM_CHARS) return `tag "${o.key}": value is over ${MAX_PARAM_CHARS} characters`;
      return { type: 'tag', key: o.key, value: o.value };
    }
    case 'artifact':
    case 'model': {
      const p = safeRunPath(o.path);
      if (typeof p !== 'string' || p.startsWith('!')) return `${o.type}: ${typeof p === 'string' ? p.slice(1) : 'bad path'}`;
      if (o.type === 'artifact') return { type: 'artifact', path: p };
      const flavor = typeof o.flavor === 'string' && o.flavor ? o.flavor : 'unknown';
      return { type: 'model', path: p, flavor };
    }
    case 'dataset': {
      if (typeof o.path !== 'string' || o.path === '') return 'dataset: "path" must be a non-empty string';
      if (o.path.includes('\0')) return 'dataset: "path" contains a NUL character';
      const role = typeof o.role === 'string' && o.role ? o.role : 'input';
      return {
        type: 'dataset',
        path: o.path,
        role,
        size: typeof o.size === 'number' ? o.size : undefined,
        mtime: typeof o.mtime === 'number' ? o.mtime : undefined,
      };
    }
    case 'env':
      return {
        type: 'env',
        python: typeof o.python === 'string' ? o.python : undefined,
        python_version: typeof o.python_version === 'string' ? o.python_version : undefined,
        pid: typeof o.pid === 'number' ? o.pid : undefined,
      };
    case 'status':
      if (typeof o.status !== 'string') return 'status: "status" must be a string';
      return { type: 'status', status: o.status, error: typeof o.error === 'string' ? o.error : undefined };
    case 'explanation': {
      if (typeof o.name !== 'string' || !EXPLANATION_NAME.test(o.name))
        return `explanation: "name" must be 1 to 64 letters, digits, "_", "." or "-" not starting with ".", got ${describe(o.name)}`;
      const p = safeRunPath(o.path);
      if (p.startsWith('!')) return `explanation "${o.name}": ${p.slice(1)}`;
      if (typeof o.method !== 'string' || !METHODS.includes(o.method as ExplainMethod))
        return `explanation "${o.name}": method ${describe(o.method)} is not one this Lineage knows (${METHODS.join(', ')}); update Lineage`;
      const count = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
      if (!count(o.rows) || !count(o.features)) return `explanation "${o.name}": "rows" and "features" must be whole numbers`;
      let err = o.additivity_error;
      if (typeof err === 'string' && err in NON_FINITE) err = NON_FINITE[err];
      return {
        type: 'explanation',
        name: o.name,
        path: p,
        method: o.method as ExplainMethod,
        exact: o.exact === true,
        rows: o.rows as number,
        features: o.features as number,
        additivity_error: typeof err === 'number' && !Number.isNaN(err) ? err : null,
      };
    }
    case 'header':
      if (typeof o.schema === 'number' && o.schema > 1) return `header: schema ${o.schema} is newer than this Lineage understands (1); update Lineage`;
      return { type: 'header', schema: typeof o.schema === 'number' ? o.schema : 1 };
    default:
      return `unknown event type ${describe(o.type)}`;
  }
}

/**
 * Normalises a path that must stay inside the run folder. Returns the clean relative path, or a string
 * starting with "!" that explains the refusal (kept as a string so the hot path allocates nothing else).
 */
export function safeRunPath(p: unknown): string {
  if (typeof p !== 'string' || p === '') return '!"path" must be a non-empty string';
  if (p.includes('\0')) return '!path contains a NUL character';
  if (path.isAbsolute(p) || /^[a-zA-Z]:[\\/]/.test(p)) return `!path ${preview(p)} is absolute; it must be inside the run folder`;
  const norm = path.posix.normalize(p.replaceAll('\\', '/'));
  if (norm === '..' || norm.startsWith('../') || norm === '.') return `!path ${preview(p)} escapes the run folder`;
  return norm;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${preview(v)}`;
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : 'an object';
  // Only numbers, booleans, bigints, symbols and functions are left here: none prints as [object Object].
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return `${typeof v} ${String(v)}`;
}

/**
 * The ingest parser: metric lines go into `scanner`'s columns (fast path, or the general path for any
 * other spelling), in file order; everything else comes back as events. Warnings are the same as
 * parseEventLines gives for the same text.
 */
export function parseForIngest(text: string, firstLine: number, scanner: FastMetricScanner): { events: LineageEvent[]; warnings: EventWarning[] } {
  const events: LineageEvent[] = [];
  const warnings: EventWarning[] = [];
  let lineNo = firstLine;
  let start = 0;
  const len = text.length;
  while (start < len) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = len;
    if (!scanner.scan(text, start, end, lineNo)) {
      let line = text.slice(start, end);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      let result: LineageEvent | string;
      if (line.trim() === '') result = 'empty line';
      else {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
          const text = line;
          result = validate(parsed, () => text);
        } catch {
          result = `not JSON: ${preview(line)}`;
        }
      }
      if (typeof result === 'string') warnings.push({ line: lineNo, message: result });
      else if (result.type === 'metric')
        scanner.push(result.key, result.step ?? NaN, result.ts === undefined ? NaN : Math.round(result.ts * 1000), result.value, lineNo);
      else events.push(result);
    }
    lineNo++;
    start = end + 1;
  }
  return { events, warnings };
}
