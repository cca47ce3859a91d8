/**
 * plotly renders trace names, axis titles, tick labels and hover text through its own pseudo-HTML parser
 * (`<b>`, `<br>`, `<a href>`, `<span style>` and entities). Every user string handed to plotly goes through
 * `plotlyText`, which turns `&`, `<`, `>` and `%` into entities: plotly then shows the characters literally, and
 * no tag in a run name can become an element, a link or a style. Never put a user string into a
 * `hovertemplate` (its `%{…}` placeholders would be evaluated): use `text`/`hovertext` or `%{fullData.name}`.
 */
export function plotlyText(s: string): string {
  return s.replace(/[&<>%]/g, (c) => PLOTLY_ENTITIES[c]);
}

// `%` too: plotly runs trace names, titles and text through its `%{…}` templating (against layout.meta)
// before drawing them; as an entity it is not a placeholder, and plotly shows it as "%".
const PLOTLY_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '%': '&#37;' };

/** A file name derived from user text: no path separators, reserved or control characters. */
export function safeFileName(s: string, fallback = 'export'): string {
  const cleaned = s
    // eslint-disable-next-line no-control-regex -- control characters are what a file name must not carry
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/g, '_')
    .replace(/^[.\s]+|[.\s]+$/g, '')
    .slice(0, 120);
  return cleaned || fallback;
}
