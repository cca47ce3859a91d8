/**
 * DOM helpers that only ever create text nodes from strings: user data (run names, params, metric names,
 * tags) never passes through an HTML parser. Attributes are set with setAttribute, which does not parse.
 */
export type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) setSafeAttribute(e, k, v);
  append(e, ...children);
  return e;
}

/** A custom element (the webview UI toolkit's `vscode-*` components). */
export function custom(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) setSafeAttribute(e, k, v);
  append(e, ...children);
  return e;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** Replaces an element's content with text (never markup). */
export function setText(e: Element, text: string): void {
  if (e.textContent !== text) e.textContent = text;
}

export function clear(e: Element): void {
  while (e.firstChild) e.removeChild(e.firstChild);
}

function setSafeAttribute(e: Element, name: string, value: string): void {
  // Event handlers, inline styles and URLs are never set from strings here: they are the ways an attribute runs or loads something.
  const n = name.toLowerCase();
  if (n.startsWith('on') || n === 'style' || n === 'href' || n === 'src' || n === 'srcdoc' || n === 'xlink:href') {
    throw new Error(`refusing to set attribute ${name}`);
  }
  e.setAttribute(name, value);
}
