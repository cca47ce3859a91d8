/**
 * How far to trust an explanation, said once so the panel, the CLI and the report agree. An exact method
 * whose contributions add up to every prediction (within 1e-6 of the output's scale, or of 1 for small
 * outputs: float64 round-off of a few hundred trees is far below it, a real bug far above) is exact; an
 * approximate method within that tolerance is approximate (its values are estimates, with standard errors
 * where recorded); anything over the tolerance, or an error that was not recorded, failed the check.
 */
import type { ExplanationManifest, TrustNote } from './types';

export const ADDITIVITY_TOLERANCE = 1e-6;

export function additivityTolerance(m: Pick<ExplanationManifest, 'outputScale'>): number {
  const scale = Number.isFinite(m.outputScale) ? Math.abs(m.outputScale) : 0;
  return ADDITIVITY_TOLERANCE * Math.max(1, scale);
}

const METHOD_WORDS: Record<string, string> = {
  tree_path_dependent: 'TreeSHAP (path-dependent)',
  linear_interventional: 'linear Shapley values',
  kernel: 'Kernel SHAP',
  external: 'values computed outside Lineage',
};

/** The method in a few words, for headers and sentences ("TreeSHAP (path-dependent)"). */
export function methodLabel(method: string): string {
  return Object.hasOwn(METHOD_WORDS, method) ? METHOD_WORDS[method] : method;
}

export function trustNote(m: ExplanationManifest): TrustNote {
  const err = m.additivityError;
  const tol = additivityTolerance(m);
  const method = methodLabel(m.method);
  if (!Number.isFinite(err) || err < 0)
    return {
      level: 'failed',
      text: `Not checked: the explanation (${method}) does not say how far its contributions are from the predictions; re-run lineage.explain to get a checked one.`,
    };
  if (err > tol)
    return {
      level: 'failed',
      text: `Check failed: the contributions miss the prediction by up to ${short(err)}, more than the ${short(tol)} allowed for outputs up to ${short(m.outputScale)} (${method}). Do not rely on these numbers; report it with the run's explanation.json.`,
    };
  if (m.exact) return { level: 'exact', text: `Exact (${method}): the contributions add up to each prediction (largest gap ${short(err)}).` };
  const samples = m.samplesPerRow ? `, ${m.samplesPerRow} samples per row` : '';
  const background = m.backgroundRows ? `, ${m.backgroundRows} background rows` : '';
  const stderr = m.arrays.stderr ? ' Each contribution is an estimate; its standard error is shown with it.' : ' Each contribution is an estimate.';
  return {
    level: 'approximate',
    text: `Approximate (${method}${samples}${background}): the contributions add up to each prediction (largest gap ${short(err)}).${stderr}`,
  };
}

function short(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e6 ? String(Number(v.toPrecision(3))) : v.toExponential(1);
}
