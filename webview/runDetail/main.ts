/**
 * The run detail panel: everything about one run, rendered as text (never as HTML), with small curves
 * drawn as SVG paths. No plotting library here, so this page needs no 'unsafe-eval'.
 *
 * Accessibility (issue 17): one h1 (the run's name), sections under h2s inside the shell's `role=main`;
 * every button names what it acts on; tables have a header for every column; each sparkline has a text
 * alternative; the console log is a focusable, named `role=log` region that scrolls from the keyboard.
 * The page is re-rendered on every update while the run goes on: focus and the console's scroll position
 * are carried over (by each focusable element's data-focus key), so a keyboard user is not thrown back
 * to the top of the page.
 */
import { el } from '../shared/dom';
import { duration, fmt } from '../shared/format';
import { connectToHost } from '../shared/hostConnection';
import { vscodeApi } from '../shared/vscode';
import { RunDetailAction, RunDetailReady, RunDetailShow, type RunAction, type RunDetailData, type RunDetailState } from './protocol';

const vscode = vscodeApi<RunDetailState, never>();
const ipc = connectToHost((err) => console.error(err));
const app = document.getElementById('app')!;
let consoleFilter = '';
let current: RunDetailData | undefined;
let folder: string | undefined = vscode.getState()?.folder;

/** A button posting an action; `name` is its accessible name when the label alone does not say what it acts on. */
function action(label: string, a: { action: RunAction; path?: string }, name?: string): HTMLButtonElement {
  const b = el('button', { type: 'button', class: 'action', 'data-focus': `${a.action}:${a.path ?? ''}` }, label);
  if (name) b.setAttribute('aria-label', name);
  b.addEventListener('click', () => ipc.notify(RunDetailAction, a));
  return b;
}

function section(title: string, ...content: Node[]): HTMLElement {
  return el('section', {}, el('h2', {}, title), ...content);
}

/** A table; a header given as `{ hidden }` is read by screen readers but not shown (an actions column). */
function table(head: Array<string | { hidden: string }>, rows: Array<Array<Node | string>>): HTMLTableElement {
  const t = el('table');
  t.append(
    el(
      'thead',
      {},
      el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, typeof h === 'string' ? h : el('span', { class: 'visually-hidden' }, h.hidden)))),
    ),
  );
  const body = el('tbody');
  for (const r of rows) body.append(el('tr', {}, ...r.map((c) => el('td', {}, c))));
  t.append(body);
  return t;
}

/** What a sparkline shows, in words: "loss: 1,200 points, from 0.9 to 0.12, min 0.1, max 0.95". */
export function sparkText(m: RunDetailData['metrics'][number]): string {
  const y = m.spark.y;
  let first: number | undefined;
  let last: number | undefined;
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) continue;
    first ??= y[i];
    last = y[i];
  }
  const parts = [`${m.key}: ${fmt(m.count)} point${m.count === 1 ? '' : 's'}`];
  if (first !== undefined) parts.push(`from ${fmt(first)} to ${fmt(m.last ?? last)}`);
  if (m.min !== null) parts.push(`min ${fmt(m.min)}`);
  if (m.max !== null) parts.push(`max ${fmt(m.max)}`);
  return parts.join(', ');
}

/** A 120×28 sparkline: the min–max band and the last-value line; an image named by `label`. */
function sparkline(s: RunDetailData['metrics'][number]['spark'], label: string): SVGSVGElement {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 120 28');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const n = s.y.length;
  if (n < 2) return svg;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    for (const v of [s.min[i], s.max[i], s.y[i]]) {
      if (!Number.isFinite(v)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (!Number.isFinite(lo)) return svg;
  const span = hi - lo || 1;
  const X = (i: number) => ((i / (n - 1)) * 118 + 1).toFixed(1);
  const Y = (v: number) => (27 - ((Math.min(Math.max(v, lo), hi) - lo) / span) * 26).toFixed(1);
  let band = '';
  for (let i = 0; i < n; i++) band += `${i ? 'L' : 'M'}${X(i)},${Y(Number.isFinite(s.max[i]) ? s.max[i] : s.y[i])}`;
  for (let i = n - 1; i >= 0; i--) band += `L${X(i)},${Y(Number.isFinite(s.min[i]) ? s.min[i] : s.y[i])}`;
  const bandPath = document.createElementNS(NS, 'path');
  bandPath.setAttribute('d', band + 'Z');
  bandPath.setAttribute('class', 'band');
  let line = '';
  let pen = false;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(s.y[i])) {
      pen = false;
      continue;
    }
    line += `${pen ? 'L' : 'M'}${X(i)},${Y(s.y[i])}`;
    pen = true;
  }
  const linePath = document.createElementNS(NS, 'path');
  linePath.setAttribute('d', line);
  linePath.setAttribute('class', 'line');
  svg.append(bandPath, linePath);
  return svg;
}

function render(r: RunDetailData): void {
  // What to carry over to the new page: the focused element (by its data-focus key) and the console's scroll.
  const focusKey = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.focus : undefined;
  const oldConsole = app.querySelector<HTMLElement>('.console');
  const atBottom = !oldConsole || oldConsole.scrollTop + oldConsole.clientHeight >= oldConsole.scrollHeight - 2;
  const oldScroll = oldConsole?.scrollTop ?? 0;
  const sameRun = current?.id === r.id;
  current = r;
  vscode.setState(folder ? { runId: r.id, folder } : { runId: r.id });
  const parts: Node[] = [];
  const imported = Object.hasOwn(r.tags, 'lineage.imported_from');
  // Not a <header>: inside the shell's role=main it would be a banner landmark nested in main.
  parts.push(
    el(
      'div',
      { class: 'run-header' },
      el('h1', {}, r.name),
      el(
        'div',
        { class: `status status-${r.status}` },
        el('span', { class: 'status-dot', 'aria-hidden': 'true' }),
        r.status + (r.exitCode !== null ? ` (exit ${r.exitCode})` : ''),
      ),
      el('div', { class: 'meta' }, `${r.experiment} · ${r.id} · ${r.durationMs !== null ? duration(r.durationMs) : ''}`),
      el(
        'div',
        { class: 'actions' },
        // A run `lineage import` brought in is a read-only copy: its script is not here to run again.
        imported ? null : action('Rerun', { action: 'rerun' }),
        action('Compare with previous', { action: 'compareWithPrevious' }),
        r.explanations.length ? action('Explain', { action: 'explain' }, 'Explain this run’s predictions') : null,
        action('Show Lineage', { action: 'showLineage' }, 'Show the lineage graph of this run'),
        r.status !== 'running' && !imported
          ? action('Reproduce', { action: 'reproduce' }, 'Reproduce this run from its recorded code, data and environment')
          : null,
        r.artifacts.some((a) => a.kind === 'model') ? action('Push Model…', { action: 'pushModel' }, 'Push this run’s model to a registry') : null,
      ),
    ),
  );
  if (r.note) parts.push(el('blockquote', {}, r.note));
  if (r.error) parts.push(el('pre', { class: 'error' }, r.error.trim()));
  parts.push(el('p', { class: 'command' }, el('code', {}, r.command.join(' '))));
  if (r.git) {
    const gitLine = el('p', {}, `git ${r.git.commit.slice(0, 12)} on ${r.git.branch ?? '?'}`);
    if (r.git.dirty)
      gitLine.append(
        ' · ',
        action(`Uncommitted changes (${r.git.changedFiles.length} file${r.git.changedFiles.length === 1 ? '' : 's'})`, { action: 'openDiff' }),
      );
    parts.push(gitLine);
  }
  if (r.python) parts.push(el('p', {}, `python ${r.python.path} ${r.python.version ?? ''} · ${r.python.packages} packages`));
  const params = Object.entries(r.params);
  if (params.length)
    parts.push(
      section(
        'Params',
        table(
          ['key', 'value'],
          params.map(([k, v]) => [k, String(v)]),
        ),
      ),
    );
  if (r.metrics.length)
    parts.push(
      section(
        'Metrics',
        table(
          ['metric', 'curve', 'last', 'min', 'max', 'points'],
          r.metrics.map((m) => [m.key, sparkline(m.spark, sparkText(m)), fmt(m.last), fmt(m.min), fmt(m.max), String(m.count)]),
        ),
      ),
    );
  const tags = Object.entries(r.tags);
  if (tags.length) parts.push(section('Tags', el('p', {}, ...tags.map(([k, v]) => el('span', { class: 'tag' }, `${k}=${v}`)))));
  if (r.datasets.length)
    parts.push(
      section(
        'Datasets',
        table(
          ['role', 'path', 'sha256', 'rows', 'status'],
          r.datasets.map((d) => [
            d.role,
            d.path,
            el('code', { title: d.sha256 ?? '' }, (d.sha256 ?? '—').slice(0, 16)),
            d.rows === null ? '' : fmt(d.rows),
            d.state ?? d.note ?? '',
          ]),
        ),
        action('Check whether the data changed', { action: 'checkData' }),
      ),
    );
  if (r.artifacts.length)
    parts.push(
      section(
        'Artifacts',
        table(
          ['path', 'kind', 'size', { hidden: 'actions' }],
          r.artifacts.map((a) => [
            a.path,
            a.kind + (a.flavor ? ` (${a.flavor})` : ''),
            a.size === null ? (a.note ?? 'missing') : fmt(a.size) + ' B',
            el(
              'span',
              {},
              action('Open', { action: 'openArtifact', path: a.path }, `Open ${a.path}`),
              action('Reveal', { action: 'revealArtifact', path: a.path }, `Reveal ${a.path}`),
            ),
          ]),
        ),
      ),
    );
  const search = el('input', {
    type: 'search',
    placeholder: 'Search the console log',
    'aria-label': 'Search the console log',
    'aria-controls': 'console-log',
    'data-focus': 'console-search',
    value: consoleFilter,
  });
  // A log a keyboard user can reach (Tab) and scroll (arrows, Page Up/Down, Home/End), named by its heading.
  const pre = el('pre', { class: 'console', id: 'console-log', role: 'log', tabindex: '0', 'aria-labelledby': 'console-heading', 'data-focus': 'console' });
  const fill = () => {
    const lines = r.consoleTail.split('\n');
    const q = consoleFilter.toLowerCase();
    pre.textContent = q ? lines.filter((l) => l.toLowerCase().includes(q)).join('\n') : r.consoleTail;
  };
  search.addEventListener('input', () => {
    consoleFilter = search.value;
    fill();
  });
  fill();
  const consoleSection = section(
    `Console log (last ${fmt(r.consoleTail.length)} of ${fmt(r.consoleBytes)} bytes)`,
    search,
    pre,
    action('Open the whole log', { action: 'openConsole' }),
  );
  consoleSection.querySelector('h2')!.id = 'console-heading';
  parts.push(consoleSection);
  if (r.warnings.count)
    parts.push(
      section(`${r.warnings.count} skipped event line(s)`, el('ul', {}, ...r.warnings.first.map((w) => el('li', {}, `line ${w.line}: ${w.message}`)))),
    );
  app.replaceChildren(...parts);
  // A running run's log follows its end unless the reader scrolled up.
  pre.scrollTop = sameRun && !atBottom ? oldScroll : sameRun ? pre.scrollHeight : 0;
  if (focusKey) app.querySelector<HTMLElement>(`[data-focus="${CSS.escape(focusKey)}"]`)?.focus({ preventScroll: true });
}

/** Until the host's first message: a heading and a status, so the page is never an unnamed blank. */
app.replaceChildren(el('h1', {}, 'Run'), el('p', { role: 'status' }, 'Loading the run…'));

ipc.on(RunDetailShow, (m) => {
  folder = m.folder ?? folder;
  render(m.run);
});
ipc.notify(RunDetailReady, { runId: vscode.getState()?.runId ?? current?.id ?? null, ...(folder ? { folder } : {}) });
