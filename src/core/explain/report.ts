/**
 * "Explain this prediction" (issue 12, section 3): one row's explanation written for the person it is about,
 * as Markdown and as a self-contained HTML page. The words are built once (reportContent.ts) and rendered
 * twice here, so both files say the same thing and user text is escaped in exactly one place per format.
 */
import { buildReport, type Block, type Span } from './reportContent';
import { chartSvg } from './reportChart';
import { htmlPage } from '../util/htmlPage';
import { escapeHtml, escapeMarkdown, escapeMarkdownLead } from './reportWords';

export type { ReportInput } from './reportContent';
import type { ReportInput } from './reportContent';

export function reportMarkdown(input: ReportInput): string {
  const out: string[] = [];
  for (const b of buildReport(input)) {
    switch (b.kind) {
      case 'h1':
        out.push(`# ${escapeMarkdown(b.text)}`);
        break;
      case 'h2':
        out.push(`## ${escapeMarkdown(b.text)}`);
        break;
      case 'p':
        out.push(mdSpans(b.text, true));
        break;
      case 'ul':
        out.push(b.items.map((item) => `- ${mdSpans(item, true)}`).join('\n'));
        break;
      case 'table': {
        const row = (cells: string[]) => `| ${cells.map((c) => c || ' ').join(' | ')} |`;
        out.push(
          [
            row(b.head.map(escapeMarkdown)),
            row(b.head.map((_, i) => (b.numeric?.[i] ? '---:' : '---'))),
            ...b.rows.map((cells) => row(cells.map((c) => mdSpans(c, false)))),
          ].join('\n'),
        );
        break;
      }
      case 'chart':
        // The list above already says what the chart shows; Markdown gets no picture.
        break;
    }
  }
  return `${out.join('\n\n')}\n`;
}

function mdSpans(spans: Span[], lead: boolean): string {
  return spans
    .map((s, i) => {
      if (typeof s === 'string') {
        const text = escapeMarkdown(s);
        return lead && i === 0 ? escapeMarkdownLead(text) : text;
      }
      // Code spans cannot hold escapes, so fingerprints and commits are plain text in Markdown.
      if ('code' in s) return escapeMarkdown(s.code);
      return s.strong.trim() ? `**${escapeMarkdown(s.strong.trim())}**` : '';
    })
    .join('');
}

function htmlSpans(spans: Span[]): string {
  return spans
    .map((s) => {
      if (typeof s === 'string') return escapeHtml(s);
      if ('code' in s) return `<code>${escapeHtml(s.code)}</code>`;
      return `<strong>${escapeHtml(s.strong)}</strong>`;
    })
    .join('');
}

function htmlBlock(b: Block): string {
  switch (b.kind) {
    case 'h1':
      return `<h1>${escapeHtml(b.text)}</h1>`;
    case 'h2':
      return `<h2>${escapeHtml(b.text)}</h2>`;
    case 'p':
      return `<p${b.tone ? ` class="${b.tone}"` : ''}>${htmlSpans(b.text)}</p>`;
    case 'ul':
      return `<ul>\n${b.items.map((i) => `<li>${htmlSpans(i)}</li>`).join('\n')}\n</ul>`;
    case 'table': {
      const cls = (i: number) => (b.numeric?.[i] ? ' class="num"' : '');
      const head = `<thead><tr>${b.head.map((h, i) => `<th scope="col"${cls(i)}>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
      const body = b.rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${htmlSpans(c)}</td>`).join('')}</tr>`).join('\n');
      return `<table>\n${head}\n<tbody>\n${body}\n</tbody>\n</table>`;
    }
    case 'chart':
      return `<figure>\n${chartSvg(b.title, b.bars)}\n<figcaption>${escapeHtml(b.title)}</figcaption>\n</figure>`;
  }
}

// Light by default, dark when the reader's system is, black on white on paper. No web fonts, no images.
const CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --bg: #ffffff; --line: #d0d7de; --card: #f6f8fa;
  --up: #0969da; --down: #bc4c00; --warn-bg: #fff8c5; --warn-line: #bf8700; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9da7b3; --bg: #0d1117; --line: #30363d; --card: #161b22;
    --up: #4493f8; --down: #f0883e; --warn-bg: #3b2e00; --warn-line: #d29922; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 46rem; margin: 0 auto; padding: 2rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.5rem; padding-bottom: 0.25rem; border-bottom: 1px solid var(--line); }
p, li { overflow-wrap: anywhere; }
li { margin: 0.3rem 0; }
.muted { color: var(--muted); font-size: 0.92rem; }
.warning { background: var(--warn-bg); border-left: 4px solid var(--warn-line); padding: 0.6rem 0.8rem; }
code { font: 0.88em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; font-size: 0.94rem; }
th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
th { background: var(--card); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; }
figcaption { color: var(--muted); font-size: 0.88rem; }
.chart .label, .chart .value { fill: var(--fg); font-size: 13px; font-family: system-ui, sans-serif; }
.chart .up { fill: var(--up); }
.chart .down { fill: var(--down); }
.chart .axis { stroke: var(--muted); stroke-width: 1; }
@media print {
  :root { --fg: #000; --muted: #333; --bg: #fff; --line: #999; --card: #eee; --up: #1f4e9c; --down: #a33d00; --warn-bg: #fff; }
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  table, figure, li, p { break-inside: avoid; }
}`;

export function reportHtml(input: ReportInput): string {
  const blocks = buildReport(input);
  const title = blocks.find((b) => b.kind === 'h1');
  return htmlPage(title && title.kind === 'h1' ? title.text : 'Explaining one prediction', CSS, blocks.map(htmlBlock));
}
