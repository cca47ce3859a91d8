import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../store/store';
import { getRun } from '../runs/queries';
import { inspectRunFile, relativeInside } from '../runs/runPaths';
import { runDir } from '../util/lineagePaths';
import type { LineagePaths } from '../util/lineagePaths';
import type { ModelFile } from './types';
import { RegistryUsageError } from './referenceError';

export interface ModelChoice {
  /** As the user sees it: the artifact's path in the run folder, or the path they gave. */
  path: string;
  abs: string;
  files: ModelFile[];
  bytes: number;
  flavor?: string;
}

/**
 * The model a push sends: `modelPath` if given (an artifact path in the run folder, or a file or folder on
 * disk), else the run's one logged model. A folder becomes its files with relative `/` paths; a link, or
 * anything that is not a regular file, is refused rather than followed (it could lead anywhere).
 */
export function chooseModel(store: Store, paths: LineagePaths, runId: string, modelPath?: string): ModelChoice {
  const run = getRun(store, runId);
  const dir = runDir(paths, run.id);
  const models = run.artifacts.filter((a) => a.kind === 'model');
  if (modelPath === undefined) {
    if (models.length === 0)
      throw new RegistryUsageError(`run ${run.name} (${run.id}) logged no model (lineage.log_model); give the model file or folder with --model PATH`);
    if (models.length > 1)
      throw new RegistryUsageError(`run ${run.name} logged ${models.length} models (${models.map((m) => m.path).join(', ')}); choose one with --model PATH`);
    const m = models[0];
    const f = inspectRunFile(dir, m.path);
    if (f.state !== 'file' && f.state !== 'dir')
      throw new RegistryUsageError(`the run's model ${m.path} cannot be pushed: ${'note' in f ? f.note : 'it is missing from the run folder'}`);
    return { path: m.path, abs: f.abs, flavor: m.flavor ?? undefined, ...collect(f.abs, m.path) };
  }
  const logged = models.find((m) => m.path === relativeInside(modelPath));
  if (logged) {
    const f = inspectRunFile(dir, logged.path);
    if (f.state === 'file' || f.state === 'dir') return { path: logged.path, abs: f.abs, flavor: logged.flavor ?? undefined, ...collect(f.abs, logged.path) };
  }
  const abs = path.resolve(paths.workspace, modelPath);
  if (!fs.existsSync(abs)) throw new RegistryUsageError(`--model ${modelPath}: no such file or folder (nor a model the run logged)`);
  return { path: modelPath, abs, ...collect(abs, modelPath) };
}

function collect(abs: string, shown: string): { files: ModelFile[]; bytes: number } {
  const st = fs.lstatSync(abs);
  if (st.isSymbolicLink()) throw new RegistryUsageError(`${shown} is a symbolic link; push the file or folder it points to instead`);
  if (st.isFile()) return { files: [{ path: path.basename(abs), absPath: abs, size: st.size }], bytes: st.size };
  if (!st.isDirectory()) throw new RegistryUsageError(`${shown} is not a regular file or folder`);
  const files: ModelFile[] = [];
  const walk = (dir: string, rel: string) => {
    for (const ent of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      const p = path.join(dir, ent.name);
      if (relativeInside(r) !== r) throw new RegistryUsageError(`${shown}: the file name ${JSON.stringify(r)} cannot travel in a model`);
      if (ent.isSymbolicLink()) throw new RegistryUsageError(`${shown}/${r} is a symbolic link; a model is pushed from regular files only (copy it in)`);
      if (ent.isDirectory()) walk(p, r);
      else if (ent.isFile()) files.push({ path: r, absPath: p, size: fs.statSync(p).size });
      else throw new RegistryUsageError(`${shown}/${r} is not a regular file`);
    }
  };
  walk(abs, '');
  if (!files.length) throw new RegistryUsageError(`${shown} is an empty folder; there is no model to push`);
  return { files, bytes: files.reduce((s, f) => s + f.size, 0) };
}
