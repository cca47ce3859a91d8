/**
 * The diff table: one row per run, a column per param and three per metric (final, min, max). Rendered
 * virtually: rows have a fixed height, only the rows in view (plus a few) exist in the DOM, and they are
 * reused as the table scrolls, so 500 runs × 50 columns scroll as smoothly as 10. The header sticks to
 * the top and the run column to the left. Every value is set as text.
 *
 * For the keyboard it is an ARIA grid with one Tab stop (roving tabindex over the header and the cells):
 * arrows, Home/End, Ctrl+Home/End and PageUp/PageDown move the active cell, which is scrolled into view
 * (rendered if it was not); Enter on a row opens its run, Enter or Space on a header sorts, and focus
 * stays on that header when the table re-renders.
 */
import { CompareOpenRun, type CompareSettings, type RunInfo } from './protocol';
import { better, bestOf, type Better } from '../shared/best';
import { clear, el, setText } from '../shared/dom';
import { fmt, parseNumber, numericParam } from '../shared/format';
import type { Ctx } from './context';

export const ROW_HEIGHT = 24;
const OVERSCAN = 6;

export interface Column {
  id: string;
  label: string;
  /** For metric columns: the metric key and which summary. */
  metric?: { key: string; stat: 'last' | 'min' | 'max' };
  param?: string;
  better: Better;
  width: number;
  get(r: RunInfo): number | string | null;
}

type Cell = number | string | null;

/** Columns for these runs: run, status, experiment, params (sorted), then each metric's final/min/max. */
export function columnsOf(runs: RunInfo[]): Column[] {
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const r of runs) {
    for (const k of Object.keys(r.params)) params.add(k);
    for (const k of Object.keys(r.metrics)) metrics.add(k);
  }
  // Wide enough for the header (bold) or the longest of the first few hundred values, within bounds.
  const sample = runs.slice(0, 300);
  const width = (label: string, min = 80, max = 220, get?: (r: RunInfo) => Cell) => {
    let chars = 0;
    if (get) for (const r of sample) chars = Math.max(chars, fmt(get(r)).length);
    return Math.max(min, Math.min(max, Math.max(label.length * 8 + 32, chars * 7.2 + 24)));
  };
  const cols: Column[] = [
    {
      id: 'run',
      label: 'run',
      better: null,
      width: Math.min(260, Math.max(140, ...runs.slice(0, 500).map((r) => r.name.length * 7.5 + 24))),
      get: (r) => r.name,
    },
    { id: 'status', label: 'status', better: null, width: 80, get: (r) => r.status },
    { id: 'experiment', label: 'experiment', better: null, width: width('experiment', 100, 220, (r) => r.experiment), get: (r) => r.experiment },
  ];
  for (const k of [...params].sort((a, b) => a.localeCompare(b))) {
    const get = (r: RunInfo): Cell => {
      const v = r.params[k];
      return v === undefined ? null : v;
    };
    cols.push({ id: `param:${k}`, label: k, param: k, better: null, width: width(k, 80, 220, get), get });
  }
  for (const k of [...metrics].sort((a, b) => a.localeCompare(b))) {
    const dir = better(k);
    for (const stat of ['last', 'min', 'max'] as const) {
      const label = `${k} · ${stat === 'last' ? 'final' : stat}`;
      const get = (r: RunInfo): Cell => {
        const m = r.metrics[k];
        return m ? parseNumber(m[stat]) : null;
      };
      // Room for the ▲/▼ best mark too.
      cols.push({ id: `metric:${k}:${stat}`, label, metric: { key: k, stat }, better: dir, width: width(label, 90, 240, get) + (dir ? 14 : 0), get });
    }
  }
  return cols;
}

function sortKey(v: Cell): number | string | null {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  const n = numericParam(v);
  return n ?? v;
}

/** Numbers before strings, numbers by value, strings naturally; empty and NaN always last. */
export function compareCells(a: Cell, b: Cell): number {
  const ka = sortKey(a);
  const kb = sortKey(b);
  const missA = ka === null || (typeof ka === 'number' && Number.isNaN(ka));
  const missB = kb === null || (typeof kb === 'number' && Number.isNaN(kb));
  if (missA || missB) return missA === missB ? 0 : missA ? 1 : -1;
  if (typeof ka === 'number' && typeof kb === 'number') return ka - kb;
  if (typeof ka === 'number') return -1;
  if (typeof kb === 'number') return 1;
  return ka.localeCompare(kb, 'en', { numeric: true });
}

/** Does a column hold more than one distinct value over these runs? */
export function differs(col: Column, runs: RunInfo[]): boolean {
  if (runs.length < 2) return true;
  const first = JSON.stringify(col.get(runs[0]));
  for (let i = 1; i < runs.length; i++) if (JSON.stringify(col.get(runs[i])) !== first) return true;
  return false;
}

/** What the table shows for these runs and settings: columns, the ones shown, rows in order, best values. */
export function tableData(runs: RunInfo[], s: CompareSettings): { columns: Column[]; visible: Column[]; rows: RunInfo[]; best: Map<string, number> } {
  const columns = columnsOf(runs);
  const visible = s.onlyDiff ? columns.filter((c, i) => i === 0 || differs(c, runs)) : columns;
  let rows = [...runs];
  const sortCol = s.sort ? columns.find((c) => c.id === s.sort!.column) : undefined;
  if (sortCol) {
    const dir = s.sort!.descending ? -1 : 1;
    const miss = (v: Cell) => v === null || (typeof v === 'number' && Number.isNaN(v));
    const keyed = rows.map((r, i) => ({ r, v: sortCol.get(r), i }));
    keyed.sort((a, b) => {
      const c = compareCells(a.v, b.v);
      // Missing values stay last in both directions.
      if (miss(a.v) || miss(b.v)) return c || a.i - b.i;
      return c * dir || a.i - b.i;
    });
    rows = keyed.map((k) => k.r);
  }
  const best = new Map<string, number>();
  for (const c of visible) {
    if (!c.metric || !c.better) continue;
    const b = bestOf(
      rows.map((r) => {
        const v = c.get(r);
        return typeof v === 'number' ? v : null;
      }),
      c.better,
    );
    if (b !== null) best.set(c.id, b);
  }
  return { columns, visible, rows, best };
}

interface PoolRow {
  el: HTMLElement;
  /** The run's name: always there, stuck to the left. */
  name: HTMLElement;
  /** Cells for the columns in view, reassigned as the table scrolls sideways. */
  slots: HTMLElement[];
  index: number;
  version: number;
  a: number;
  b: number;
}

/** Columns rendered beyond the visible ones on each side. */
const COL_OVERSCAN = 2;

export class DiffTable {
  private readonly wrap: HTMLElement;
  private readonly head: HTMLElement;
  private readonly body: HTMLElement;
  private readonly info: HTMLElement;
  private columns: Column[] = [];
  private visibleCols: Column[] = [];
  private rows: RunInfo[] = [];
  private best = new Map<string, number>();
  private pool: PoolRow[] = [];
  /** Left edge of each shown column (and the total width last), in px. */
  private colLeft: number[] = [0];
  private version = 0;
  private frame = 0;
  private built = false;
  dirty = true;
  /** The active cell: row -1 is the header; col indexes the shown columns. */
  private activeRow = -1;
  private activeCol = 0;
  /** The element that has tabindex 0 now (the active cell when it is rendered). */
  private tabCell: HTMLElement | null = null;
  private pointer = false;

  constructor(
    root: HTMLElement,
    private readonly ctx: Ctx,
    toolbarInfo: HTMLElement,
  ) {
    this.info = toolbarInfo;
    this.head = el('div', { class: 'dt-head', role: 'row', 'aria-rowindex': '1' });
    this.body = el('div', { class: 'dt-body', role: 'rowgroup' });
    this.wrap = el(
      'div',
      { class: 'dt-wrap', role: 'grid', tabindex: '0', 'aria-label': 'Runs compared' },
      el('div', { class: 'dt-headgroup', role: 'rowgroup' }, this.head),
      this.body,
    );
    root.append(this.wrap);
    this.wrap.addEventListener('keydown', (e) => this.onKey(e));
    this.wrap.addEventListener('focusin', (e) => this.onFocusIn(e));
    // A click on the grid's blank space focuses the grid itself: that must not scroll back to the active cell.
    this.wrap.addEventListener('mousedown', () => {
      this.pointer = true;
      setTimeout(() => (this.pointer = false), 0);
    });
    this.wrap.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(this.wrap);
    this.body.addEventListener('dblclick', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.dt-row');
      const id = row ? this.rows[Number(row.dataset.index)]?.id : undefined;
      if (id) this.ctx.ipc.notify(CompareOpenRun, { runId: id });
    });
  }

  /** Data or settings changed: recompute columns, order and best values, then draw the rows in view. */
  update(): void {
    if (!this.ctx.isActive('table')) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    // Rebuilding the header removes a focused header cell: note it, so focus comes back to the same place.
    const hadFocus = this.hasFocus();
    const activeId = this.visibleCols[this.activeCol]?.id;
    const t = tableData(this.ctx.model.runs, this.ctx.store.settings);
    this.columns = t.columns;
    this.visibleCols = t.visible;
    this.rows = t.rows;
    this.best = t.best;
    this.buildHeader();
    this.version++;
    this.wrap.setAttribute('aria-rowcount', String(this.rows.length + 1));
    this.wrap.setAttribute('aria-colcount', String(this.visibleCols.length));
    this.body.style.height = `${this.rows.length * ROW_HEIGHT}px`;
    this.colLeft = [0];
    for (const c of this.visibleCols) this.colLeft.push(this.colLeft[this.colLeft.length - 1] + Math.round(c.width));
    this.wrap.style.setProperty('--dt-cols', this.visibleCols.map((c) => `${Math.round(c.width)}px`).join(' '));
    this.wrap.style.setProperty('--dt-width', `${this.colLeft[this.colLeft.length - 1]}px`);
    const hidden = this.columns.length - this.visibleCols.length;
    setText(
      this.info,
      `${this.rows.length} run${this.rows.length === 1 ? '' : 's'} · ${this.visibleCols.length} columns${hidden ? ` (${hidden} identical hidden)` : ''}`,
    );
    const col = activeId ? this.visibleCols.findIndex((c) => c.id === activeId) : -1;
    this.activeCol = col >= 0 ? col : Math.min(this.activeCol, Math.max(0, this.visibleCols.length - 1));
    this.activeRow = Math.min(this.activeRow, this.rows.length - 1);
    this.render(hadFocus);
    this.built = true;
  }

  private hasFocus(): boolean {
    const a = document.activeElement;
    return !!a && a !== this.wrap && this.wrap.contains(a);
  }

  /** The element of a cell when it is rendered: header cells always are, body cells when in view. */
  private cellEl(row: number, col: number): HTMLElement | null {
    if (row < 0) return (this.head.children[col] as HTMLElement | undefined) ?? null;
    const p = this.pool.length ? this.pool[row % this.pool.length] : undefined;
    if (!p || p.index !== row || p.version !== this.version || p.el.hidden) return null;
    if (col === 0) return p.name;
    const k = col - p.a;
    const cell = k >= 0 && col <= p.b ? p.slots[k] : undefined;
    return cell && !cell.hidden ? cell : null;
  }

  /** Gives the active cell tabindex 0 (the grid's one Tab stop) and, when asked, focus. */
  private applyActive(focus: boolean): void {
    const target = this.cellEl(this.activeRow, this.activeCol);
    if (this.tabCell && this.tabCell !== target) this.tabCell.setAttribute('tabindex', '-1');
    this.tabCell = target;
    if (target) {
      target.setAttribute('tabindex', '0');
      // While the active cell is rendered, it is the Tab stop; otherwise the grid itself is (focusing it brings the cell back).
      this.wrap.setAttribute('tabindex', '-1');
      if (focus && document.activeElement !== target) target.focus({ preventScroll: true });
    } else {
      this.wrap.setAttribute('tabindex', '0');
      if (focus && this.hasFocus()) this.wrap.focus({ preventScroll: true });
    }
  }

  private onFocusIn(e: FocusEvent): void {
    const t = e.target as HTMLElement;
    if (t === this.wrap) {
      // Tabbing in while the active cell is scrolled away: bring it into view and focus it.
      if (!this.pointer && (!e.relatedTarget || !this.wrap.contains(e.relatedTarget as Node))) this.moveTo(this.activeRow, this.activeCol);
      return;
    }
    const cell = t.closest<HTMLElement>('.dt-cell');
    if (!cell || !this.wrap.contains(cell)) return;
    const col = Number(cell.getAttribute('aria-colindex')) - 1;
    const rowEl = cell.closest<HTMLElement>('.dt-row');
    const row = rowEl ? Number(rowEl.dataset.index) : -1;
    if (!Number.isFinite(col) || !Number.isFinite(row)) return;
    this.activeRow = row;
    this.activeCol = col;
    this.applyActive(false);
  }

  private onKey(e: KeyboardEvent): void {
    const rows = this.rows.length;
    const cols = this.visibleCols.length;
    if (!cols) return;
    const page = Math.max(1, Math.floor((this.wrap.clientHeight - (this.head.offsetHeight || ROW_HEIGHT)) / ROW_HEIGHT) - 1);
    const ctrl = e.ctrlKey || e.metaKey;
    let row = this.activeRow;
    let col = this.activeCol;
    switch (e.key) {
      case 'ArrowDown':
        row = Math.min(rows - 1, row + 1);
        break;
      case 'ArrowUp':
        row = Math.max(-1, row - 1);
        break;
      case 'ArrowRight':
        col = Math.min(cols - 1, col + 1);
        break;
      case 'ArrowLeft':
        col = Math.max(0, col - 1);
        break;
      case 'Home':
        col = 0;
        if (ctrl) row = -1;
        break;
      case 'End':
        col = cols - 1;
        if (ctrl) row = rows - 1;
        break;
      case 'PageDown':
        row = Math.min(rows - 1, row + page);
        break;
      case 'PageUp':
        row = Math.max(row < 0 ? -1 : 0, row - page);
        break;
      case 'Enter':
      case ' ': {
        e.preventDefault();
        if (row < 0) this.sortBy(this.visibleCols[col].id);
        else if (e.key === 'Enter') {
          const id = this.rows[row]?.id;
          if (id) this.ctx.ipc.notify(CompareOpenRun, { runId: id });
        }
        return;
      }
      default:
        return;
    }
    e.preventDefault();
    this.moveTo(row, col);
  }

  /** Makes (row, col) the active cell: scrolled into view clear of the sticky header and run column, rendered, focused. */
  private moveTo(row: number, col: number): void {
    this.activeRow = row;
    this.activeCol = col;
    const w = this.wrap;
    const headH = this.head.offsetHeight || ROW_HEIGHT;
    if (row >= 0) {
      const top = headH + row * ROW_HEIGHT;
      if (top < w.scrollTop + headH) w.scrollTop = top - headH;
      else if (top + ROW_HEIGHT > w.scrollTop + w.clientHeight) w.scrollTop = top + ROW_HEIGHT - w.clientHeight;
    }
    if (col > 0) {
      const left = this.colLeft[col];
      const right = this.colLeft[col + 1];
      const sticky = this.colLeft[1];
      if (left < w.scrollLeft + sticky) w.scrollLeft = left - sticky;
      else if (right > w.scrollLeft + w.clientWidth) w.scrollLeft = right - w.clientWidth;
    }
    this.render(true);
    this.ctx.emit('table-active', { row, col });
  }

  shown(): void {
    if (this.dirty || !this.built) this.update();
    else this.render();
  }

  private buildHeader(): void {
    clear(this.head);
    const sort = this.ctx.store.settings.sort;
    this.visibleCols.forEach((c, i) => {
      const sorted = sort?.column === c.id;
      const cell = el(
        'div',
        {
          class: `dt-cell dt-th${i === 0 ? ' dt-sticky' : ''}${c.metric ? ' dt-num' : ''}`,
          role: 'columnheader',
          tabindex: '-1',
          title: `${c.label}${c.better ? ` (${c.better} is better)` : ''} — click, or Enter, to sort`,
          'aria-sort': sorted ? (sort.descending ? 'descending' : 'ascending') : 'none',
          'aria-colindex': String(i + 1),
        },
        el('span', { class: 'dt-label' }, c.label),
        sorted ? el('span', { class: 'dt-sort', 'aria-hidden': 'true' }, sort.descending ? ' ↓' : ' ↑') : null,
      );
      cell.addEventListener('click', () => this.sortBy(c.id));
      this.head.append(cell);
    });
  }

  /** Click: ascending; again: descending; a third time: back to the runs' own order. */
  sortBy(column: string): void {
    const cur = this.ctx.store.settings.sort;
    const next = cur?.column !== column ? { column, descending: false } : !cur.descending ? { column, descending: true } : null;
    this.ctx.store.update({ sort: next });
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /**
   * Puts the rows in view (plus OVERSCAN above and below) into the pool's row elements, and in each row
   * only the columns in view (plus COL_OVERSCAN each side, and the name column): the DOM holds about
   * 40 rows × 15 cells whatever the table's size. Rows and cells are reused, never re-created.
   */
  private render(refocus = this.hasFocus()): void {
    if (!this.ctx.isActive('table')) return;
    const started = performance.now();
    const viewport = this.wrap.clientHeight || 400;
    const headH = this.head.offsetHeight || ROW_HEIGHT;
    const top = Math.max(0, this.wrap.scrollTop - headH);
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.rows.length - 1, Math.ceil((top + viewport) / ROW_HEIGHT) + OVERSCAN);
    const [a, b] = this.columnWindow();
    const poolSize = Math.min(this.rows.length, Math.ceil(viewport / ROW_HEIGHT) + 2 * OVERSCAN + 2);
    this.ensurePool(poolSize, b - a + 1);
    if (this.pool.length) {
      for (let i = first; i <= last; i++) {
        const p = this.pool[i % this.pool.length];
        if (p.index !== i || p.version !== this.version || p.a !== a || p.b !== b) this.fill(p, i, a, b);
      }
    }
    // Rows of the pool no longer in view are parked (hidden) until reused.
    for (const p of this.pool) {
      const inView = p.index >= first && p.index <= last && p.index < this.rows.length;
      if (p.el.hidden === inView) p.el.hidden = !inView;
    }
    this.applyActive(refocus);
    this.ctx.emit('table-rendered', { first, last, a, b, ms: performance.now() - started });
  }

  /** The columns (after the name column) in view, plus overscan: [a, b], inclusive; b < a when none. */
  private columnWindow(): [number, number] {
    const n = this.visibleCols.length;
    if (n <= 1) return [1, 0];
    const left = this.wrap.scrollLeft + this.colLeft[1]; // the name column covers the left edge
    const right = this.wrap.scrollLeft + (this.wrap.clientWidth || 1200);
    let a = 1;
    while (a < n - 1 && this.colLeft[a + 1] <= left) a++;
    let b = a;
    while (b < n - 1 && this.colLeft[b + 1] < right) b++;
    return [Math.max(1, a - COL_OVERSCAN), Math.min(n - 1, b + COL_OVERSCAN)];
  }

  private ensurePool(size: number, slots: number): void {
    if (this.pool.length !== size) {
      // A pool size change re-places every row: index % size must stay consistent.
      for (const p of this.pool) p.el.remove();
      this.pool = [];
      for (let k = 0; k < size; k++) {
        const name = el('div', { class: 'dt-cell dt-sticky dt-name', role: 'rowheader', 'aria-colindex': '1', tabindex: '-1' });
        const row = el('div', { class: 'dt-row', role: 'row' }, name);
        row.hidden = true;
        this.pool.push({ el: row, name, slots: [], index: -1, version: -1, a: 0, b: -1 });
        this.body.append(row);
      }
    }
    for (const p of this.pool) {
      while (p.slots.length < slots) {
        const cell = el('div', { class: 'dt-cell', role: 'gridcell', tabindex: '-1' });
        cell.hidden = true;
        p.slots.push(cell);
        p.el.append(cell);
      }
    }
  }

  private fill(p: PoolRow, i: number, a: number, b: number): void {
    const run = this.rows[i];
    p.index = i;
    p.version = this.version;
    p.a = a;
    p.b = b;
    if (!run) return;
    p.el.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
    p.el.dataset.index = String(i);
    p.el.setAttribute('aria-rowindex', String(i + 2));
    // A hidden run: struck through and said in words, at full contrast (not faded).
    const isHidden = this.ctx.store.settings.hiddenRuns.includes(run.id);
    p.el.classList.toggle('dt-hidden-run', isHidden);
    if (isHidden) {
      clear(p.name);
      p.name.append(el('span', { class: 'dt-name-text' }, run.name), el('span', { class: 'dt-hidden-tag' }, ' (hidden)'));
    } else setText(p.name, run.name);
    p.name.setAttribute('title', `${run.name}${isHidden ? ' (hidden on the charts)' : ''} — double-click or Enter to open`);
    for (let k = 0; k < p.slots.length; k++) {
      const cell = p.slots[k];
      const j = a + k;
      if (j > b) {
        if (!cell.hidden) cell.hidden = true;
        continue;
      }
      if (cell.hidden) cell.hidden = false;
      const c = this.visibleCols[j];
      const v = c.get(run);
      const best = !!c.metric && typeof v === 'number' && this.best.get(c.id) === v;
      cell.style.gridColumn = String(j + 1);
      cell.setAttribute('aria-colindex', String(j + 1));
      cell.classList.toggle('dt-num', !!(c.metric || c.param));
      cell.classList.toggle('dt-best', best);
      cell.classList.toggle('dt-missing', v === null);
      const text = fmt(v);
      setText(cell, best ? `${text} ${c.better === 'lower' ? '▼' : '▲'}` : text);
      if (best) cell.setAttribute('title', `best ${c.label} (${c.better} is better)`);
      else if (cell.hasAttribute('title')) cell.removeAttribute('title');
    }
  }

  /** The table as CSV: the columns shown, the rows in their current order, raw values. */
  csv(): string {
    const t = tableData(this.ctx.model.runs, this.ctx.store.settings);
    const lines = [['run_id', ...t.visible.map((c) => c.label)].map(csvField).join(',')];
    for (const r of t.rows) lines.push([r.id, ...t.visible.map((c) => c.get(r))].map(csvField).join(','));
    return lines.join('\r\n') + '\r\n';
  }

  dispose(): void {
    clear(this.body);
    this.pool = [];
  }
}

/** RFC 4180 quoting; text that a spreadsheet would run as a formula is prefixed with a quote. */
export function csvField(v: number | string | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s) && numericParam(s) === null) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
