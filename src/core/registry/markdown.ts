/**
 * Text from runs (names, params, paths, notes) goes into Markdown that people render: anything that would
 * become markup (emphasis, links, HTML, table breaks, headings) is escaped, and line breaks are flattened.
 */
export function mdText(s: string | number | null | undefined): string {
  return String(s ?? '')
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/^(\d+)\.(?=\s|$)/, '$1\\.')
    .replace(/^[-=]/, (m) => `\\${m}`);
}

/** A code span that no backtick in the value can close early. */
export function mdCode(s: string | number | null | undefined): string {
  const v = String(s ?? '')
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/\|/g, '\\|');
  const ticks = '`'.repeat(Math.max(1, ...[...v.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  const pad = v.startsWith('`') || v.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${v}${pad}${ticks}`;
}

export function mdTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
