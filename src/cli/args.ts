/** A small, strict parser: unknown flags and extra arguments are errors that name them, not silently ignored. */
export class UsageError extends Error {}

export interface Parsed {
  flags: Record<string, string | boolean>;
  positional: string[];
  /** Everything after `--`, or after the first positional when `stopAtPositional` is set. */
  rest: string[];
}

// eslint-disable-next-line no-control-regex -- a control character in an option's value is what is refused
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

export function parseArgs(argv: string[], spec: Record<string, 'bool' | 'string'>, stopAtPositional = false): Parsed {
  const out: Parsed = { flags: {}, positional: [], rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.rest = argv.slice(i + 1);
      break;
    }
    if (a === '-h' && spec.help) {
      out.flags.help = true;
      continue;
    }
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
      const kind = spec[name];
      if (!kind) throw new UsageError(`unknown option --${name}`);
      if (kind === 'bool') {
        if (inline !== undefined) throw new UsageError(`--${name} takes no value (got "--${name}=${inline}")`);
        out.flags[name] = true;
      } else {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        const bad = CONTROL.exec(v);
        if (bad) throw new UsageError(`--${name} contains a control character (${JSON.stringify(bad[0])}); use plain text`);
        out.flags[name] = v;
      }
      continue;
    }
    // A single dash and a letter is an option this command does not have (a lone "-" stays an argument).
    if (a.length > 1 && a.startsWith('-') && !/^-\d/.test(a)) throw new UsageError(`unknown option ${a}`);
    if (stopAtPositional) {
      out.rest = argv.slice(i);
      break;
    }
    out.positional.push(a);
  }
  return out;
}

/** Refuses arguments beyond the `max` a command takes, naming the first one too many. */
export function noMoreThan(positional: string[], max: number, what: string): void {
  if (positional.length > max) throw new UsageError(`unexpected argument "${positional[max]}" (${what})`);
}
