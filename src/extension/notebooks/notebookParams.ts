import { quoteArg, splitArgs } from '../commands/runArgs';

interface IpynbCell {
  cell_type?: string;
  source?: string | string[];
  metadata?: { tags?: unknown };
}

/**
 * The `name = value` lines of a notebook's cell tagged `parameters` (papermill's convention), as the text a
 * "Run with params…" box starts from: `lr=0.01 name=baseline`. Only one-line assignments of a plain value;
 * the runner (sdk/python/lineage/notebook.py) parses the values as Python literals.
 */
export function parameterDefaults(ipynbText: string): string {
  let cells: IpynbCell[];
  try {
    cells = (JSON.parse(ipynbText) as { cells?: IpynbCell[] }).cells ?? [];
  } catch {
    return '';
  }
  const cell = cells.find((c) => c.cell_type === 'code' && Array.isArray(c.metadata?.tags) && (c.metadata.tags as unknown[]).includes('parameters'));
  if (!cell) return '';
  const source = Array.isArray(cell.source) ? cell.source.join('') : (cell.source ?? '');
  const out: string[] = [];
  for (const line of source.split('\n')) {
    const m = /^([A-Za-z_]\w*)\s*(?::[^=]+)?=\s*(.+?)\s*(?:#.*)?$/.exec(line);
    if (!m || m[2].startsWith('=')) continue;
    out.push(`${m[1]}=${quoteArg(unquote(m[2]))}`);
  }
  return out.join(' ');
}

/** A plain quoted string shows without its quotes (the runner reads an unquoted word as that string). */
function unquote(v: string): string {
  const m = /^(['"])([^'"\\]*)\1$/.exec(v);
  return m && !/^[\d.+-]|^(true|false|none|null)$/i.test(m[2]) && m[2] !== '' ? m[2] : v;
}

/** `lr=0.1 name=x` to the runner's arguments `-p lr=0.1 -p name=x`; a message when a word is not name=value. */
export function parameterArgs(text: string): string[] | string {
  let words: string[];
  try {
    words = splitArgs(text);
  } catch (err) {
    return (err as Error).message;
  }
  const out: string[] = [];
  for (const w of words) {
    if (w === '-p') continue;
    if (!/^[A-Za-z_]\w*=/.test(w)) return `"${w}" is not name=value; write e.g. lr=0.1 epochs=20`;
    out.push('-p', w);
  }
  return out;
}
