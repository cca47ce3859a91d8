/** A small, strict parser: unknown flags are errors that name the flag, not silently ignored. */
export class UsageError extends Error {}

export interface Parsed {
  flags: Record<string, string | boolean>;
  positional: string[];
  /** Everything after `--`, or after the first positional when `stopAtPositional` is set. */
  rest: string[];
}

export function parseArgs(argv: string[], spec: Record<string, 'bool' | 'string'>, stopAtPositional = false): Parsed {
  const out: Parsed = { flags: {}, positional: [], rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.rest = argv.slice(i + 1);
      break;
    }
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
      const kind = spec[name];
      if (!kind) throw new UsageError(`unknown option --${name}`);
      if (kind === 'bool') out.flags[name] = true;
      else {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        out.flags[name] = v;
      }
      continue;
    }
    if (stopAtPositional) {
      out.rest = argv.slice(i);
      break;
    }
    out.positional.push(a);
  }
  return out;
}
