import * as fs from 'node:fs';
import * as path from 'node:path';
import { getRun, listExplanations } from '../../core/runs/queries';
import { ExplainError, loadExplanation, type ExplanationData } from '../../core/explain/load';
import { globalView, rowView } from '../../core/explain/views';
import { methodLabel, trustNote } from '../../core/explain/trust';
import type { ExplanationSummary, RowView, TrustNote } from '../../core/explain/types';
import { reportHtml, reportMarkdown } from '../../core/explain/report';
import { reportInputFor } from '../../core/explain/reportRun';
import { fractions, rowWords } from '../../core/explain/reportWords';
import { formatNumber } from '../../core/util/format';
import { runDir } from '../../core/util/lineagePaths';
import type { LineageWorkspace } from '../../core/workspace';
import { parseArgs, UsageError } from '../args';
import { CliError } from '../errors';
import { color, safe, table } from '../format';
import { openWorkspace, saveQuietly, workspaceDirFrom } from '../context';
import { jsonNumber } from './ls';

export const EXPLAIN_HELP = `lineage explain <run> [--name N] [--top K] [--json]
lineage explain <run> --row N [--top K] [--json] [--report FILE.md|FILE.html]

Why the run's model predicts what it predicts, from the explanation the script logged with
lineage.explain(model, X). Without --row: every feature's mean |attribution| (how much it moves predictions
on average), its share, and whether the numbers can be trusted. With --row N: row N of the explained rows
(0 to rows-1): its inputs, the prediction, and how much each input pushed it up or down from the base value.
<run> is an id, a unique id prefix or a run name.

Options:
  --name N       the explanation to show when the run logged several (default: "default", or the only one)
  --top K        features listed one by one (default 10); the rest are one "N other features" line
  --row N        one row instead of the global table
  --report FILE  with --row: write the report one affected person can read (.md Markdown, .html a
                 self-contained page)
  --json         the same as JSON`;

const DEFAULT_TOP = 10;
const BAR = 20;
const HOW_TO = 'call lineage.explain(model, X) in the training script and run it again (see docs/explanations-format.md)';

export async function explainCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { name: 'string', top: 'string', row: 'string', report: 'string', json: 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(EXPLAIN_HELP), 0);
  if (a.positional.length > 1) throw new UsageError(`unexpected argument "${a.positional[1]}"; give one run: lineage explain <run>`);
  if (a.positional.length !== 1) throw new UsageError('give one run: lineage explain <run-id or name>');
  const top = a.flags.top === undefined ? DEFAULT_TOP : wholeNumber(a.flags.top, '--top', 1);
  const row = a.flags.row === undefined ? undefined : wholeNumber(a.flags.row, '--row', 0);
  const report = typeof a.flags.report === 'string' ? a.flags.report : undefined;
  if (report !== undefined && row === undefined) throw new UsageError("--report writes one row's report: give the row with --row N");
  const format = report === undefined ? undefined : reportFormat(report);

  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
  try {
    const run = getRun(ws.store, a.positional[0]);
    const label = `${safe(run.name)} (${run.id})`;
    const chosen = pickExplanation(listExplanations(ws.store, run.id), label, typeof a.flags.name === 'string' ? a.flags.name : undefined);
    let ex: ExplanationData;
    try {
      ex = await loadExplanation(runDir(ws.paths, run.id), chosen.name);
    } catch (err) {
      if (err instanceof ExplainError) throw new CliError(`run ${label}, explanation "${chosen.name}": ${err.message}`);
      throw err;
    }
    const others = (chosen.others.length ? `other explanations: ${chosen.others.map((n) => safe(n)).join(', ')} (--name)` : '') || null;
    if (row !== undefined && row >= ex.manifest.rows)
      throw new CliError(
        `row ${row} is out of range: explanation "${chosen.name}" of run ${label} has ${ex.manifest.rows} rows (0 to ${ex.manifest.rows - 1}).`,
        2,
      );
    if (row !== undefined && report !== undefined) return await writeReport(ws, run.id, chosen.name, row, top, report, format!);
    if (row !== undefined) printRow(run.id, run.name, ex, rowView(ex, row), top, !!a.flags.json, others);
    else printGlobal(run.id, run.name, ex, top, !!a.flags.json, others);
    return 0;
  } finally {
    await saveQuietly(ws);
    ws.close();
  }
}

function wholeNumber(v: string | boolean, flag: string, min: number): number {
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${flag} takes a whole number${min > 0 ? ` ≥ ${min}` : ''}, got "${String(v)}"`);
  return n;
}

function reportFormat(file: string): 'md' | 'html' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.md' || ext === '.markdown') return 'md';
  if (ext === '.html' || ext === '.htm') return 'html';
  throw new UsageError(`--report ${file}: the file name must end in .md (Markdown) or .html (a web page)`);
}

function pickExplanation(list: ExplanationSummary[], label: string, name: string | undefined): { name: string; others: string[] } {
  if (list.length === 0) throw new CliError(`run ${label} has no explanation; ${HOW_TO}.`);
  const names = list.map((e) => e.name);
  const quoted = names.map((n) => `"${safe(n)}"`).join(', ');
  if (name !== undefined) {
    if (!names.includes(name)) throw new CliError(`run ${label} has no explanation "${safe(name)}"; it has ${quoted}.`);
    return { name, others: names.filter((n) => n !== name) };
  }
  const pick = names.includes('default') ? 'default' : names.length === 1 ? names[0] : undefined;
  if (pick === undefined) throw new CliError(`run ${label} has several explanations (${quoted}); choose one with --name.`);
  return { name: pick, others: names.filter((n) => n !== pick) };
}

function trustLine(t: TrustNote): string {
  const paint = t.level === 'exact' ? color.green : t.level === 'approximate' ? color.yellow : color.red;
  return paint(t.text);
}

/** A bar of up to BAR cells for |v| relative to max; a value too small for one cell still shows a sliver. */
function bar(v: number, max: number): string {
  if (!Number.isFinite(v) || !(max > 0)) return '';
  const cells = (Math.abs(v) / max) * BAR;
  return cells >= 0.5 ? '█'.repeat(Math.round(cells)) : cells > 0 ? '▏' : '';
}

function pct(share: number): string {
  return Number.isFinite(share) ? `${(100 * share).toFixed(1)}%` : '—';
}

function header(runId: string, runName: string, ex: ExplanationData): string[] {
  const m = ex.manifest;
  const model = [m.modelType, m.pipeline.length > 1 ? `in ${m.pipeline.join(' → ')}` : null].filter(Boolean).join(' ');
  const sampled = m.totalRows > m.rows ? ` (sampled from ${formatNumber(m.totalRows)})` : '';
  return [
    `${color.bold(safe(runName))}  ${runId}  explanation "${safe(m.name)}"`,
    `  ${methodLabel(m.method)}${model ? ` · ${safe(model)}` : ''}`,
    `  ${formatNumber(m.rows)} rows${sampled} × ${m.features.length} features · explains ${safe(m.outputName)}${m.link === 'logit' ? ' (log-odds)' : ''}, base value ${formatNumber(m.baseValue)}`,
  ];
}

function printGlobal(runId: string, runName: string, ex: ExplanationData, top: number, json: boolean, others: string | null): void {
  const g = globalView(runId, ex, { shown: 0 });
  const shown = g.importance.slice(0, top);
  const rest = g.importance.slice(top);
  const restSum = rest.reduce((s, r) => s + (Number.isFinite(r.meanAbs) ? r.meanAbs : 0), 0);
  // Shares from fractions(), not 100 × meanAbs / Σ: near 1e308 the sum (or 100 × a value) overflows. The rest's
  // own sum may overflow too; its share is then the sum of its features' shares.
  const sizes = shown.map((r) => r.meanAbs);
  let share = fractions(rest.length ? [...sizes, restSum] : sizes);
  if (rest.length && restSum === Infinity) {
    const each = fractions(g.importance.map((r) => r.meanAbs));
    share = [...each.slice(0, top), each.slice(top).reduce((s, f) => (Number.isNaN(f) ? s : s + f), 0)];
  }
  const restShare = rest.length ? share[share.length - 1] : NaN;
  const jsonShare = (f: number) => (Number.isFinite(f) ? f : null);
  if (json) {
    const m = ex.manifest;
    process.stdout.write(
      JSON.stringify(
        {
          run: runId,
          name: m.name,
          method: m.method,
          exact: m.exact,
          rows: m.rows,
          features: m.features.length,
          outputName: m.outputName,
          link: m.link,
          baseValue: jsonNumber(m.baseValue),
          additivityError: jsonNumber(m.additivityError),
          trust: g.trust,
          importance: shown.map((r, k) => ({ feature: r.feature, meanAbs: jsonNumber(r.meanAbs), share: jsonShare(share[k]) })),
          otherFeatures: rest.length ? { count: rest.length, meanAbs: jsonNumber(restSum), share: jsonShare(restShare) } : null,
        },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  const max = shown.reduce((mx, r) => (Number.isFinite(r.meanAbs) && r.meanAbs > mx ? r.meanAbs : mx), 0);
  const rows = shown.map((r, k) => [safe(r.feature), formatNumber(r.meanAbs), bar(r.meanAbs, max), pct(share[k])]);
  if (rest.length)
    rows.push([`${rest.length} other feature${rest.length === 1 ? '' : 's'}`, formatNumber(restSum), bar(restSum, Math.max(max, restSum)), pct(restShare)]);
  const lines = [...header(runId, runName, ex), '', table(['FEATURE', 'MEAN |ATTRIBUTION|', '', 'SHARE'], rows).replace(/^/gm, '  '), '', trustLine(g.trust)];
  if (others) lines.push(color.dim(others));
  console.log(lines.join('\n'));
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function signed(v: number): string {
  return Number.isFinite(v) && v > 0 ? `+${formatNumber(v)}` : formatNumber(v);
}

function printRow(runId: string, runName: string, ex: ExplanationData, r: RowView, top: number, json: boolean, others: string | null): void {
  const m = ex.manifest;
  const trust = trustNote(m);
  if (json) {
    const num = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
    process.stdout.write(JSON.stringify({ run: runId, name: m.name, outputName: m.outputName, link: m.link, trust, row: r }, num, 2) + '\n');
    return;
  }
  const shown = r.contributions.slice(0, top);
  const rest = r.contributions.slice(top);
  const max = shown.reduce((mx, c) => (Number.isFinite(c.value) && Math.abs(c.value) > mx ? Math.abs(c.value) : mx), 0);
  const withSe = shown.some((c) => c.stderr !== null);
  const input = (v: number | string | null) => (v === null ? '—' : typeof v === 'string' ? safe(v) : formatNumber(v));
  const rows = shown.map((c) => [
    safe(c.feature),
    input(c.input),
    signed(c.value),
    ...(withSe ? [c.stderr === null ? '' : `± ${formatNumber(c.stderr)}`] : []),
    `${c.value < 0 ? '-' : '+'}${bar(c.value, max)}`,
  ]);
  if (rest.length) {
    const restSum = rest.reduce((s, c) => s + c.value, 0);
    rows.push([
      `${rest.length} other feature${rest.length === 1 ? '' : 's'}`,
      '',
      signed(restSum),
      ...(withSe ? [''] : []),
      `${restSum < 0 ? '-' : '+'}${bar(restSum, Math.max(max, Math.abs(restSum)))}`,
    ]);
  }
  const what = safe(m.outputName);
  const prediction =
    m.link === 'logit'
      ? `probability ${formatNumber(r.prediction)}${m.positiveClass !== null ? ` of ${safe(String(m.positiveClass))}` : ''} (log-odds ${formatNumber(r.output)})`
      : `${formatNumber(r.prediction)}`;
  const sum = r.base + r.contributions.reduce((s, c) => s + c.value, 0);
  const lines = [
    ...header(runId, runName, ex),
    '',
    color.bold(capitalised(rowWords(r.index, r.rowId))),
    `  ${what.padEnd(10)} ${prediction}`,
    ...(r.target !== null ? [`  true value ${formatNumber(r.target)}`] : []),
    `  base value ${formatNumber(r.base)} (the model's output with no input known)`,
    '',
    table(['FEATURE', 'INPUT', 'CONTRIBUTION', ...(withSe ? ['STD. ERROR'] : []), ''], rows).replace(/^/gm, '  '),
    '',
    additivityLine(r, sum),
    trustLine(trust),
  ];
  if (others) lines.push(color.dim(others));
  console.log(lines.join('\n'));
}

/** base + contributions = sum against the output; a sum or gap past the doubles' range is said so, not "NaN". */
function additivityLine(r: RowView, sum: number): string {
  if (Number.isFinite(sum) && Number.isFinite(r.gap))
    return `  base ${formatNumber(r.base)} + contributions ${signed(sum - r.base)} = ${formatNumber(sum)}; the model's output is ${formatNumber(r.output)} (gap ${formatNumber(r.gap)})`;
  const parts = Number.isFinite(sum) ? ` = ${formatNumber(sum)}` : ' (their sum is not finite)';
  return [
    `  base ${formatNumber(r.base)} + contributions${parts}; the model's output is ${formatNumber(r.output)}`,
    '  (gap not finite: these numbers are too large (or infinite) to add up in 64-bit floating point, so this row',
    '  cannot be checked; log the values in smaller units, e.g. thousands, and check that none is infinite or not a number)',
  ].join('\n');
}

async function writeReport(ws: LineageWorkspace, runId: string, name: string, row: number, top: number, file: string, format: 'md' | 'html'): Promise<number> {
  const input = await reportInputFor(ws.store, runId, name, row, { top });
  const text = format === 'md' ? reportMarkdown(input) : reportHtml(input);
  try {
    fs.writeFileSync(file, text);
  } catch (err) {
    const { describeError } = await import('../errors');
    throw new CliError(describeError(err));
  }
  console.log(`Wrote the report for ${rowWords(input.row.index, input.row.rowId)} of run ${runId} (explanation "${safe(name)}") to ${safe(file)}.`);
  return 0;
}
