import type { ExperimentNode } from '../views/experimentsTree';

/** A run as a command receives it: its id, and its workspace folder when the caller knows it (a tree node). */
export interface RunRef {
  id: string;
  folder?: string;
}

/** Commands are called from the tree (a node, plus every selected node), from code, or with nothing. */
export function runRefsFrom(arg: unknown, selected?: unknown): RunRef[] {
  const one = (a: unknown): RunRef | undefined => {
    if (typeof a === 'string') return { id: a };
    const n = a as ExperimentNode | undefined;
    return n && n.kind === 'run' ? { id: n.run.id, folder: n.folder } : undefined;
  };
  if (Array.isArray(selected) && selected.length > 1) return selected.map(one).filter((x): x is RunRef => !!x);
  if (Array.isArray(arg) && arg.every((x) => typeof x === 'string')) return arg.map((id: string) => ({ id }));
  const ref = one(arg);
  return ref ? [ref] : [];
}

export function runIdsFrom(arg: unknown, selected?: unknown): string[] {
  return runRefsFrom(arg, selected).map((r) => r.id);
}

/** Refs grouped by folder, in first-seen order; `folderOf` places those that came without one. */
export function byFolder(refs: RunRef[], folderOf: (id: string) => string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of refs) {
    const f = r.folder ?? folderOf(r.id);
    if (!f) continue;
    const ids = out.get(f) ?? [];
    if (!ids.includes(r.id)) ids.push(r.id);
    out.set(f, ids);
  }
  return out;
}

/** The word of a recorded command line that is what the run executed: a script, or a notebook (`-m lineage.notebook x.ipynb`). */
function isScript(word: string): boolean {
  return word.endsWith('.py') || word.endsWith('.ipynb');
}

/**
 * The script arguments of a recorded command line, as one editable string; for a notebook its parameters,
 * `-p lr=0.1 -p name=x`.
 */
export function argsAfterScript(command: string[]): { prefix: string[]; args: string } {
  const i = command.findIndex(isScript);
  if (i < 0) return { prefix: command, args: '' };
  return {
    prefix: command.slice(0, i + 1),
    args: command
      .slice(i + 1)
      .map(quoteArg)
      .join(' '),
  };
}

/**
 * What a rerun launches: the run's script or notebook with `args`. The interpreter (and for a notebook the
 * runner) come from today's settings, so the recorded words before the script are dropped; a command with
 * no script is rerun as it was.
 */
export function rerunCommand(prefix: string[], args: string): string[] {
  const i = prefix.findIndex(isScript);
  return i >= 0 ? [prefix[i], ...splitArgs(args)] : [...prefix, ...splitArgs(args)];
}

export function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Splits an argument string the way a POSIX shell would for quotes and backslashes (no expansions). */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inArg = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inArg = true;
    } else if (c === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inArg = true;
    } else if (/\s/.test(c)) {
      if (inArg) out.push(cur);
      cur = '';
      inArg = false;
    } else {
      cur += c;
      inArg = true;
    }
  }
  if (quote) throw new Error('an opening quote has no closing quote');
  if (inArg) out.push(cur);
  return out;
}
