/**
 * Risk ranking: a drifted feature matters as much as the model leans on it. Each feature's drift score (its
 * PSI: the one figure computed the same way for every column) times its share of the summed mean
 * |attribution| in the run's explanation, highest first, and one sentence about the riskiest drift.
 */
import { meanAbsAttribution } from '../explain/importance';
import type { ExplanationData } from '../explain/load';
import type { ColumnDrift, RiskEntry } from './types';

/** Feature name → share of the summed mean |attribution| (features with a NaN mean left out). */
export function importanceShares(ex: ExplanationData): Map<string, number> {
  const mean = meanAbsAttribution(ex);
  const names = ex.manifest.features;
  let max = 0;
  for (const v of mean) if (Number.isFinite(v) && v > max) max = v;
  let total = 0;
  // divided by the largest first, so attributions near 1e308 do not overflow the sum
  for (const v of mean) if (Number.isFinite(v) && max > 0) total += v / max;
  const out = new Map<string, number>();
  if (!(total > 0)) return out;
  names.forEach((n, j) => {
    if (Number.isFinite(mean[j])) out.set(n, mean[j] / max / total);
  });
  return out;
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}

function pct(x: number): string {
  return x >= 0.995 ? '100 %' : x < 0.01 ? 'less than 1 %' : `${Math.round(x * 100)} %`;
}

export function riskRanking(columns: ColumnDrift[], importance: Map<string, number>): { risk: RiskEntry[]; sentence: string | null } {
  if (importance.size === 0) return { risk: [], sentence: null };
  const byImportance = [...importance.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([n]) => n);
  const risk: RiskEntry[] = [];
  for (const c of columns) {
    if (!importance.has(c.name)) continue;
    const imp = importance.get(c.name)!;
    const score = c.psi ?? 0;
    risk.push({ column: c.name, drifted: c.drifted, driftScore: score, importance: imp, risk: score * imp, importanceRank: byImportance.indexOf(c.name) + 1 });
  }
  risk.sort((a, b) => b.risk - a.risk || a.importanceRank - b.importanceRank);
  const top = risk.find((r) => r.drifted) ?? risk[0];
  if (!top) return { risk, sentence: null };
  const rank = top.importanceRank === 1 ? "the model's most important feature" : `the model's ${ordinal(top.importanceRank)} most important feature`;
  const share = `${pct(top.importance)} of its attribution`;
  const sentence = top.drifted
    ? `${top.column} drifted and is ${rank} (${share}).`
    : `No feature the model uses drifted; the largest weighted shift is ${top.column} (PSI ${top.driftScore.toFixed(3)}), ${rank} (${share}).`;
  return { risk, sentence };
}
