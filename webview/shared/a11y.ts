/**
 * Accessibility helpers the plot panels share: a toolbar that is one Tab stop (roving tabindex, arrow keys
 * between its controls) and a chart's data as a real <table> (the text alternative of a plot).
 * Every string becomes a text node (./dom.ts), never markup.
 */
import { clear, el } from './dom';

let idCount = 0;

/** A document-unique id for aria-labelledby/aria-describedby (user strings never go into ids). */
export function uniqueId(prefix: string): string {
  return `${prefix}-${++idCount}`;
}

/**
 * Makes `toolbar` (role=toolbar) one Tab stop: the last control used has tabindex 0, the others -1;
 * Left/Right (and Home/End) move between the enabled controls. Call `refresh` after adding or enabling controls.
 */
export function rovingToolbar(toolbar: HTMLElement): { refresh(): void } {
  toolbar.setAttribute('role', 'toolbar');
  let current = 0;
  const items = () => (Array.from(toolbar.children) as HTMLElement[]).filter((e) => !e.hidden && !e.hasAttribute('disabled') && e.dataset.roving !== 'off');
  const refresh = () => {
    const list = items();
    if (current >= list.length) current = Math.max(0, list.length - 1);
    list.forEach((e, i) => e.setAttribute('tabindex', i === current ? '0' : '-1'));
  };
  toolbar.addEventListener('focusin', (e) => {
    const list = items();
    const i = list.findIndex((x) => x === e.target || x.contains(e.target as Node));
    if (i >= 0 && i !== current) {
      current = i;
      refresh();
    }
  });
  toolbar.addEventListener('keydown', (e) => {
    const list = items();
    if (!list.length) return;
    let next: number;
    if (e.key === 'ArrowRight') next = (current + 1) % list.length;
    else if (e.key === 'ArrowLeft') next = (current - 1 + list.length) % list.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = list.length - 1;
    else return;
    e.preventDefault();
    current = next;
    refresh();
    list[next].focus();
  });
  refresh();
  return { refresh };
}

/** At most `max` items of a spoken list, then how many more (the chart's table has them all). */
export function listSome(items: string[], max = 20): string {
  return items.length <= max ? items.join('; ') : `${items.slice(0, max).join('; ')}; and ${items.length - max} more (Show as table lists them all)`;
}

export type TableCell = string | { text: string; title?: string };

/** A data table: caption, column headers (scope=col), and each row's first cell as its row header. */
export function fillDataTable(table: HTMLTableElement, caption: string, columns: string[], rows: TableCell[][]): void {
  clear(table);
  const text = (c: TableCell) => (typeof c === 'string' ? c : c.text);
  const head = el('tr', {}, ...columns.map((c) => el('th', { scope: 'col' }, c)));
  const body = el('tbody');
  for (const r of rows) {
    body.append(
      el(
        'tr',
        {},
        ...r.map((c, i) => {
          const cell = i === 0 ? el('th', { scope: 'row' }, text(c)) : el('td', {}, text(c));
          if (typeof c !== 'string' && c.title) cell.setAttribute('title', c.title);
          return cell;
        }),
      ),
    );
  }
  table.append(el('caption', {}, caption), el('thead', {}, head), body);
}
