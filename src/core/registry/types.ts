/**
 * The one interface every registry client implements (OCI in ./oci, MLflow in ./mlflow), so the push, pull,
 * promote and history code above them (./push.ts, ./promote.ts, the CLI, the extension) never asks which
 * kind it talks to. Clients use Node's own fetch and streams; they never read a whole model file into memory.
 * Secrets arrive as `Credentials` and never leave the client: not in errors, results, logs or history.
 */

export type RegistryKind = 'oci' | 'mlflow';

/** A registry as the user configured it (settings or .lineage/config.json): no secrets here, ever. */
export interface RegistryConfig {
  name: string;
  kind: RegistryKind;
  /** oci: `https://host[:port]` (or `http://` for a local registry without TLS); mlflow: the tracking URI. */
  url: string;
  /** PEM bundle of extra certificate authorities to trust for this registry. */
  caFile?: string;
}

export interface Credentials {
  username?: string;
  password?: string;
  /** A bearer token (OCI registry token, MLFLOW_TRACKING_TOKEN). */
  token?: string;
}

/** Where a model goes: an OCI repository and tag, or an MLflow registered model (and an alias to set). */
export type RegistryTarget =
  | { kind: 'oci'; url: string; repository: string; tag: string }
  | { kind: 'mlflow'; url: string; modelName: string; alias?: string; experiment?: string; version?: string };

/** One file of the model, by its path inside the model (forward slashes, no `..`). */
export interface ModelFile {
  path: string;
  absPath: string;
  size: number;
  /** Filled by the client while it streams the file, if not known already. */
  sha256?: string;
}

/** What travels with every push: enough to answer "which code and data made this model". */
export interface LineageSummary {
  runId: string;
  runName: string;
  experiment?: string;
  command?: string;
  gitCommit?: string;
  gitBranch?: string;
  gitDirty?: boolean;
  startedAt?: number;
  endedAt?: number;
  params: Record<string, unknown>;
  /** Final value of each metric (null when its last value was not finite). */
  metrics: Record<string, number | null>;
  /** Every metric point, for MLflow mirroring only (OCI carries the finals). */
  metricSeries?: Array<{ key: string; value: number; step: number; timestamp: number }>;
  datasets: Array<{ path: string; role: string; sha256: string | null }>;
  python?: { version?: string; executable?: string; packages: Record<string, string> };
  explanation?: { name: string; method: string; top: Array<{ feature: string; meanAbs: number }> };
  /** Model flavour as the SDK recorded it (e.g. `sklearn`), used for MLflow's MLmodel file. */
  flavor?: string;
}

export interface TransferProgress {
  bytesDone: number;
  bytesTotal: number;
  /** The file being sent, when there is one. */
  file?: string;
}

export interface PushRequest {
  target: RegistryTarget;
  files: ModelFile[];
  lineage: LineageSummary;
  credentials?: Credentials;
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
  /** Where the client may keep what it needs to resume an interrupted push (upload offsets). */
  stateDir?: string;
  /**
   * Where the client may keep what it learns across pushes and keeps after this one succeeds (OCI: file digests
   * by path/size/mtime, so a later push can skip blobs without re-reading big files; repositories pushed to, for
   * cross-repository mounts). Defaults to `stateDir`. No secrets.
   */
  cacheDir?: string;
}

export interface PushResult {
  kind: RegistryKind;
  /** The reference the user can pull with, e.g. `oci://host:5000/models/house@sha256:…` or `mlflow://host/house/3`. */
  reference: string;
  /** oci: the manifest digest. */
  digest?: string;
  /** mlflow: the registered model version. */
  version?: string;
  /** A page the user can open in a browser, when the registry has one. */
  webUrl?: string;
  bytesSent: number;
  /** Bytes the registry already had (skipped by HEAD or mount). */
  bytesSkipped: number;
}

export interface PullResult {
  files: Array<{ path: string; size: number; sha256: string }>;
  /** The lineage metadata that travelled with the model, when present. */
  lineage?: LineageSummary;
}

export interface RegistryClient {
  readonly kind: RegistryKind;
  push(req: PushRequest): Promise<PushResult>;
  /** Restores the model's files under `destDir` and verifies every digest. */
  pull(
    target: RegistryTarget,
    destDir: string,
    opts?: { credentials?: Credentials; signal?: AbortSignal; onProgress?: (p: TransferProgress) => void },
  ): Promise<PullResult>;
  /** Points `alias` (an OCI tag, an MLflow alias) at `ref` (a manifest digest or a model version). */
  setAlias(target: RegistryTarget, alias: string, ref: string, credentials?: Credentials): Promise<void>;
  /** What `alias` points at now (digest or version), or undefined when unset. */
  getAlias(target: RegistryTarget, alias: string, credentials?: Credentials): Promise<string | undefined>;
}

/** Why a registry call failed, in words a user can act on. `hint` says what to do next. Never holds a secret. */
export type RegistryErrorKind =
  | 'auth' // wrong or missing credentials
  | 'permission' // authenticated but not allowed
  | 'not-found'
  | 'full' // storage full / quota
  | 'tls' // unknown CA, bad certificate
  | 'unreachable' // connection refused, DNS, timeout
  | 'protocol' // the server answered something we do not understand
  | 'cancelled';

export class RegistryError extends Error {
  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    readonly hint: string,
    readonly status?: number,
  ) {
    super(message);
  }
}
