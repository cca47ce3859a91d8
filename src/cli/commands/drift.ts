import * as fs from 'node:fs';
import * as path from 'node:path';
import { budgetEnvProblem, MIN_MEMORY_BUDGET, parseSize, removeAllSpillFolders } from '../../core/drift/budget';
import { prepareReference, reportFor } from '../../core/drift/check';
import { DriftInputError } from '../../core/drift/driftError';
import { driftHtml } from '../../core/drift/html';
import { driftFormatOf } from '../../core/drift/readTable';
import type { ReferenceData } from '../../core/drift/reference';
import { isFailure, type BatchReport, type ColumnDrift, type ColumnOverride, type DriftReport, type DriftTestName } from '../../core/drift/types';
import { formatNumber } from '../../core/util/format';
import { LINEAGE_DIR } from '../../core/util/lineagePaths';
import { parseArgs, UsageError } from '../args';
import { openWorkspace, saveQuietly, workspaceDirFrom } from '../context';
import { CliError } from '../errors';
import { color, safe, table } from '../format';

export const DRIFT_HELP = `lineage drift <run|reference-file> <current-file…> [--columns a,b] [--prediction COL] [--actual COL]
             [--json] [--html FILE] [--fail-on drift|schema|any] [--memory-budget SIZE]

Does live data still look like the training data? Compares each current file (a batch of live rows: CSV,
TSV or JSON Lines, .gz too) with the reference, column by column, with the test Evidently chooses by
default: up to 1,000 reference values KS (numbers), chi-squared (categories, or numbers with ≤ 5 values),
z-test (two values), drift at p < 0.05; more than 1,000: Wasserstein distance / reference std (numbers)
and Jensen–Shannon distance (categories), drift at ≥ 0.1. Always also PSI, missing values, values outside
the training range, new categories and schema changes. The dataset drifted when ≥ half the columns did.
<run> is an id, a unique id prefix or a run name: its training data (the recorded input) is the reference,
checked against the fingerprint the run recorded. See docs/drift.md.

Options:
  --columns a,b          only these columns (default: all of the reference's)
  --prediction COL       the model's prediction column (prediction drift; performance with --actual)
  --actual COL           the actual outcome column (label drift; RMSE/MAE or accuracy per batch)
  --test COL=TEST[:T],…  a test (ks, chisquare, z, wasserstein, jensenshannon, psi) and threshold per column
  --threshold SHARE      share of drifted columns at which the dataset drifted (default 0.5)
  --reference-file FILE  which of the run's tables is the training data, when it read several
  --explanation NAME     the run's explanation weighting the risk ranking (default "default")
  --fail-on WHAT         exit 3 when any batch has: drift (dataset drift), schema (a schema change),
                         any (a drifted column or a schema change)
  --html FILE            also write a self-contained HTML report
  --json                 the report as JSON
  --memory-budget SIZE   memory for the values read (e.g. 512M, 2G; default 256M, or
                         LINEAGE_DRIFT_MEMORY_BUDGET); past it, columns go to temporary files, same results

Exit codes: 0 ok, 3 the --fail-on condition held for a batch, 1 an error (a batch that cannot be read is
reported and the others still evaluated), 2 a usage error.`;

const TESTS: ReadonlySet<string> = new Set(['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi']);

export async function driftCommand(argv: string[]): Promise<number> {
  // Interrupted, the process would end without its 'exit' handlers: the temporary files of columns past the
  // memory budget are removed first.
  const onSignal = (sig: NodeJS.Signals) => {
    removeAllSpillFolders();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await drift(argv);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function drift(argv: string[]): Promise<number> {
  const a = parseArgs(argv, {
    columns: 'string',
    prediction: 'string',
    actual: 'string',
    test: 'string',
    threshold: 'string',
    'reference-file': 'string',
    explanation: 'string',
    'fail-on': 'string',
    html: 'string',
    json: 'bool',
    'memory-budget': 'string',
    workspace: 'string',
    help: 'bool',
  });
  if (a.flags.help) return (void console.log(DRIFT_HELP), 0);
  if (a.positional.length < 2) throw new UsageError('give a reference (a run or a file) and at least one current file: lineage drift <run|file> <batch…>');
  const str = (k: string) => (typeof a.flags[k] === 'string' ? a.flags[k] : undefined);
  const failOn = str('fail-on');
  if (failOn !== undefined && !['drift', 'schema', 'any'].includes(failOn)) throw new UsageError(`--fail-on takes drift, schema or any, got "${failOn}"`);
  const columns = str('columns')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const threshold = str('threshold') === undefined ? undefined : shareArg(str('threshold')!);
  const overrides = str('test') === undefined ? undefined : parseOverrides(str('test')!);
  const htmlFile = str('html');
  if (htmlFile !== undefined && !/\.html?$/i.test(htmlFile)) throw new UsageError(`--html ${htmlFile}: the file name must end in .html`);
  const memoryBudget = memoryBudgetArg(str('memory-budget'));
  const [refArg, ...files] = a.positional;
  const opts = { columns, prediction: str('prediction'), actual: str('actual'), overrides, datasetThreshold: threshold, memoryBudget };

  const asFile = driftFormatOf(refArg) !== undefined && fs.existsSync(refArg);
  if (asFile && str('reference-file') !== undefined) throw new UsageError("--reference-file picks one of a run's tables; the reference here is already a file");
  const warn = (m: string) => process.stderr.write(color.yellow(`lineage: ${safe(m)}`) + '\n');
  let report: DriftReport;
  if (asFile) {
    const prepared = await wrap(() => prepareReference({ lineageRoot: lineageRootNear(str('workspace')), reference: { file: refArg }, warn, memoryBudget }));
    try {
      checkColumns(prepared.ref, opts);
      report = await reportFor(prepared, files, opts);
    } finally {
      prepared.ref.dispose();
    }
  } else {
    const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
    try {
      const reference = { run: refArg, referenceFile: str('reference-file'), explanation: str('explanation') };
      const prepared = await wrap(() => prepareReference({ ws, lineageRoot: ws.paths.root, reference, warn, memoryBudget }));
      try {
        checkColumns(prepared.ref, opts);
        report = await reportFor(prepared, files, opts);
      } finally {
        prepared.ref.dispose();
      }
    } finally {
      await saveQuietly(ws);
      ws.close();
    }
  }

  if (htmlFile !== undefined) fs.writeFileSync(htmlFile, driftHtml(report));
  if (a.flags.json) process.stdout.write(JSON.stringify(report, jsonSafe, 2) + '\n');
  else printReport(report, htmlFile);
  const failed = report.batches.some((b) => !isFailure(b) && failOn !== undefined && holds(b, failOn));
  if (failed) return 3;
  if (report.batches.some(isFailure)) return 1;
  return 0;
}

async function wrap<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof DriftInputError) throw new CliError(err.message);
    throw err;
  }
}

/** .lineage of the workspace around here, when there is one (a plain file comparison never creates it). */
function lineageRootNear(flag: string | undefined): string | null {
  const dir = workspaceDirFrom(flag);
  const root = path.join(dir, LINEAGE_DIR);
  return fs.existsSync(root) ? root : null;
}

function checkColumns(ref: ReferenceData, opts: { columns?: string[]; prediction?: string; actual?: string }): void {
  const names = new Set(ref.columns.map((c) => c.name));
  const unknown = (opts.columns ?? []).filter((c) => !names.has(c));
  if (unknown.length)
    throw new UsageError(
      `--columns: the reference has no column ${unknown.map((c) => `"${c}"`).join(', ')}; it has ${[...names].map((c) => `"${c}"`).join(', ')}`,
    );
}

function shareArg(v: string): number {
  const n = Number(v);
  if (!/^\s*[0-9.]+\s*$/.test(v) || !(n > 0 && n <= 1)) throw new UsageError(`--threshold takes a share between 0 and 1 (e.g. 0.5), got "${v}"`);
  return n;
}

function parseOverrides(v: string): Record<string, ColumnOverride> {
  const out: Record<string, ColumnOverride> = Object.create(null) as Record<string, ColumnOverride>;
  for (const part of v.split(',')) {
    const m = /^\s*([^=]+?)\s*=\s*([a-z]+)\s*(?::\s*([0-9.eE+-]+))?\s*$/.exec(part);
    if (!m || !TESTS.has(m[2])) throw new UsageError(`--test "${part}": write COLUMN=TEST or COLUMN=TEST:THRESHOLD, TEST one of ${[...TESTS].join(', ')}`);
    const t = m[3] === undefined ? undefined : Number(m[3]);
    if (t !== undefined && !(Number.isFinite(t) && t > 0)) throw new UsageError(`--test "${part}": the threshold must be a positive number`);
    out[m[1]] = { test: m[2] as DriftTestName, ...(t !== undefined ? { threshold: t } : {}) };
  }
  return out;
}

function holds(b: BatchReport, failOn: string): boolean {
  const schema = b.schema.length > 0;
  if (failOn === 'schema') return schema;
  if (failOn === 'drift') return b.dataset.drifted;
  return schema || b.dataset.drifted || b.columns.some((c) => c.drifted) || !!b.prediction?.drifted;
}

/** JSON has no NaN or Infinity: NaN becomes null, ±Infinity its name (as `lineage ls --json` does). */
function jsonSafe(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? null : String(v);
  return v;
}

function num(v: number | null): string {
  return v === null ? '—' : formatNumber(v);
}

function pct(v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (v === 0) return '0%';
  if (v < 0.001) return '<0.1%';
  return `${+(v * 100).toFixed(1)}%`;
}

function row(c: ColumnDrift): string[] {
  const verdict = c.test === null ? color.dim('not tested') : c.drifted ? color.red('DRIFT') : color.green('ok');
  const fresh =
    c.newCategories && c.newCategories.distinct > 0
      ? `${c.newCategories.values.map((v) => safe(v.value)).join(', ')}${c.newCategories.distinct > c.newCategories.values.length ? ', …' : ''} (${pct(c.newCategories.share)})`
      : '';
  return [
    safe(c.name),
    c.test ?? '—',
    num(c.statistic),
    c.pValue === null ? '' : num(c.pValue),
    Number.isFinite(c.threshold)
      ? c.pValue !== null || c.test === 'ks' || c.test === 'chisquare' || c.test === 'z'
        ? `p<${c.threshold}`
        : `≥${c.threshold}`
      : '',
    verdict,
    num(c.psi),
    c.missing.ref === 0 && c.missing.cur === 0 ? '' : `${pct(c.missing.ref)} → ${pct(c.missing.cur)}`,
    c.outOfRange && c.outOfRange.count > 0 ? `${c.outOfRange.count} (${pct(c.outOfRange.share)})` : '',
    fresh,
  ];
}

function printReport(r: DriftReport, htmlFile: string | undefined): void {
  const ref = r.reference;
  const out: string[] = [];
  const who = ref.runId ? `run ${safe(ref.runName ?? '')} (${ref.runId}): ${safe(ref.file)}` : safe(ref.file);
  out.push(
    `${color.bold('Reference')} ${who}, ${formatNumber(ref.rows)} rows, sha256 ${ref.sha256.slice(0, 12)}…${ref.cached ? color.dim(' (from the cache)') : ''}`,
  );
  for (const b of r.batches) {
    out.push('');
    if (isFailure(b)) {
      out.push(color.red(`${safe(b.batch.file)}: could not be evaluated: ${safe(b.error)}`));
      continue;
    }
    out.push(`${color.bold(safe(b.batch.file))}  ${formatNumber(b.batch.rows)} rows, sha256 ${b.batch.sha256.slice(0, 12)}…`);
    const head = ['column', 'test', 'statistic', 'p-value', 'threshold', 'verdict', 'PSI', 'missing', 'out of range', 'new categories'];
    const rows = b.columns.map(row);
    if (b.prediction) rows.push(row({ ...b.prediction, name: `${b.prediction.name} (prediction)` }));
    if (b.actual) rows.push(row({ ...b.actual, name: `${b.actual.name} (actual)` }));
    if (rows.length) out.push(table(head, rows));
    for (const s of b.schema) {
      const what = s.change === 'added' ? 'new column' : s.change === 'removed' ? 'column missing from the batch' : `type changed from ${s.from} to ${s.to}`;
      out.push(color.yellow(`schema: ${safe(s.column)}: ${what}`));
    }
    const d = b.dataset;
    const verdict = d.drifted ? color.red('DATASET DRIFT') : color.green('no dataset drift');
    out.push(`${verdict}: ${d.driftedColumns} of ${d.testedColumns} columns drifted (${pct(d.share)}; threshold ${pct(d.threshold)})`);
    if (b.performance) {
      const p = b.performance;
      const fig = p.metric === 'rmse' ? `RMSE ${num(p.rmse ?? null)}, MAE ${num(p.mae ?? null)}` : `accuracy ${pct(p.accuracy ?? NaN)}`;
      out.push(`performance on ${formatNumber(p.rows)} rows: ${fig}${p.runMetric ? ` (the run's ${safe(p.runMetric.name)}: ${num(p.runMetric.value)})` : ''}`);
    }
    if (b.riskSentence) out.push(`risk: ${safe(b.riskSentence)}`);
    for (const n of b.notes) out.push(color.dim(safe(n)));
  }
  if (htmlFile) out.push('', `HTML report written to ${safe(htmlFile)}`);
  process.stdout.write(out.join('\n') + '\n');
}

/** --memory-budget, else undefined (the environment's, which must then be a size: a typo is not the default). */
export function memoryBudgetArg(text: string | undefined): number | undefined {
  if (text === undefined) {
    const problem = budgetEnvProblem('fix or unset it, or pass --memory-budget');
    if (problem) throw new UsageError(problem);
    return undefined;
  }
  const n = parseSize(text);
  if (n === undefined || n < MIN_MEMORY_BUDGET) throw new UsageError(`--memory-budget takes a size of at least 1M, such as 512M or 2G; got "${text}"`);
  return n;
}
