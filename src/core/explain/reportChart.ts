/**
 * The report's bar chart as inline SVG: one bar per named input (and the grouped rest), to the right when it
 * raised the prediction and to the left when it lowered it, drawn from zero. Colours come from the page's
 * CSS variables so the chart follows light, dark and print; every label is escaped.
 */
import type { ChartBar } from './reportContent';
import { escapeHtml } from './reportWords';

const WIDTH = 720;
const LABEL = 260;
const VALUE = 110;
const ROW = 26;

export function chartSvg(title: string, bars: ChartBar[]): string {
  if (bars.length === 0) return '';
  const finite = bars.map((b) => (Number.isFinite(b.value) ? b.value : 0));
  const max = Math.max(...finite.map(Math.abs)) || 1;
  const plot = WIDTH - LABEL - VALUE;
  const hasNeg = finite.some((v) => v < 0);
  const hasPos = finite.some((v) => v > 0);
  // Zero sits at the left edge when nothing lowered the prediction, at the right when nothing raised it.
  const zero = LABEL + (hasNeg && hasPos ? plot / 2 : hasNeg ? plot : 0);
  const scale = (hasNeg && hasPos ? plot / 2 : plot) / max;
  const height = bars.length * ROW + 8;
  const out: string[] = [
    `<svg class="chart" role="img" viewBox="0 0 ${WIDTH} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${escapeHtml(title)}</title>`,
  ];
  bars.forEach((b, i) => {
    const v = finite[i];
    const y = 4 + i * ROW;
    const w = Math.max(1, Math.abs(v) * scale);
    const x = v >= 0 ? zero : zero - w;
    const label = b.label.length > 38 ? `${b.label.slice(0, 37)}…` : b.label;
    out.push(
      `<g><title>${escapeHtml(`${b.label}: ${b.text}`)}</title>`,
      `<text class="label" x="${LABEL - 8}" y="${y + ROW / 2 + 4}" text-anchor="end">${escapeHtml(label)}</text>`,
      `<rect class="${v >= 0 ? 'up' : 'down'}" x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 8}" rx="2"></rect>`,
      `<text class="value" x="${WIDTH - 4}" y="${y + ROW / 2 + 4}" text-anchor="end">${escapeHtml(b.text)}</text></g>`,
    );
  });
  out.push(`<line class="axis" x1="${zero}" x2="${zero}" y1="0" y2="${height}"></line>`, '</svg>');
  return out.join('\n');
}
