import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { LineageSummary } from '../types';

/**
 * What a pushed model looks like in the registry: an OCI image manifest (v1.1) in the CNCF ModelPack format —
 * artifactType `application/vnd.cncf.model.manifest.v1+json`, a ModelPack config, one `.raw` layer per model
 * file with ORAS's `org.opencontainers.image.title` (so `oras pull` restores the files) and ModelPack's
 * `org.cncf.model.filepath`, plus one JSON layer of Lineage's own type holding the whole LineageSummary.
 * The manifest's annotations carry a small summary of the lineage, readable without fetching any blob.
 */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MODEL_ARTIFACT = 'application/vnd.cncf.model.manifest.v1+json';
export const MODEL_CONFIG = 'application/vnd.cncf.model.config.v1+json';
export const LINEAGE_LAYER = 'application/vnd.lineage.run.v1+json';
export const LINEAGE_TITLE = 'lineage-run.json';
export const TITLE = 'org.opencontainers.image.title';
export const FILEPATH = 'org.cncf.model.filepath';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export type LayerKind = 'weight' | 'weight.config' | 'doc' | 'code' | 'dataset';

const DOC = new Set(['.md', '.txt', '.rst', '.pdf', '.html']);
const CODE = new Set(['.py', '.ipynb', '.sh', '.r', '.jl', '.js', '.ts', '.scala', '.java', '.cpp', '.c', '.go', '.rs']);
const CONFIG = new Set(['.json', '.yaml', '.yml', '.toml', '.cfg', '.ini']);
const DATA = new Set(['.csv', '.tsv', '.parquet', '.jsonl', '.arrow']);
const WEIGHT_FORMATS: Record<string, string> = {
  '.safetensors': 'safetensors',
  '.onnx': 'onnx',
  '.gguf': 'gguf',
  '.pkl': 'pickle',
  '.pickle': 'pickle',
  '.joblib': 'joblib',
  '.pt': 'pytorch',
  '.pth': 'pytorch',
  '.bin': 'binary',
  '.h5': 'keras',
  '.keras': 'keras',
  '.pb': 'tensorflow',
  '.tflite': 'tflite',
  '.cbm': 'catboost',
  '.ubj': 'xgboost',
};

/** The ModelPack layer kind of a model file, from its name (weights unless it is clearly docs, code or config). */
export function layerKind(filePath: string): LayerKind {
  const base = path.posix.basename(filePath).toLowerCase();
  const ext = path.posix.extname(base);
  if (/^(readme|license|licence|notice|changelog|model_card|modelcard)(\.|$)/.test(base) || DOC.has(ext)) return 'doc';
  if (CODE.has(ext)) return 'code';
  if (base === 'mlmodel' || CONFIG.has(ext)) return 'weight.config';
  if (DATA.has(ext)) return 'dataset';
  return 'weight';
}

export const layerMediaType = (kind: LayerKind) => `application/vnd.cncf.model.${kind}.v1.raw`;

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
}

export interface PushedFile {
  path: string;
  digest: string;
  size: number;
}

/** ModelPack's config: the model's descriptor and, as diffIds, the digests of its (uncompressed) layers. */
export function modelConfig(opts: { name: string; version: string; lineage: LineageSummary; files: PushedFile[]; createdAt: string }): Buffer {
  const formats = [...new Set(opts.files.map((f) => WEIGHT_FORMATS[path.posix.extname(f.path).toLowerCase()]).filter(Boolean))];
  const config = {
    descriptor: {
      createdAt: opts.createdAt,
      name: opts.name,
      version: opts.version,
      ...(opts.lineage.gitCommit ? { revision: opts.lineage.gitCommit } : {}),
      title: opts.lineage.runName,
      description: `Trained by Lineage run ${opts.lineage.runId}${opts.lineage.experiment ? ` (experiment ${opts.lineage.experiment})` : ''}`,
    },
    config: {
      ...(formats.length ? { format: formats.join('+') } : {}),
      ...(opts.lineage.flavor ? { framework: opts.lineage.flavor } : {}),
    },
    modelfs: { type: 'layers', diffIds: opts.files.map((f) => f.digest) },
  };
  return Buffer.from(JSON.stringify(config));
}

/** Keeps an annotation value small: registries and UIs show them whole; the full data is in the lineage layer. */
function compactJson(value: unknown, max: number): string {
  const s = JSON.stringify(value);
  if (s.length <= max) return s;
  // Drop entries from the end until it fits, marking that it was cut.
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    while (entries.length) {
      entries.pop();
      const t = JSON.stringify({ ...Object.fromEntries(entries), '…': 'see the lineage layer' });
      if (t.length <= max) return t;
    }
  }
  return JSON.stringify({ '…': 'see the lineage layer' });
}

export function manifestAnnotations(lineage: LineageSummary, createdAt: string): Record<string, string> {
  const a: Record<string, string> = {
    'org.opencontainers.image.created': createdAt,
    'dev.lineage.run-id': lineage.runId,
    'dev.lineage.run-name': lineage.runName,
  };
  if (lineage.gitCommit) a['org.opencontainers.image.revision'] = lineage.gitCommit;
  if (lineage.gitBranch) a['dev.lineage.git-branch'] = lineage.gitBranch;
  if (lineage.gitDirty !== undefined) a['dev.lineage.git-dirty'] = String(lineage.gitDirty);
  if (lineage.experiment) a['dev.lineage.experiment'] = lineage.experiment;
  a['dev.lineage.params'] = compactJson(lineage.params, 1024);
  a['dev.lineage.metrics'] = compactJson(lineage.metrics, 1024);
  const datasets = Object.fromEntries(lineage.datasets.map((d) => [d.path, d.sha256 ? `sha256:${d.sha256.replace(/^sha256:/, '')}` : null]));
  a['dev.lineage.datasets'] = compactJson(datasets, 2048);
  return a;
}

export function fileLayer(f: PushedFile): Descriptor {
  return { mediaType: layerMediaType(layerKind(f.path)), digest: f.digest, size: f.size, annotations: { [TITLE]: f.path, [FILEPATH]: f.path } };
}

export function buildManifest(config: Descriptor, layers: Descriptor[], annotations: Record<string, string>): Buffer {
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: MODEL_ARTIFACT, config, layers, annotations };
  return Buffer.from(JSON.stringify(manifest));
}

/** The title under which the lineage layer is stored (renamed if a model file already uses it). */
export function lineageTitle(files: Array<{ path: string }>, runId: string): string {
  return files.some((f) => f.path === LINEAGE_TITLE) ? `lineage-run.${runId}.json` : LINEAGE_TITLE;
}
