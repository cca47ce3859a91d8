/**
 * What an MLflow push keeps in its state folder (`.lineage/registry/state/<key>/mlflow-push-state.json`) so a
 * push re-run after a crash sends only what is missing: the MLflow run and logged model it was filling, and
 * every model file the server acknowledged (size, mtime and sha256). MLflow's artifact proxy cannot resume a
 * file halfway, but whole files need not go twice. No credentials are written here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../../util/fsx';

export interface UploadedFile {
  size: number;
  mtimeMs: number;
  sha256: string;
}

interface StateFile {
  schema: 1;
  server: string;
  runId: string;
  /** Absent on an MLflow 2.x server, where the files go under the run's artifacts. */
  modelId?: string;
  artifactUri: string;
  files: Record<string, UploadedFile>;
}

const FILE = 'mlflow-push-state.json';

export class MlflowPushState {
  private readonly file: string | undefined;
  private data: StateFile | undefined;

  constructor(stateDir: string | undefined) {
    this.file = stateDir ? path.join(stateDir, FILE) : undefined;
    try {
      const s = this.file ? (JSON.parse(fs.readFileSync(this.file, 'utf8')) as StateFile) : undefined;
      if (s && s.schema === 1 && typeof s.files === 'object' && s.files) this.data = s;
    } catch {
      // Missing or damaged: the push starts over, which costs only bytes.
    }
  }

  /** The logged model (or run folder) an earlier attempt on this server and MLflow run was filling. */
  earlier(server: string, runId: string): { modelId?: string; artifactUri: string } | undefined {
    const d = this.data;
    return d && d.server === server && d.runId === runId ? { modelId: d.modelId, artifactUri: d.artifactUri } : undefined;
  }

  /** A destination to fill; the files recorded for another destination are forgotten. */
  begin(server: string, runId: string, modelId: string | undefined, artifactUri: string): void {
    const d = this.data;
    if (d && d.server === server && d.runId === runId && d.modelId === modelId && d.artifactUri === artifactUri) return;
    this.data = { schema: 1, server, runId, modelId, artifactUri, files: {} };
    this.save();
  }

  uploaded(rel: string): UploadedFile | undefined {
    return this.data?.files[rel];
  }

  hasUploads(): boolean {
    return Object.keys(this.data?.files ?? {}).length > 0;
  }

  /** Saved after every file, so a kill -9 loses at most the file under way. */
  recordUpload(rel: string, f: UploadedFile): void {
    if (!this.data) return;
    this.data.files[rel] = f;
    this.save();
  }

  private save(): void {
    if (!this.file || !this.data) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    writeFileAtomicSync(this.file, JSON.stringify(this.data, null, 1));
  }
}
