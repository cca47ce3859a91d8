/**
 * The drift report as one self-contained HTML page (`lineage drift --html`): inline CSS, inline SVG bars for
 * the reference and current distributions, no script and nothing loaded (a Content-Security-Policy says so),
 * every user string (file, column and category names) escaped in one place, esc().
 */
import { escapeHtml, htmlPage } from '../util/htmlPage';
import { formatNumber } from '../util/format';
import { isFailure, type BatchReport, type ColumnDrift, type DistributionSummary, type DriftReport } from './types';
import { instantText } from './instant';

const esc = (s: string | number): string => escapeHtml(String(s));

function num(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : esc(formatNumber(v));
}

function pct(v: number): string {
  if (!Number.isFinite(v)) return '—';
  return v === 0 ? '0 %' : v < 0.001 ? '&lt;0.1 %' : `${+(v * 100).toFixed(1)} %`;
}

const W = 320;
const H = 90;

/** Reference bars (outlined) over current bars (filled), one pair per bin or category. */
function chart(ref: DistributionSummary | null, cur: DistributionSummary | null, title: string, dates = false): string {
  if (!ref || !cur) return '';
  let labels: string[];
  let a: number[];
  let b: number[];
  if (ref.kind === 'histogram' && cur.kind === 'histogram') {
    a = ref.shares;
    b = cur.shares;
    const f = dates ? instantText : formatNumber;
    labels = a.map((_, i) => `${f(ref.edges[i])} – ${f(ref.edges[i + 1])}`);
  } else if (ref.kind === 'categories' && cur.kind === 'categories') {
    labels = ref.categories.map((c) => c.value);
    a = ref.categories.map((c) => c.share);
    b = cur.categories.map((c) => c.share);
  } else return '';
  const n = a.length;
  if (n === 0) return '';
  const max = Math.max(...a, ...b, 1e-12);
  const bw = W / n;
  const bars: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = i * bw;
    const hr = (a[i] / max) * (H - 4);
    const hc = (b[i] / max) * (H - 4);
    const tip = `<title>${esc(labels[i])}: reference ${pct(a[i])}, current ${pct(b[i])}</title>`;
    bars.push(
      `<g>${tip}<rect class="cur" x="${(x + bw * 0.15).toFixed(2)}" y="${(H - hc).toFixed(2)}" width="${(bw * 0.7).toFixed(2)}" height="${hc.toFixed(2)}"/>` +
        `<rect class="ref" x="${(x + bw * 0.05).toFixed(2)}" y="${(H - hr).toFixed(2)}" width="${(bw * 0.9).toFixed(2)}" height="${hr.toFixed(2)}"/></g>`,
    );
  }
  return `<svg class="chart" viewBox="0 0 ${W} ${H + 1}" width="${W}" height="${H + 1}" role="img" aria-label="${esc(title)}">${bars.join('')}<line class="axis" x1="0" y1="${H}" x2="${W}" y2="${H}"/></svg>`;
}

function columnRow(c: ColumnDrift, label = c.name): string {
  const verdict = c.test === null ? '<span class="muted">not tested</span>' : c.drifted ? '<strong class="bad">drift</strong>' : '<span class="good">ok</span>';
  const fresh =
    c.newCategories && c.newCategories.distinct > 0
      ? `${c.newCategories.values.map((v) => `<code>${esc(v.value)}</code> (${num(v.count)})`).join(', ')}${c.newCategories.distinct > c.newCategories.values.length ? ', …' : ''}`
      : '';
  const thr = Number.isFinite(c.threshold) ? (c.pValue !== null ? `p &lt; ${esc(c.threshold)}` : `≥ ${esc(c.threshold)}`) : '';
  return `<tr><th scope="row">${esc(label)}<div class="muted">${esc(c.reason)}</div></th><td>${esc(c.test ?? '—')}</td><td class="num">${num(c.statistic)}${c.pValue !== null ? `<div class="muted">p = ${num(c.pValue)}</div>` : ''}</td><td class="num">${thr}</td><td>${verdict}</td><td class="num">${num(c.psi)}</td><td class="num">${pct(c.missing.ref)} → ${pct(c.missing.cur)}</td><td class="num">${c.outOfRange ? `${num(c.outOfRange.count)} (${pct(c.outOfRange.share)})` : ''}</td><td>${fresh}</td><td>${chart(c.refSummary, c.curSummary, `${label}: reference and current distribution`, c.kind === 'datetime')}</td></tr>`;
}

function batchSection(b: BatchReport): string {
  const d = b.dataset;
  const out: string[] = [];
  out.push(`<h2>${esc(b.batch.file)}</h2>`);
  out.push(`<p class="muted">${num(b.batch.rows)} rows · sha256 <code>${esc(b.batch.sha256)}</code></p>`);
  out.push(
    `<p class="${d.drifted ? 'warning' : ''}"><strong>${d.drifted ? 'Dataset drift' : 'No dataset drift'}</strong>: ${d.driftedColumns} of ${d.testedColumns} columns drifted (${pct(d.share)}; the threshold is ${pct(d.threshold)}).</p>`,
  );
  if (b.riskSentence) out.push(`<p>${esc(b.riskSentence)}</p>`);
  if (b.performance) {
    const p = b.performance;
    const fig = p.metric === 'rmse' ? `RMSE ${num(p.rmse)}, MAE ${num(p.mae)}` : `accuracy ${pct(p.accuracy ?? NaN)}`;
    out.push(
      `<p>Performance on ${num(p.rows)} rows with an actual value: ${fig}${p.runMetric ? ` (the run's ${esc(p.runMetric.name)}: ${num(p.runMetric.value)})` : ''}.</p>`,
    );
  }
  if (b.schema.length) {
    out.push('<ul class="warning">');
    for (const s of b.schema)
      out.push(
        `<li><code>${esc(s.column)}</code>: ${s.change === 'added' ? 'new column' : s.change === 'removed' ? 'missing from the batch' : `type changed from ${esc(s.from ?? '')} to ${esc(s.to ?? '')}`}</li>`,
      );
    out.push('</ul>');
  }
  const rows = b.columns.map((c) => columnRow(c));
  if (b.prediction) rows.push(columnRow(b.prediction, `${b.prediction.name} (prediction)`));
  if (b.actual) rows.push(columnRow(b.actual, `${b.actual.name} (actual)`));
  out.push(
    '<table><thead><tr><th scope="col">column</th><th scope="col">test</th><th scope="col" class="num">statistic</th><th scope="col" class="num">threshold</th><th scope="col">verdict</th><th scope="col" class="num">PSI</th><th scope="col" class="num">missing</th><th scope="col" class="num">out of range</th><th scope="col">new categories</th><th scope="col">reference (outline) and current (filled)</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody></table>`,
  );
  if (b.risk.length) {
    out.push(
      '<h3>Risk ranking</h3><table><thead><tr><th scope="col">feature</th><th scope="col" class="num">PSI</th><th scope="col" class="num">share of attribution</th><th scope="col" class="num">risk</th><th scope="col">drifted</th></tr></thead><tbody>',
    );
    for (const r of b.risk)
      out.push(
        `<tr><td>${esc(r.column)}</td><td class="num">${num(r.driftScore)}</td><td class="num">${pct(r.importance)}</td><td class="num">${num(r.risk)}</td><td>${r.drifted ? 'yes' : 'no'}</td></tr>`,
      );
    out.push('</tbody></table>');
  }
  for (const n of b.notes) out.push(`<p class="muted">${esc(n)}</p>`);
  return out.join('\n');
}

const CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #57606a; --bg: #ffffff; --line: #d0d7de; --card: #f6f8fa;
  --ref: #57606a; --cur: #0969da; --bad: #cf222e; --good: #1a7f37; --warn-bg: #fff8c5; --warn-line: #bf8700; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9da7b3; --bg: #0d1117; --line: #30363d; --card: #161b22;
    --ref: #9da7b3; --cur: #4493f8; --bad: #f85149; --good: #3fb950; --warn-bg: #3b2e00; --warn-line: #d29922; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 90rem; margin: 0 auto; padding: 2rem 1.25rem 3rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 0.5rem; padding-bottom: 0.25rem; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
p, li, td, th { overflow-wrap: anywhere; }
.muted { color: var(--muted); font-size: 0.88rem; font-weight: normal; }
.warning { background: var(--warn-bg); border-left: 4px solid var(--warn-line); padding: 0.6rem 0.8rem 0.6rem 1.6rem; }
p.warning { padding-left: 0.8rem; }
.bad { color: var(--bad); }
.good { color: var(--good); }
code { font: 0.88em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--card); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.chart .ref { fill: none; stroke: var(--ref); stroke-width: 1; }
.chart .cur { fill: var(--cur); opacity: 0.75; }
.chart .axis { stroke: var(--muted); stroke-width: 1; }
@media print { :root { --fg: #000; --bg: #fff; } main { max-width: none; padding: 0; } tr { break-inside: avoid; } }`;

export function driftHtml(r: DriftReport): string {
  const ref = r.reference;
  const title = ref.runId ? `Drift against run ${ref.runName ?? ref.runId}` : `Drift against ${ref.file}`;
  const body: string[] = [`<h1>${esc(title)}</h1>`];
  body.push(
    `<p class="muted">Reference: ${esc(ref.file)}${ref.runId ? ` (run <code>${esc(ref.runId)}</code>)` : ''} · ${num(ref.rows)} rows · sha256 <code>${esc(ref.sha256)}</code></p>`,
  );
  body.push(
    '<p class="muted">Tests as Evidently chooses them by default: up to 1,000 reference values KS, chi-squared or a z-test (drift at p &lt; 0.05); more, Wasserstein distance / reference standard deviation or Jensen–Shannon distance (drift at ≥ 0.1). Jensen–Shannon does not reach 0 for two samples of the same distribution: a few hundred rows each give about 0.05. PSI: 10 bins at the reference deciles (below 0.1 stable, 0.1–0.25 moderate, above 0.25 a shift).</p>',
  );
  for (const b of r.batches) {
    if (isFailure(b)) body.push(`<h2>${esc(b.batch.file)}</h2>`, `<p class="warning">Could not be evaluated: ${esc(b.error)}</p>`);
    else body.push(batchSection(b));
  }
  return htmlPage(title, CSS, body);
}
