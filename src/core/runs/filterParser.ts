/**
 * The run filter language: parser, AST and canonical printer. Compiling to SQL lives in `filter.ts`.
 *
 *   metrics.val_rmse < 30000 and (params.model = "gbr" or tags.note ~ "baseline")
 *
 * Grammar (keywords are case-insensitive; `&&`, `||`, `!` are the same as `and`, `or`, `not`):
 *
 *   filter     := <empty> | or
 *   or         := and (("or" | "||") and)*
 *   and        := unary (("and" | "&&") unary)*
 *   unary      := ("not" | "!") unary | "(" or ")" | predicate
 *   predicate  := field (compare value | ["not"] "in" "(" value ("," value)* ")" | ["not"] "exists")
 *   compare    := "=" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "!~"
 *   field      := ("params" | "tags") "." key
 *               | "metrics" "." key ["." ("min" | "max" | "first" | "last" | "count")]
 *               | "name" | "status" | "experiment" | "id" | "duration" | "started" | "git.branch" | "git.commit"
 *   key        := [A-Za-z0-9_\-./]+  |  "`" any text, with \` and \\ escapes "`"
 *   value      := number | "double-quoted" | 'single-quoted' | true | false | bare-word
 *
 * A metric key that ends in `.min`, `.max`, `.first`, `.last` or `.count` is read as that aggregate of the
 * metric before it; a metric literally named `a.min` must be backquoted: metrics.`a.min`.
 */

export type MetricAgg = 'last' | 'min' | 'max' | 'first' | 'count';
export const METRIC_AGGS: readonly MetricAgg[] = ['last', 'min', 'max', 'first', 'count'];

export type RunAttr = 'name' | 'status' | 'experiment' | 'id' | 'duration' | 'started' | 'git.branch' | 'git.commit';
export const RUN_ATTRS: readonly RunAttr[] = ['name', 'status', 'experiment', 'id', 'duration', 'started', 'git.branch', 'git.commit'];

export type FilterField =
  { kind: 'param'; key: string } | { kind: 'tag'; key: string } | { kind: 'metric'; key: string; agg: MetricAgg } | { kind: 'attr'; name: RunAttr };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | '!~';

/**
 * A literal. `text` of a number is how it was written (used when the other side turns out not to be a
 * number and the comparison falls back to text). Quoted strings and bare words are both `string`.
 */
export type FilterValue = { type: 'number'; value: number; text: string } | { type: 'string'; value: string } | { type: 'boolean'; value: boolean };

export type FilterExpr =
  /** The empty filter: every run. */
  | { kind: 'all' }
  | { kind: 'and'; items: FilterExpr[] }
  | { kind: 'or'; items: FilterExpr[] }
  | { kind: 'not'; expr: FilterExpr }
  | { kind: 'compare'; field: FilterField; op: CompareOp; value: FilterValue }
  | { kind: 'in'; field: FilterField; values: FilterValue[]; negated: boolean }
  | { kind: 'exists'; field: FilterField; negated: boolean };

/** A filter that does not parse: where (0-based offset, length in characters) and what was expected. */
export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
  constructor(
    message: string,
    /** The whole filter text. */
    readonly expression: string,
    /** 0-based character offset of the problem (may equal the text's length: "at the end"). */
    readonly position: number,
    /** How many characters the problem spans (at least 1), for squiggles and carets. */
    readonly length: number,
    /** The corrected field text when we could guess one ("metrics.x" for "metric.x"). */
    readonly suggestion?: string,
  ) {
    super(message);
  }

  /**
   * The line of the expression holding the error with a caret line under it, for terminals:
   *
   *   metrics.val_rmse < and x
   *                      ^^^
   */
  pretty(): string {
    const text = this.expression;
    const lineStart = text.lastIndexOf('\n', this.position - 1) + 1;
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd);
    const col = this.position - lineStart;
    // Keep tabs so the caret lines up under a tab-indented expression.
    const pad = line.slice(0, col).replace(/[^\t]/g, ' ');
    const carets = '^'.repeat(Math.max(1, Math.min(this.length, Math.max(1, line.length - col))));
    return `${line}\n${pad}${carets}`;
  }
}

const KEY_CHAR = /[A-Za-z0-9_\-./]/;
const KEY_RUN = /[A-Za-z0-9_\-./]+/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
/** A bare value runs until whitespace or a character with a meaning of its own. */
const BARE_WORD = /[^\s()<>=!~,&|"'`]+/y;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)(inf|infinity)$/i;
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'exists']);
const PREFIXES = ['params', 'metrics', 'tags', 'git'] as const;
const MAX_DEPTH = 100;
const OPERATOR_LIST = '=, !=, <, <=, >, >=, ~, !~, in, not in, exists or not exists';
const FIELD_HELP = 'params.<key>, metrics.<key>, tags.<key>, name, status, experiment, id, duration, started, git.branch or git.commit';

/** Parses a filter; an empty (or all-blank) text is `{ kind: 'all' }`. Throws {@link FilterSyntaxError}. */
export function parseFilter(text: string): FilterExpr {
  return new Parser(text).parseFilter();
}

class Parser {
  private pos = 0;
  private depth = 0;
  /** The last token read, for "expected … after X" messages. */
  private prev = '';

  constructor(private readonly src: string) {}

  parseFilter(): FilterExpr {
    this.ws();
    if (this.pos >= this.src.length) return { kind: 'all' };
    const e = this.parseOr();
    this.ws();
    if (this.pos < this.src.length) {
      if (this.src[this.pos] === ')') this.fail(this.pos, 1, 'unmatched ")"');
      this.fail(this.pos, this.tokenLength(), `expected "and", "or" or the end of the filter after ${quote(this.prev)}`);
    }
    return e;
  }

  private parseOr(): FilterExpr {
    const items = [this.parseAnd()];
    for (;;) {
      this.ws();
      if (this.keyword('or') || this.symbol('||')) items.push(this.parseAnd());
      else break;
    }
    return join('or', items);
  }

  private parseAnd(): FilterExpr {
    const items = [this.parseUnary()];
    for (;;) {
      this.ws();
      if (this.keyword('and') || this.symbol('&&')) items.push(this.parseUnary());
      else break;
    }
    return join('and', items);
  }

  private parseUnary(): FilterExpr {
    this.ws();
    const c = this.src[this.pos];
    if (this.keyword('not') || (c === '!' && this.src[this.pos + 1] !== '=' && this.src[this.pos + 1] !== '~' && this.symbol('!'))) {
      this.enter();
      const expr = this.parseUnary();
      this.depth--;
      return { kind: 'not', expr };
    }
    if (c === '(') {
      const open = this.pos;
      this.pos++;
      this.prev = '(';
      this.enter();
      const e = this.parseOr();
      this.depth--;
      this.ws();
      if (this.src[this.pos] !== ')') {
        if (this.pos >= this.src.length) this.fail(this.pos, 1, `expected ")" {at} to close the "(" from column ${open + 1}`);
        this.fail(this.pos, this.tokenLength(), `expected "and", "or" or ")" after ${quote(this.prev)} {at} (to close the "(" from column ${open + 1})`);
      }
      this.pos++;
      this.prev = ')';
      return e;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): FilterExpr {
    const start = this.pos;
    if (start >= this.src.length || /[)&|,=<>~]/.test(this.src[start])) {
      const what = 'expected a condition such as metrics.val_rmse < 30000';
      this.fail(start, this.tokenLength(), this.prev ? `${what} after ${quote(this.prev)}` : what);
    }
    const field = this.parseField();
    const fieldText = this.src.slice(start, this.pos);
    this.prev = fieldText;
    this.ws();
    const opStart = this.pos;
    if (this.keyword('exists')) return { kind: 'exists', field, negated: false };
    if (this.keyword('in')) return { kind: 'in', field, values: this.parseList(field), negated: false };
    if (this.keyword('not')) {
      this.ws();
      if (this.keyword('exists')) return { kind: 'exists', field, negated: true };
      if (this.keyword('in')) return { kind: 'in', field, values: this.parseList(field), negated: true };
      this.fail(this.pos, this.tokenLength(), `expected "in" or "exists" after "not"`);
    }
    const op = this.operator();
    if (!op) this.fail(opStart, this.tokenLength(), `expected an operator (${OPERATOR_LIST}) after ${quote(fieldText)}`);
    return { kind: 'compare', field, op, value: this.parseValue(field, op) };
  }

  private operator(): CompareOp | undefined {
    for (const [text, op] of [
      ['!=', '!='],
      ['!~', '!~'],
      ['<=', '<='],
      ['>=', '>='],
      ['==', '='],
      ['=', '='],
      ['<', '<'],
      ['>', '>'],
      ['~', '~'],
    ] as const) {
      if (this.symbol(text)) return op;
    }
    return undefined;
  }

  private parseList(field: FilterField): FilterValue[] {
    this.ws();
    if (this.src[this.pos] !== '(') this.fail(this.pos, this.tokenLength(), `expected "(" after ${quote(this.prev)} {at}, e.g. in ("a", "b")`);
    const open = this.pos;
    this.pos++;
    this.prev = '(';
    const values: FilterValue[] = [];
    for (;;) {
      values.push(this.parseValue(field, '='));
      this.ws();
      if (this.symbol(',')) continue;
      if (this.symbol(')')) return values;
      if (this.pos >= this.src.length) this.fail(this.pos, 1, `expected ")" {at} to close the list opened at column ${open + 1}`);
      this.fail(this.pos, this.tokenLength(), `expected "," or ")" after ${quote(this.prev)} in the list`);
    }
  }

  private parseValue(field: FilterField, op: CompareOp | '='): FilterValue {
    const after = this.prev;
    this.ws();
    const start = this.pos;
    const c = this.src[start];
    let value: FilterValue;
    if (c === '"' || c === "'") {
      value = { type: 'string', value: this.quoted(c, 'string') };
    } else if (c === '`') {
      this.fail(start, 1, 'backquotes are for keys (params.`my key`) {at}; quote text values with " or \'');
    } else {
      BARE_WORD.lastIndex = start;
      const m = c === undefined ? null : BARE_WORD.exec(this.src);
      if (!m) this.fail(start, 1, `expected a value after ${quote(after)}`);
      const word = m[0];
      if (KEYWORDS.has(word.toLowerCase()))
        this.fail(start, word.length, `expected a value after ${quote(after)} {at}, found the keyword "${word}" (quote it to use it as text)`);
      this.pos += word.length;
      const lower = word.toLowerCase();
      const inf = INFINITY.exec(word);
      if (lower === 'true' || lower === 'false') value = { type: 'boolean', value: lower === 'true' };
      else if (NUMBER.test(word)) value = { type: 'number', value: Number(word), text: word };
      else if (inf) value = { type: 'number', value: inf[1] === '-' ? -Infinity : Infinity, text: lower };
      else value = { type: 'string', value: word };
    }
    this.prev = this.src.slice(start, this.pos);
    // Time and duration values are checked now, so a typo is reported where it is.
    if (field.kind === 'attr' && op !== '~' && op !== '!~') {
      if (field.name === 'started' && timeValue(value) === undefined)
        this.fail(start, this.pos - start, `expected a date/time such as 2026-01-31 or 2026-01-31T14:30 for "started" {at}, found ${quote(this.prev)}`);
      if (field.name === 'duration' && durationValue(value) === undefined)
        this.fail(start, this.pos - start, `expected a duration in seconds (or 90s, 5m, 1.5h, 2d) for "duration" {at}, found ${quote(this.prev)}`);
    }
    return value;
  }

  /** A quoted string or backquoted key, with backslash escapes; the cursor is on the opening quote. */
  private quoted(q: string, what: 'string' | 'key'): string {
    const start = this.pos;
    let out = '';
    let i = start + 1;
    for (;;) {
      if (i >= this.src.length) this.fail(start, this.src.length - start, `unterminated ${what} {at}: expected a closing ${q}`);
      const ch = this.src[i];
      if (ch === q) break;
      if (ch === '\\') {
        const next = this.src[i + 1];
        if (next === undefined) {
          i++;
          continue;
        }
        if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(this.src.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(this.src.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        out += ESCAPES[next] ?? next;
        i += 2;
        continue;
      }
      out += ch;
      i++;
    }
    this.pos = i + 1;
    return out;
  }

  private parseField(): FilterField {
    const start = this.pos;
    IDENT.lastIndex = start;
    const m = IDENT.exec(this.src);
    if (!m) {
      const c = this.src[start];
      if (c === '"' || c === "'" || c === '`')
        this.fail(start, this.tokenLength(), `expected a field {at}: a condition starts with the field, e.g. params.model = "gbr"`);
      this.fail(start, this.tokenLength(), `expected a field {at}, such as ${FIELD_HELP}`);
    }
    const ident = m[0].toLowerCase();
    this.pos += m[0].length;
    const dotted = this.src[this.pos] === '.';
    if (ident === 'params' || ident === 'tags' || ident === 'metrics') {
      if (!dotted)
        this.fail(
          start,
          this.pos - start,
          `expected "." and a key after "${m[0]}" {at}, e.g. ${ident}.${ident === 'metrics' ? 'val_rmse' : ident === 'tags' ? 'note' : 'lr'}`,
        );
      this.pos++;
      const keyStart = this.pos;
      let key: string;
      let agg: MetricAgg = 'last';
      if (this.src[this.pos] === '`') {
        key = this.quoted('`', 'key');
        if (key === '') this.fail(keyStart, 2, `expected a key between the backquotes`);
        if (ident === 'metrics' && this.src[this.pos] === '.') {
          IDENT.lastIndex = this.pos + 1;
          const a = IDENT.exec(this.src);
          if (!a || !(METRIC_AGGS as readonly string[]).includes(a[0]))
            this.fail(this.pos + 1, a ? a[0].length : 1, `expected min, max, first, last or count after "."`);
          agg = a[0] as MetricAgg;
          this.pos += 1 + a[0].length;
        }
      } else {
        KEY_RUN.lastIndex = this.pos;
        const k = KEY_RUN.exec(this.src);
        if (!k)
          this.fail(
            this.pos,
            this.tokenLength(),
            `expected a key after "${this.src.slice(start, this.pos)}" {at} (backquote keys with other characters: ${ident}.\`my key\`)`,
          );
        key = k[0];
        this.pos += key.length;
        if (ident === 'metrics') {
          const a = /^(.+)\.(min|max|first|last|count)$/.exec(key);
          if (a) {
            key = a[1];
            agg = a[2] as MetricAgg;
          }
        }
      }
      if (ident === 'params') return { kind: 'param', key };
      if (ident === 'tags') return { kind: 'tag', key };
      return { kind: 'metric', key, agg };
    }
    if (ident === 'git' && dotted) {
      IDENT.lastIndex = this.pos + 1;
      const sub = IDENT.exec(this.src);
      const subName = sub ? sub[0].toLowerCase() : '';
      if (sub && (subName === 'branch' || subName === 'commit') && !KEY_CHAR.test(this.src[this.pos + 1 + sub[0].length] ?? '')) {
        this.pos += 1 + sub[0].length;
        return { kind: 'attr', name: `git.${subName}` as RunAttr };
      }
    } else if ((RUN_ATTRS as readonly string[]).includes(ident) && !dotted && !KEY_CHAR.test(this.src[this.pos] ?? '')) {
      return { kind: 'attr', name: ident as RunAttr };
    }
    // Unknown: report the whole word, with the field the user most likely meant.
    KEY_RUN.lastIndex = start;
    const word = KEY_RUN.exec(this.src)![0];
    const suggestion = suggestField(word);
    this.fail(start, word.length, `unknown field "${word}" {at}` + (suggestion ? ` — did you mean ${suggestion}?` : `; fields are ${FIELD_HELP}`), suggestion);
  }

  private ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }

  /** Consumes a keyword (case-insensitive, not followed by a word character). */
  private keyword(word: string): boolean {
    const end = this.pos + word.length;
    if (this.src.slice(this.pos, end).toLowerCase() !== word) return false;
    if (end < this.src.length && /[A-Za-z0-9_\-./`]/.test(this.src[end])) return false;
    this.prev = this.src.slice(this.pos, end);
    this.pos = end;
    return true;
  }

  private symbol(text: string): boolean {
    if (!this.src.startsWith(text, this.pos)) return false;
    this.prev = text;
    this.pos += text.length;
    return true;
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(this.pos, 1, `the filter nests more than ${MAX_DEPTH} levels deep`);
  }

  /** The length of whatever token starts at the cursor, for error spans. */
  private tokenLength(): number {
    if (this.pos >= this.src.length) return 1;
    BARE_WORD.lastIndex = this.pos;
    const m = BARE_WORD.exec(this.src);
    if (m) return m[0].length;
    const two = this.src.slice(this.pos, this.pos + 2);
    return ['!=', '!~', '<=', '>=', '==', '&&', '||'].includes(two) ? 2 : 1;
  }

  private fail(pos: number, length: number, message: string, suggestion?: string): never {
    const where = `at column ${pos + 1}`;
    // "expected a value after "<" at column 24": the position goes after the main clause ({at}), before any hint.
    const text = message.includes('{at}') ? message.replace('{at}', where) : `${message} ${where}`;
    throw new FilterSyntaxError(text, this.src, pos, Math.max(1, length), suggestion);
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' };

function join(kind: 'and' | 'or', items: FilterExpr[]): FilterExpr {
  if (items.length === 1) return items[0];
  return { kind, items: items.flatMap((i) => (i.kind === kind ? i.items : [i])) };
}

function quote(token: string): string {
  return token ? JSON.stringify(token.length > 40 ? token.slice(0, 37) + '…' : token) : 'the start';
}

/** What an unknown field most likely meant: "metric.x" → "metrics.x", "stauts" → "status". */
export function suggestField(word: string): string | undefined {
  const dot = word.indexOf('.');
  const head = (dot < 0 ? word : word.slice(0, dot)).toLowerCase();
  const rest = dot < 0 ? '' : word.slice(dot + 1);
  const aliases: Record<string, string> = {
    param: 'params',
    parameter: 'params',
    parameters: 'params',
    hparams: 'params',
    p: 'params',
    metric: 'metrics',
    m: 'metrics',
    tag: 'tags',
    t: 'tags',
  };
  if (rest) {
    const lowerWord = word.toLowerCase();
    if (lowerWord === 'run.name' || lowerWord === 'run.status' || lowerWord === 'run.id') return lowerWord.slice(4);
    if (lowerWord === 'experiment.name' || lowerWord === 'run.experiment') return 'experiment';
    const prefix = aliases[head] ?? closest(head, PREFIXES, 2);
    if (prefix === 'git') return closest(rest.toLowerCase(), ['branch', 'commit'], 3, 'git.');
    if (prefix) return `${prefix}.${rest}`;
    return closest(lowerWord, RUN_ATTRS, 2);
  }
  const attrAliases: Record<string, RunAttr> = {
    branch: 'git.branch',
    commit: 'git.commit',
    git_branch: 'git.branch',
    git_commit: 'git.commit',
    exp: 'experiment',
    start: 'started',
    started_at: 'started',
    start_time: 'started',
    run: 'name',
    run_name: 'name',
    run_id: 'id',
    state: 'status',
    elapsed: 'duration',
    runtime: 'duration',
    time: 'duration',
  };
  if (head === 'git') return 'git.branch';
  return attrAliases[head] ?? closest(head, RUN_ATTRS, 2);
}

function closest(word: string, options: readonly string[], maxDistance: number, prefix = ''): string | undefined {
  let best: string | undefined;
  let bestD = maxDistance + 1;
  for (const o of options) {
    const d = levenshtein(word, o);
    if (d < bestD) {
      best = o;
      bestD = d;
    }
  }
  return best === undefined ? undefined : prefix + best;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

/**
 * A `started` value as epoch milliseconds. ISO 8601 as `Date.parse` reads it, except that a date alone
 * (2026-01-31) means local midnight, like a date-time without an offset; add `Z` or `+02:00` for UTC or
 * another zone.
 */
export function timeValue(v: FilterValue): number | undefined {
  if (v.type === 'boolean') return undefined;
  const text = (v.type === 'number' ? v.text : v.value).trim();
  if (!/^\d{4}(-\d{2}(-\d{2})?)?([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(text)) return undefined;
  let iso = text.replace(' ', 'T');
  // Date.parse reads a date-only form as UTC but a date-time as local: make them agree on local.
  if (/^\d{4}(-\d{2}){0,2}$/.test(iso)) iso += (iso.length === 4 ? '-01-01' : iso.length === 7 ? '-01' : '') + 'T00:00';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

/** A `duration` value in seconds: a number, or a number with s, m, h or d. */
export function durationValue(v: FilterValue): number | undefined {
  if (v.type === 'number') return v.value;
  if (v.type !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|min|h|d)$/i.exec(v.value.trim());
  if (!m) return undefined;
  const unit = { ms: 0.001, s: 1, m: 60, min: 60, h: 3600, d: 86400 }[m[2].toLowerCase() as 'ms' | 's' | 'm' | 'min' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** The canonical text of a filter (lower-case keywords, minimal parentheses, double-quoted strings); parses back to the same filter. */
export function describeFilter(expr: FilterExpr): string {
  return describe(expr, 0);
}

function describe(e: FilterExpr, parent: number): string {
  switch (e.kind) {
    case 'all':
      return '';
    case 'or':
    case 'and': {
      const prec = e.kind === 'or' ? 1 : 2;
      const text = e.items
        .map((i) => describe(i, prec))
        .filter((s) => s !== '')
        .join(` ${e.kind} `);
      return parent > prec ? `(${text})` : text;
    }
    case 'not':
      return `not ${describe(e.expr, 3)}`;
    case 'compare':
      return `${describeField(e.field)} ${e.op} ${describeValue(e.value)}`;
    case 'in':
      return `${describeField(e.field)} ${e.negated ? 'not in' : 'in'} (${e.values.map(describeValue).join(', ')})`;
    case 'exists':
      return `${describeField(e.field)} ${e.negated ? 'not exists' : 'exists'}`;
  }
}

export function describeField(f: FilterField): string {
  switch (f.kind) {
    case 'attr':
      return f.name;
    case 'param':
      return `params.${describeKey(f.key, false)}`;
    case 'tag':
      return `tags.${describeKey(f.key, false)}`;
    case 'metric':
      return `metrics.${describeKey(f.key, true)}${f.agg === 'last' ? '' : '.' + f.agg}`;
  }
}

function describeKey(key: string, metric: boolean): string {
  const plain = /^[A-Za-z0-9_\-./]+$/.test(key) && !(metric && /\.(min|max|first|last|count)$/.test(key));
  return plain ? key : '`' + key.replace(/[\\`]/g, '\\$&') + '`';
}

function numberText(text: string): number | undefined {
  if (NUMBER.test(text)) return Number(text);
  const inf = INFINITY.exec(text);
  return inf ? (inf[1] === '-' ? -Infinity : Infinity) : undefined;
}

function describeValue(v: FilterValue): string {
  switch (v.type) {
    case 'boolean':
      return String(v.value);
    case 'number':
      // As written (1e-3 stays 1e-3: the text is what a non-numeric field is compared with).
      if (numberText(v.text) === v.value) return v.text;
      return Number.isFinite(v.value) ? String(v.value) : v.value > 0 ? 'inf' : '-inf';
    case 'string':
      return JSON.stringify(v.value);
  }
}
