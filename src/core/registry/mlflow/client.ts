/**
 * The MLflow RegistryClient. A push is, in order: the run mirrored (mirrorRun.ts), an MLflow 3 logged model
 * created PENDING and linked to the run, the model's files streamed through the artifact proxy with a
 * generated MLmodel and a `lineage.json` manifest (every file's size and sha256, and the lineage), the logged
 * model marked READY, and only then the registered model version created and the alias moved. So a cancel or
 * a crash never leaves a version or an alias pointing at a model whose files are not all there.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as fs from 'node:fs';
import {
  RegistryError,
  type Credentials,
  type LineageSummary,
  type PullResult,
  type PushRequest,
  type PushResult,
  type RegistryClient,
  type RegistryConfig,
  type RegistryTarget,
  type TransferProgress,
} from '../types';
import { downloadFile, listedDestination, listTree, proxiedPath, uploadBuffer, uploadFile } from './artifacts';
import { tagValue, type KeyValue } from './batches';
import { MlflowHttp, MlflowHttpError } from './http';
import { RUN_ID_TAG, describeLineage, mlflowUser, runParams } from './lineageTags';
import { mirrorRun } from './mirrorRun';
import { mlmodelFiles } from './mlmodel';
import {
  createLoggedModel,
  createModelVersion,
  ensureRegisteredModel,
  finalizeLoggedModel,
  getAliasVersion,
  getLoggedModel,
  getDownloadUri,
  latestVersion,
  linkModelToRun,
  setAlias,
  setLoggedModelTags,
  type LoggedModelInfo,
} from './modelRegistry';
import { ensureExperiment, getRun } from './tracking';
import { MlflowPushState } from './pushState';

/** Written next to the model files: what `pull` verifies, and the lineage that travelled with the model. */
export const MANIFEST_FILE = 'lineage.json';

interface Manifest {
  schema: 1;
  lineage: LineageSummary;
  files: Array<{ path: string; size: number; sha256: string }>;
}

type MlflowTarget = Extract<RegistryTarget, { kind: 'mlflow' }>;

function mlflowTarget(t: RegistryTarget): MlflowTarget {
  if (t.kind !== 'mlflow')
    throw new RegistryError('protocol', `An MLflow registry cannot take an ${t.kind} target.`, 'Use an mlflow://HOST[:PORT]/MODEL reference.');
  return t;
}

/** `mlflow://host:port/name/version` (or `mlflow+https://…`): what `lineage pull` takes back. */
export function mlflowReference(base: string, name: string, version: string): string {
  const u = new URL(base);
  const scheme = u.protocol === 'https:' ? 'mlflow+https' : 'mlflow';
  return `${scheme}://${u.host}${u.pathname.replace(/\/+$/, '')}/${encodeURIComponent(name)}/${version}`;
}

export function createMlflowClient(config: RegistryConfig): RegistryClient {
  const connect = (t: MlflowTarget, credentials?: Credentials, signal?: AbortSignal) => new MlflowHttp(t.url || config.url, credentials, signal, config.caFile);

  async function push(req: PushRequest): Promise<PushResult> {
    const target = mlflowTarget(req.target);
    const http = connect(target, req.credentials, req.signal);
    const l = req.lineage;
    const experimentId = await ensureExperiment(http, target.experiment ?? l.experiment ?? 'Default');
    const mirrored = await mirrorRun(http, { experimentId, lineage: l, status: 'FINISHED' });
    const runId = mirrored.run.run_id;

    const modelTags: KeyValue[] = [
      { key: RUN_ID_TAG, value: l.runId },
      { key: 'mlflow.source.name', value: tagValue(l.command ?? 'lineage') },
      { key: 'mlflow.source.type', value: 'LOCAL' },
      { key: 'mlflow.user', value: mlflowUser() },
    ];
    if (l.gitCommit) modelTags.push({ key: 'mlflow.source.git.commit', value: l.gitCommit });
    // A push re-run after a crash fills the logged model the earlier attempt left PENDING, where its files are.
    const resume = new MlflowPushState(req.stateDir);
    const earlier = resume.earlier(http.base, runId);
    let model: LoggedModelInfo | undefined;
    let created = false;
    if (earlier?.modelId) {
      const found = await getLoggedModel(http, earlier.modelId);
      if (found?.status === 'LOGGED_MODEL_PENDING' && found.artifact_uri === earlier.artifactUri) model = found;
    }
    if (!model) {
      try {
        model = await createLoggedModel(http, { experimentId, name: 'model', runId, params: runParams(l), tags: modelTags });
        created = true;
      } catch (err) {
        if (!(err instanceof MlflowHttpError && err.status === 404)) throw err;
      }
    }
    // An MLflow 2.x server has no logged models (404): the files go under the run's artifacts, as `model/`,
    // and the version's source is runs:/<run id>/model, as mlflow 2's log_model did.
    const modelId = model?.model_id ?? randomBytes(16).toString('hex');
    const artifactUri = model ? model.artifact_uri : `${mirrored.run.artifact_uri ?? (await getRun(http, runId)).info.artifact_uri}/model`;
    if (model && created) await linkModelToRun(http, runId, model.model_id);
    resume.begin(http.base, runId, model?.model_id, artifactUri);
    const dir = proxiedPath(artifactUri);

    const total = req.files.reduce((n, f) => n + f.size, 0);
    const progress = { done: 0, total, report: req.onProgress };
    // What an earlier attempt recorded counts only if the server still lists it at its size (and the local file is unchanged).
    const listed = resume.hasUploads() ? new Map((await listTree(http, dir)).map((f) => [f.path, f.size])) : undefined;
    let skipped = 0;
    for (const f of req.files) {
      if (req.signal?.aborted) throw new RegistryError('cancelled', 'The push was cancelled.', 'Push again to finish; no version was registered.');
      const mtimeMs = fs.statSync(f.absPath).mtimeMs;
      const before = resume.uploaded(f.path);
      if (before && before.size === f.size && before.mtimeMs === mtimeMs && listed?.get(f.path) === f.size && (!f.sha256 || f.sha256 === before.sha256)) {
        f.sha256 = before.sha256;
        skipped += f.size;
        progress.done += f.size;
        progress.report?.({ bytesDone: progress.done, bytesTotal: total, file: f.path });
        continue;
      }
      await uploadFile(http, dir, f, progress);
      resume.recordUpload(f.path, { size: f.size, mtimeMs, sha256: f.sha256 as string });
    }
    const manifestFiles = req.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 as string }));
    let extraBytes = 0;
    if (!req.files.some((f) => f.path === 'MLmodel')) {
      const meta = mlmodelFiles({ lineage: l, files: req.files, runId, modelId, artifactUri });
      for (const m of meta.files) {
        if (req.files.some((f) => f.path === m.path)) continue;
        await uploadBuffer(http, dir, m.path, m.content);
        extraBytes += m.content.length;
        manifestFiles.push({ path: m.path, size: m.content.length, sha256: sha256(m.content) });
      }
    }
    const manifest: Manifest = { schema: 1, lineage: l, files: manifestFiles };
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2));
    await uploadBuffer(http, dir, MANIFEST_FILE, manifestBytes);
    if (model) await finalizeLoggedModel(http, model.model_id);

    const description = describeLineage(l);
    await ensureRegisteredModel(http, target.modelName, 'Registered by Lineage.', [{ key: 'lineage.managed', value: 'true' }]);
    const versionTags: KeyValue[] = [
      { key: RUN_ID_TAG, value: l.runId },
      { key: 'lineage.files', value: tagValue(JSON.stringify(manifestFiles.map((f) => [f.path, f.size, f.sha256]))) },
    ];
    if (l.gitCommit) versionTags.push({ key: 'lineage.git.commit', value: l.gitCommit });
    if (l.gitDirty !== undefined) versionTags.push({ key: 'lineage.git.dirty', value: String(l.gitDirty) });
    const source = model ? `models:/${model.model_id}` : `runs:/${runId}/model`;
    const mv = await createModelVersion(http, { name: target.modelName, source, modelId: model?.model_id, runId, tags: versionTags, description });
    if (model)
      await setLoggedModelTags(http, model.model_id, [
        { key: 'mlflow.modelVersions', value: JSON.stringify([{ name: target.modelName, version: mv.version }]) },
      ]);
    if (target.alias) await setAlias(http, target.modelName, target.alias, mv.version);
    return {
      kind: 'mlflow',
      reference: mlflowReference(http.base, target.modelName, mv.version),
      version: mv.version,
      webUrl: `${http.base}/#/models/${encodeURIComponent(target.modelName)}/versions/${mv.version}`,
      bytesSent: total - skipped + extraBytes + manifestBytes.length,
      bytesSkipped: skipped,
    };
  }

  async function pull(
    t: RegistryTarget,
    destDir: string,
    opts?: { credentials?: Credentials; signal?: AbortSignal; onProgress?: (p: TransferProgress) => void },
  ): Promise<PullResult> {
    const target = mlflowTarget(t);
    const http = connect(target, opts?.credentials, opts?.signal);
    let version = target.version;
    if (!version && target.alias) {
      version = (await getAliasVersion(http, target.modelName, target.alias))?.version;
      if (!version)
        throw new RegistryError('not-found', `"${target.modelName}" has no alias "${target.alias}".`, 'Check the alias name, or pull a version number.');
    }
    if (!version) version = await latestVersion(http, target.modelName);
    if (!version)
      throw new RegistryError('not-found', `"${target.modelName}" has no versions on ${http.host}.`, 'Check the model name, or push a version first.');
    const dir = proxiedPath(await getDownloadUri(http, target.modelName, version));
    const listed = await listTree(http, dir);
    for (const f of listed) listedDestination(destDir, f.path); // every name checked before the first byte is written
    const total = listed.reduce((n, f) => n + (f.size ?? 0), 0);
    let done = 0;
    await fs.promises.mkdir(destDir, { recursive: true });
    const got: PullResult['files'] = [];
    const partials: Array<{ partial: string; dest: string }> = [];
    try {
      for (const f of listed) {
        if (opts?.signal?.aborted) throw new RegistryError('cancelled', 'The pull was cancelled.', 'Pull again to finish.');
        const r = await downloadFile(http, dir, f.path, destDir, (n) => {
          done += n;
          opts?.onProgress?.({ bytesDone: done, bytesTotal: total, file: f.path });
        });
        partials.push(r);
        if (f.size !== undefined && r.size !== f.size)
          throw new RegistryError(
            'protocol',
            `${f.path} arrived with ${r.size} bytes, not the ${f.size} the server listed.`,
            'Pull again; if it persists, the artifact store is damaged.',
          );
        got.push({ path: f.path, size: r.size, sha256: r.sha256 });
      }
      let lineage: LineageSummary | undefined;
      const manifestPath = partials.find((p) => p.dest === path.join(destDir, MANIFEST_FILE))?.partial ?? path.join(destDir, MANIFEST_FILE);
      if (got.some((f) => f.path === MANIFEST_FILE)) {
        let manifest: Manifest | undefined;
        try {
          manifest = JSON.parse(await fs.promises.readFile(manifestPath, 'utf8')) as Manifest;
        } catch {
          throw new RegistryError(
            'protocol',
            `${MANIFEST_FILE} of "${target.modelName}" version ${version} is not valid JSON.`,
            'The model version was altered on the server; push it again.',
          );
        }
        lineage = manifest.lineage;
        for (const want of manifest.files ?? []) {
          const have = got.find((g) => g.path === want.path);
          if (!have)
            throw new RegistryError(
              'protocol',
              `${want.path} is missing from "${target.modelName}" version ${version}.`,
              'The model is incomplete on the server; push it again.',
            );
          if (have.size !== want.size || have.sha256 !== want.sha256)
            throw new RegistryError(
              'protocol',
              `${want.path} does not match the sha256 recorded when it was pushed.`,
              'The file was altered or damaged on the server; push the model again.',
            );
        }
      }
      // Every file checked: only now do they take their real names.
      for (const p of partials) await fs.promises.rename(p.partial, p.dest);
      partials.length = 0;
      return { files: got, lineage };
    } finally {
      for (const p of partials) fs.rmSync(p.partial, { force: true });
    }
  }

  return {
    kind: 'mlflow',
    push,
    pull,
    async setAlias(t, alias, ref, credentials) {
      const target = mlflowTarget(t);
      await setAlias(connect(target, credentials), target.modelName, alias, ref);
    },
    async getAlias(t, alias, credentials) {
      const target = mlflowTarget(t);
      return (await getAliasVersion(connect(target, credentials), target.modelName, alias))?.version;
    },
  };
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
