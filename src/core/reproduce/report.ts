import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PackageDifference } from './packages';
import { packageDifferenceText } from './packages';

/**
 * The reproduction report: what was the same and what was not, between a run and its reproduction. Written to
 * `runs/<reproduction>/reproduction.json`; `reportMarkdown` is what the terminal and the editor show.
 */

/** identical: every output bit for bit; within tolerance: metrics within it, the model file not identical. */
export type Verdict = 'identical' | 'within tolerance' | 'differs' | 'could not run';

export const DEFAULT_TOLERANCE = 1e-6;

export interface DataCheck {
  path: string;
  role: string;
  original: string | null;
  reproduction: string | null;
  equal: boolean;
  /** Where the reproduction's copy came from: the checkout, or the kept copy in .lineage/objects. */
  source: 'checkout' | 'kept copy' | 'not restored' | 'in memory';
  /** Said when the workspace's own copy changed since the run (the reproduction still used the run's bytes). */
  note?: string;
}

export interface ParamCheck {
  key: string;
  original: unknown;
  reproduction: unknown;
  equal: boolean;
}

export interface MetricCheck {
  key: string;
  original: number | null;
  reproduction: number | null;
  /** |a − b| / max(|a|, |b|); 0 when both are 0 or both NaN; null when one side is missing. */
  relativeDifference: number | null;
  withinTolerance: boolean;
  /** A wall-clock duration (autolog's fit_time, a search's mean_score_time): shown, never part of the verdict. */
  timing?: boolean;
}

export interface ModelCheck {
  path: string;
  original: string | null;
  reproduction: string | null;
  equal: boolean;
}

export interface ReproductionReport {
  schema: 1;
  verdict: Verdict;
  tolerance: number;
  original: { id: string; name: string };
  reproduction: { id: string; name: string; status: string; exitCode: number | null } | null;
  code: {
    commit: string | null;
    /** sha256 of the run's git.diff; null when the tree was clean. */
    diffSha256: string | null;
    /** The files the applied diff changed or added. */
    diffFiles: string[];
    reproductionCommit: string | null;
    reproductionDiffSha256: string | null;
    identical: boolean;
  };
  data: DataCheck[];
  environment: {
    interpreter: { original: string | null; reproduction: string | null };
    pythonVersion: { original: string | null; reproduction: string | null };
    packages: PackageDifference[];
    /** Recorded environment variables set again (run.json `env`); differences between the two runs. */
    variables: Record<string, string>;
    variableDifferences: Array<{ name: string; original: string | null; reproduction: string | null }>;
  };
  params: ParamCheck[];
  metrics: MetricCheck[];
  models: ModelCheck[];
  /** What could not be reproduced, each said precisely (a missing commit, data not kept, a package not installed). */
  problems: string[];
  /** Where the checkout was kept (--keep-worktree). */
  worktree?: string;
}

export function relativeDifference(a: number | null, b: number | null): number | null {
  if (a === null || b === null) return null;
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (a === b) return 0;
  const scale = Math.max(Math.abs(a), Math.abs(b));
  if (!Number.isFinite(scale)) return Infinity;
  return Math.abs(a - b) / scale;
}

/** The verdict from the checks: any difference in data or params, a metric out of tolerance or missing, a failed run: differs. */
export function verdictOf(r: Omit<ReproductionReport, 'verdict'>): Verdict {
  if (!r.reproduction) return 'could not run';
  if (r.reproduction.status !== 'finished') return 'differs';
  if (r.data.some((d) => !d.equal) || r.params.some((p) => !p.equal) || r.metrics.some((m) => !m.withinTolerance)) return 'differs';
  const exact = r.metrics.every((m) => m.timing || m.relativeDifference === 0) && r.models.every((m) => m.equal);
  return exact ? 'identical' : 'within tolerance';
}

/** The exit code the CLI gives: 0 reproduced (identical or within tolerance), 3 differs, 1 could not run. */
export function exitCodeOf(v: Verdict): number {
  return v === 'identical' || v === 'within tolerance' ? 0 : v === 'differs' ? 3 : 1;
}

const short = (sha: string | null) => (sha ? sha.slice(0, 12) : '—');

function num(v: number | null): string {
  if (v === null) return '—';
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e15
    ? String(Number(v.toPrecision(12)))
    : v
        .toExponential(3)
        .replace(/\.?0+e/, 'e')
        .replace('e+', 'e');
}

function val(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? '—');
}

/** One sentence: the headline a notification or a CI log shows. */
export function verdictSentence(r: ReproductionReport): string {
  const of = `${r.original.name} (${r.original.id})`;
  switch (r.verdict) {
    case 'identical':
      return `Reproduced ${of} bit for bit: the same data, params, metrics${r.models.length ? ' and model file' : ''}.`;
    case 'within tolerance':
      return `Reproduced ${of} within the tolerance of ${num(r.tolerance)} (relative)${r.models.some((m) => !m.equal) ? '; the model file is not byte-identical' : ''}.`;
    case 'differs':
      return `The reproduction of ${of} differs: ${firstDifference(r)}.`;
    default:
      return `${of} could not be reproduced: ${r.problems[0] ?? 'see the report'}`;
  }
}

function firstDifference(r: ReproductionReport): string {
  if (r.reproduction && r.reproduction.status !== 'finished')
    return `the reproduction ${r.reproduction.status}${r.reproduction.exitCode !== null ? ` (exit ${r.reproduction.exitCode})` : ''}`;
  const d = r.data.find((x) => !x.equal);
  if (d) return `${d.path} read ${short(d.reproduction)} instead of ${short(d.original)}`;
  const p = r.params.find((x) => !x.equal);
  if (p) return `param ${p.key} is ${val(p.reproduction)} instead of ${val(p.original)}`;
  const m = r.metrics.find((x) => !x.withinTolerance);
  if (m)
    return `${m.key} is ${num(m.reproduction)} instead of ${num(m.original)}${m.relativeDifference !== null ? ` (relative difference ${num(m.relativeDifference)})` : ''}`;
  return 'see the report';
}

function mdCell(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');
}

/** The report as Markdown: the editor opens it in a preview, the CLI prints it (it reads as plain text too). */
export function reportMarkdown(r: ReproductionReport): string {
  const L: string[] = [];
  L.push(`# Reproduction of ${mdCell(r.original.name)} (${r.original.id})`, '');
  L.push(`**Verdict: ${r.verdict}.** ${mdCell(verdictSentence(r))}`, '');
  if (r.reproduction) L.push(`Reproduction run: ${mdCell(r.reproduction.name)} (${r.reproduction.id}), ${r.reproduction.status}.`, '');
  if (r.problems.length) {
    L.push('## What could not be reproduced', '');
    for (const p of r.problems) L.push(`- ${mdCell(p)}`);
    L.push('');
  }
  L.push('## Code', '');
  if (r.code.commit) {
    L.push(
      `- commit ${r.code.commit}${r.code.reproductionCommit && r.code.reproductionCommit !== r.code.commit ? ` (the reproduction recorded ${r.code.reproductionCommit})` : ''}`,
    );
    L.push(
      r.code.diffSha256
        ? `- uncommitted changes: git.diff sha256 ${r.code.diffSha256}, applied (${r.code.diffFiles.length} file(s): ${r.code.diffFiles.map(mdCell).join(', ')})`
        : '- no uncommitted changes',
    );
    L.push(`- ${r.code.identical ? 'identical' : `not identical: the reproduction recorded diff sha256 ${r.code.reproductionDiffSha256 ?? 'none'}`}`);
  } else L.push('- no git commit recorded');
  L.push('');
  if (r.data.length) {
    L.push('## Data', '', '| path | role | run read | reproduction read | same | from |', '|---|---|---|---|---|---|');
    for (const d of r.data)
      L.push(`| ${mdCell(d.path)} | ${d.role} | ${short(d.original)} | ${short(d.reproduction)} | ${d.equal ? 'yes' : '**no**'} | ${d.source} |`);
    for (const d of r.data.filter((x) => x.note)) L.push('', `${mdCell(d.path)}: ${mdCell(d.note!)}`);
    L.push('');
  }
  L.push('## Environment', '');
  const env = r.environment;
  L.push(`- interpreter: ${mdCell(env.interpreter.original ?? '—')} → ${mdCell(env.interpreter.reproduction ?? '—')}`);
  L.push(`- Python: ${env.pythonVersion.original ?? '—'} → ${env.pythonVersion.reproduction ?? '—'}`);
  if (env.packages.length) {
    L.push(`- ${env.packages.length} package difference(s):`);
    for (const p of env.packages) L.push(`  - ${mdCell(packageDifferenceText(p))}`);
  } else L.push('- packages: the same versions');
  const vars = Object.entries(env.variables);
  L.push(
    vars.length
      ? `- environment variables set again: ${vars.map(([k, v]) => `${k}=${mdCell(v)}`).join(', ')}`
      : '- environment variables: none of those Lineage records were set',
  );
  for (const v of env.variableDifferences) L.push(`  - ${v.name}: ${mdCell(v.original ?? '(unset)')} → ${mdCell(v.reproduction ?? '(unset)')}`);
  L.push('');
  if (r.params.length) {
    L.push('## Params', '', '| param | run | reproduction | same |', '|---|---|---|---|');
    for (const p of r.params) {
      // Equal yet written differently: a path compared after mapping the worktree back to the repository.
      const same = val(p.original) === val(p.reproduction) ? 'yes' : 'yes (the same path, in the worktree)';
      L.push(`| ${mdCell(p.key)} | ${mdCell(val(p.original))} | ${mdCell(val(p.reproduction))} | ${p.equal ? same : '**no**'} |`);
    }
    L.push('');
  }
  if (r.metrics.length) {
    L.push(
      `## Metrics (final values; tolerance ${num(r.tolerance)} relative)`,
      '',
      '| metric | run | reproduction | relative difference | within |',
      '|---|---|---|---|---|',
    );
    for (const m of r.metrics)
      L.push(
        `| ${mdCell(m.key)} | ${num(m.original)} | ${num(m.reproduction)} | ${num(m.relativeDifference)} | ${m.timing ? 'not compared (a duration)' : m.withinTolerance ? 'yes' : '**no**'} |`,
      );
    L.push('');
  }
  if (r.models.length) {
    L.push('## Model files', '', '| path | run sha256 | reproduction sha256 | bit for bit |', '|---|---|---|---|');
    for (const m of r.models) L.push(`| ${mdCell(m.path)} | ${short(m.original)} | ${short(m.reproduction)} | ${m.equal ? 'yes' : '**no**'} |`);
    L.push('');
  }
  if (r.worktree) L.push(`The checkout was kept at ${mdCell(r.worktree)} (remove it with \`git worktree remove --force\`).`, '');
  return L.join('\n');
}

/** A run's `reproduces` link (run.json) and, when its report is there, the verdict; for `lineage show`. */
export function reproductionLinkOf(runDir: string): { reproduces: string; verdict: Verdict | null } | undefined {
  let reproduces: unknown;
  try {
    reproduces = (JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { reproduces?: unknown }).reproduces;
  } catch {
    return undefined;
  }
  if (typeof reproduces !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(reproduces)) return undefined;
  let verdict: Verdict | null = null;
  try {
    const v = (JSON.parse(fs.readFileSync(path.join(runDir, 'reproduction.json'), 'utf8')) as { verdict?: unknown }).verdict;
    if (v === 'identical' || v === 'within tolerance' || v === 'differs') verdict = v;
  } catch {
    /* the reproduction has not finished, or its report is gone */
  }
  return { reproduces, verdict };
}
