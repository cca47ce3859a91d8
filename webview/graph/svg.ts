/** SVG elements made like ../shared/dom.ts makes HTML ones: attributes by setAttribute, text by textContent, never markup. */
const NS = 'http://www.w3.org/2000/svg';

export function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (/^on/i.test(k) || k === 'href' || k === 'style') throw new Error(`refusing to set attribute ${k}`);
    e.setAttribute(k, String(v));
  }
  if (text !== undefined) e.textContent = text;
  return e;
}

/** At most `max` characters, with an ellipsis: the full text is in the node's title and accessible name. */
export function shorten(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** A file path shortened from the left, keeping the file name. */
export function shortenPath(p: string, max: number): string {
  return p.length <= max ? p : `…${p.slice(p.length - max + 1)}`;
}
