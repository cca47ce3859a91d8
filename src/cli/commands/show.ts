import * as path from 'node:path';
import { getRun, getPackages } from '../../core/runs/queries';
import { datasetsOfRun } from '../../core/datasets/datasetIndex';
import { readKeptReport, summarizeKept } from '../../core/datasets/objects';
import type { TableProfile } from '../../core/datasets/profile';
import { parseArgs, UsageError } from '../args';
import { clip, color, safe, table, when } from '../format';
import { formatNumber, formatDuration, formatBytes as bytes } from '../../core/util/format';
import { openWorkspace, saveQuietly, workspaceDirFrom } from '../context';
import { jsonNumber } from './ls';
import { paramText } from '../../core/events/paramValue';
import { reproductionLinkOf } from '../../core/reproduce/report';

export const SHOW_HELP = `lineage show <run> [--json] [--packages] [--full]

Shows one run: status, command, git commit, interpreter, params, metric summaries, artifacts, datasets and
any skipped event lines. <run> is an id, a unique id prefix, or a run name. Long values are cut with …;
--full shows them whole.`;

export async function showCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { json: 'bool', packages: 'bool', full: 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(SHOW_HELP), 0);
  if (a.positional.length > 1) throw new UsageError(`unexpected argument "${a.positional[1]}"; give one run: lineage show <run-id or name>`);
  if (a.positional.length !== 1) throw new UsageError('give one run: lineage show <run-id or name>');
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
  const r = getRun(ws.store, a.positional[0]);
  const packages = getPackages(ws.store, r.id);
  // Each dataset with its fingerprint, as `lineage data of` gives it: "one run in full" includes the exact data.
  const datasets = datasetsOfRun(ws.store, r.id).map((d) => ({
    path: d.path,
    role: d.role,
    kind: d.version?.kind ?? null,
    sha256: d.version?.sha256 ?? null,
    size: d.version?.size ?? null,
    files: d.version?.fileCount ?? null,
    rows: (d.version?.profile as TableProfile | undefined)?.rows ?? null,
    note: d.note,
  }));
  const kept = readKeptReport(ws.paths, r.id);
  const reproduction = reproductionLinkOf(path.join(ws.paths.runs, r.id));
  await saveQuietly(ws);
  ws.close();
  if (a.flags.json) {
    const metrics = Object.fromEntries(
      r.metrics.map((m) => [
        m.key,
        {
          last: jsonNumber(m.last),
          first: jsonNumber(m.first),
          min: jsonNumber(m.min),
          max: jsonNumber(m.max),
          count: m.count,
          lastStep: m.lastStep,
          nanCount: m.nanCount,
        },
      ]),
    );
    process.stdout.write(
      JSON.stringify(
        {
          ...r,
          metrics,
          datasets,
          kept: kept ?? null,
          packages,
          ...(reproduction ? { reproduces: reproduction.reproduces, reproductionVerdict: reproduction.verdict } : {}),
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  // A 6,000-character param or name would fill the screen: cut unless --full asks for everything.
  const full = !!a.flags.full;
  const cell = full ? Infinity : undefined;
  const cut = (s: string) => (full ? s : clip(s, 200));
  const lines: string[] = [];
  lines.push(`${color.bold(cut(safe(r.name)))}  ${r.id}`);
  lines.push(`  experiment  ${cut(safe(r.experiment))}`);
  lines.push(`  status      ${r.status}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}${r.signal ? ` (signal ${r.signal})` : ''}`);
  lines.push(`  started     ${when(r.startedAt)}   duration ${formatDuration(r.durationMs)}`);
  lines.push(`  command     ${cut(safe(r.command.join(' ')))}`);
  if (r.git)
    lines.push(
      `  git         ${/^[0-9a-f]{7,64}$/i.test(r.git.commit) ? `${r.git.commit.slice(0, 12)} on ${safe(r.git.branch || '?')}` : '(no commits yet)'}${r.git.dirty ? color.yellow(' + uncommitted changes (git.diff)') : ''}`,
    );
  if (reproduction) lines.push(`  reproduces  ${safe(reproduction.reproduces)}${reproduction.verdict ? ` (${reproduction.verdict}; reproduction.json)` : ''}`);
  if (r.python) lines.push(`  python      ${safe(r.python.path)} ${r.python.version ?? ''} (${r.python.packages} packages)`);
  if (r.host) lines.push(`  host        ${safe(r.host)} · ${safe(r.os ?? '')}`);
  if (r.error) lines.push(color.red(`  error       ${r.error.trim().split('\n').slice(-3).map(safe).map(cut).join('\n              ')}`));
  const params = Object.entries(r.params);
  if (params.length) {
    lines.push('', color.bold('Params'));
    lines.push(
      table(
        ['KEY', 'VALUE'],
        params.map(([k, v]) => [safe(k), safe(paramText(v))]),
        { maxCell: cell },
      ).replace(/^/gm, '  '),
    );
  }
  if (r.metrics.length) {
    lines.push('', color.bold('Metrics'));
    lines.push(
      table(
        ['KEY', 'LAST', 'MIN', 'MAX', 'POINTS', 'LAST STEP'],
        r.metrics.map((m) => [safe(m.key), formatNumber(m.last), formatNumber(m.min), formatNumber(m.max), String(m.count), formatNumber(m.lastStep)]),
        { maxCell: cell },
      ).replace(/^/gm, '  '),
    );
  }
  if (Object.keys(r.tags).length) lines.push('', color.bold('Tags'), ...Object.entries(r.tags).map(([k, v]) => `  ${cut(safe(k))} = ${cut(safe(v))}`));
  if (r.artifacts.length) {
    lines.push('', color.bold('Artifacts'));
    lines.push(
      table(
        ['PATH', 'KIND', 'SIZE'],
        r.artifacts.map((f) => [safe(f.path), f.kind + (f.flavor ? ` (${safe(f.flavor)})` : ''), f.size === null ? (f.note ?? 'missing') : bytes(f.size)]),
      ).replace(/^/gm, '  '),
    );
  }
  if (r.datasets.length) lines.push('', color.bold('Datasets'), ...r.datasets.map((d) => `  ${d.role.padEnd(10)} ${safe(d.path)}`));
  if (r.datasets.length) lines.push(color.dim(`  data kept: ${safe(summarizeKept(kept))}`));
  if (r.warnings.count) {
    lines.push('', color.yellow(`${r.warnings.count} event line(s) skipped`));
    for (const w of r.warnings.first) lines.push(color.yellow(`  line ${w.line}: ${safe(w.message)}`));
  }
  if (a.flags.packages && packages.length) lines.push('', color.bold('Packages'), ...packages.map((p) => `  ${p.name}==${p.version}`));
  console.log(lines.join('\n'));
  return 0;
}
