/**
 * Param values keep the JSON types the events carry (docs/events-format.md, "Param values"): strings,
 * numbers, booleans, null, arrays and objects. An integer outside ±(2^53 − 1) cannot be held exactly by a
 * JavaScript number, so it is read from the line's text and kept as its decimal string.
 * No imports: the editor's views use paramText without loading the engine.
 */
export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue };

/** Arrays and objects nested deeper than this are refused (the SDK writes at most 32 levels). */
export const MAX_PARAM_DEPTH = 100;

/** How a param value reads in a table or a command line: text as is, arrays and objects as compact JSON. */
export function paramText(v: ParamValue | undefined): string {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** True when the value's text must be consulted: arrays and objects (for their size and any big integer in them), and integers JSON.parse may have rounded. */
export function needsSource(v: unknown): boolean {
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v);
  return typeof v === 'object' && v !== null;
}

/** Depth of nested arrays/objects (0 for a scalar), without recursion; stops counting past `limit`. */
export function nestingDepth(v: unknown, limit = MAX_PARAM_DEPTH): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (d + 1 > deepest) deepest = d + 1;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(x) ? x : Object.values(x as Record<string, unknown>)) stack.push([child, d + 1]);
  }
  return deepest;
}

class SourceError extends Error {}

/**
 * Reads member `member` of the JSON object in `text` (one events line) exactly: integers outside the safe
 * range become their decimal string. Returns the value and the length of its text in the line, or
 * undefined when the line is not an object with that member, or nests deeper than MAX_PARAM_DEPTH.
 */
export function exactMember(text: string, member: string): { value: ParamValue; chars: number } | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      i++;
    }
  };
  const expect = (ch: string) => {
    ws();
    if (text[i] !== ch) throw new SourceError();
    i++;
  };
  const str = (): string => {
    const start = i;
    i++; // the opening quote
    for (;;) {
      const j = text.indexOf('"', i);
      if (j < 0) throw new SourceError();
      let slashes = 0;
      for (let k = j - 1; text[k] === '\\'; k--) slashes++;
      i = j + 1;
      if (slashes % 2 === 0) break;
    }
    return JSON.parse(text.slice(start, i)) as string;
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  const value = (depth: number): ParamValue => {
    ws();
    const c = text[i];
    if (c === '"') return str();
    if (c === '{' || c === '[') {
      if (depth > MAX_PARAM_DEPTH) throw new SourceError();
      i++;
      ws();
      const close = c === '{' ? '}' : ']';
      const items: ParamValue[] = [];
      const entries: Array<[string, ParamValue]> = [];
      if (text[i] === close) {
        i++;
      } else {
        for (;;) {
          if (c === '{') {
            ws();
            if (text[i] !== '"') throw new SourceError();
            const key = str();
            expect(':');
            entries.push([key, value(depth + 1)]);
          } else items.push(value(depth + 1));
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === close) {
            i++;
            break;
          } else throw new SourceError();
        }
      }
      // fromEntries defines own properties, so a "__proto__" key stays a key (as with JSON.parse); the last duplicate wins.
      return c === '{' ? Object.fromEntries<ParamValue>(entries) : items;
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const)
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) throw new SourceError();
    i += m[0].length;
    const n = Number(m[0]);
    return m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(n) ? m[0] : n;
  };
  try {
    expect('{');
    let found: { value: ParamValue; chars: number } | undefined;
    ws();
    if (text[i] === '}') return undefined;
    for (;;) {
      ws();
      if (text[i] !== '"') throw new SourceError();
      const key = str();
      expect(':');
      ws();
      const start = i;
      const v = value(1);
      if (key === member) found = { value: v, chars: i - start };
      ws();
      if (text[i] === ',') i++;
      else if (text[i] === '}') break;
      else throw new SourceError();
    }
    return found;
  } catch (err) {
    if (err instanceof SourceError || err instanceof SyntaxError) return undefined;
    throw err;
  }
}
