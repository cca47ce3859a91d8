/**
 * The files that make a folder an MLflow model: `MLmodel` (YAML; flavours, run_id, model_uuid…), and for the
 * python_function flavour `python_env.yaml` + `requirements.txt`, shaped like the ones `mlflow.sklearn.log_model`
 * writes (see c_registry.jsonl). A pickled scikit-learn model gets the `sklearn` and `python_function` flavours,
 * loadable with `mlflow.pyfunc.load_model`; any other model gets an MLmodel without flavours (files only).
 */
import type { LineageSummary, ModelFile } from '../types';

export interface ModelMeta {
  files: Array<{ path: string; content: Buffer }>;
  flavors: string[];
}

const PICKLE = /\.(pkl|pickle|joblib)$/i;

function yamlString(s: string): string {
  // Plain when YAML reads it back as this same string (3.11.2 is a string, 3.11 would be a float).
  const plain = /^[A-Za-z0-9_./:+-]+$/.test(s) && !/^(true|false|null|yes|no|on|off|~|[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)$/i.test(s);
  return plain ? s : `'${s.replace(/'/g, "''")}'`;
}

function utcNow(d: Date): string {
  // MLflow writes `YYYY-MM-DD HH:MM:SS.ffffff` (UTC), quoted.
  return d.toISOString().replace('T', ' ').replace('Z', '000');
}

export function mlmodelFiles(opts: {
  lineage: LineageSummary;
  files: ModelFile[];
  runId: string;
  modelId: string;
  artifactUri: string;
  now?: Date;
}): ModelMeta {
  const { lineage, files, runId, modelId, artifactUri } = opts;
  const pkgs = lineage.python?.packages ?? {};
  const pyVersion = lineage.python?.version?.split(/\s/)[0];
  const pickle = files.find((f) => PICKLE.test(f.path));
  // A pickle with no recorded flavour is loaded like scikit-learn's: mlflow.sklearn only unpickles and calls predict.
  const sklearn = pickle !== undefined && (lineage.flavor === undefined || /sklearn|scikit/i.test(lineage.flavor));
  const size = files.reduce((n, f) => n + f.size, 0);
  const lines = [`artifact_path: ${artifactUri}`];
  const out: Array<{ path: string; content: Buffer }> = [];
  const flavors: string[] = [];
  if (sklearn) {
    flavors.push('python_function', 'sklearn');
    const format = /\.joblib$/i.test(pickle.path) ? 'pickle' : pkgs.cloudpickle ? 'cloudpickle' : 'pickle';
    lines.push(
      'flavors:',
      '  python_function:',
      '    env:',
      '      virtualenv: python_env.yaml',
      '    loader_module: mlflow.sklearn',
      `    model_path: ${yamlString(pickle.path)}`,
      '    predict_fn: predict',
      ...(pyVersion ? [`    python_version: ${yamlString(pyVersion)}`] : []),
      '  sklearn:',
      '    code: null',
      `    pickled_model: ${yamlString(pickle.path)}`,
      `    serialization_format: ${format}`,
      ...(pkgs['scikit-learn'] ? [`    sklearn_version: ${yamlString(pkgs['scikit-learn'])}`] : []),
    );
    const reqs = ['scikit-learn', 'numpy', 'scipy', 'cloudpickle', 'pandas'].filter((p) => pkgs[p]).map((p) => `${p}==${pkgs[p]}`);
    out.push({ path: 'requirements.txt', content: Buffer.from(['mlflow', ...reqs].join('\n')) });
    out.push({
      path: 'python_env.yaml',
      content: Buffer.from(`python: ${pyVersion ?? '3'}\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\ndependencies:\n- -r requirements.txt\n`),
    });
  } else {
    lines.push('flavors: {}');
  }
  lines.push(
    `lineage_run_id: ${yamlString(lineage.runId)}`,
    `model_id: ${modelId}`,
    `model_size_bytes: ${size}`,
    `model_uuid: ${modelId}`,
    `run_id: ${runId}`,
    `utc_time_created: '${utcNow(opts.now ?? new Date())}'`,
  );
  out.unshift({ path: 'MLmodel', content: Buffer.from(lines.join('\n') + '\n') });
  return { files: out, flavors };
}
