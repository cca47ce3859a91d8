/**
 * The environment variables a run's results can depend on, recorded in run.json's `env` so that
 * `lineage reproduce` can set them again. Only these names, by allowlist: the rest of the environment
 * (tokens, paths, a user's shell) is never written anywhere. Lineage's own per-run variables
 * (LINEAGE_RUN_DIR, LINEAGE_RUN_ID, LINEAGE_WORKSPACE, LINEAGE_PYTHON) are left out: the launcher sets them
 * for each run.
 */
export const RECORDED_ENV_NAMES: readonly string[] = [
  // Hash randomisation: set order and dict iteration of str keys.
  'PYTHONHASHSEED',
  // Thread counts change floating-point summation order in BLAS and OpenMP code.
  'OMP_NUM_THREADS',
  'MKL_NUM_THREADS',
  'OPENBLAS_NUM_THREADS',
  'NUMEXPR_NUM_THREADS',
  'VECLIB_MAXIMUM_THREADS',
  // GPU choice and determinism switches.
  'CUDA_VISIBLE_DEVICES',
  'CUBLAS_WORKSPACE_CONFIG',
  'TF_DETERMINISTIC_OPS',
  'TF_CUDNN_DETERMINISTIC',
  // What Lineage's SDK records (data capture, argument autolog, masking).
  'LINEAGE_CAPTURE_DATA',
  'LINEAGE_AUTOLOG_ARGS',
  'LINEAGE_MASK_SECRETS',
];

const MAX_VALUE = 1000;

/** The allowlisted variables that are set, with their values (the list is fixed: no name there holds a secret). */
export function recordedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of RECORDED_ENV_NAMES) {
    const v = env[name];
    if (v === undefined || v.length > MAX_VALUE) continue;
    out[name] = v;
  }
  return out;
}
