/**
 * Model files through MLflow's artifact proxy: each file streamed from disk (hashed on the way, never held
 * in memory) with a PUT, and back with a listing walk and GETs streamed to disk (hashed on the way too).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RegistryError, type ModelFile, type TransferProgress } from '../types';
import { safeDestination } from '../oci/pull';
import type { MlflowHttp } from './http';

/** `mlflow-artifacts:/3/models/m-…/artifacts` → `3/models/m-…/artifacts`; other schemes are not proxied. */
export function proxiedPath(artifactUri: string): string {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(artifactUri);
  if (!m)
    throw new RegistryError(
      'protocol',
      `The server stores artifacts at "${artifactUri.replace(/\/\/[^/@]*@/, '//')}", which Lineage cannot reach through it.`,
      'Start the MLflow server with --serve-artifacts (the default in MLflow 3) so artifacts go through its proxy.',
    );
  return m[1].replace(/\/+$/, '');
}

function hashing(onChunk: (n: number) => void): { stream: Transform; digest: () => string } {
  const h = createHash('sha256');
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      onChunk(chunk.length);
      cb(null, chunk);
    },
  });
  return { stream, digest: () => h.digest('hex') };
}

/**
 * One file, streamed and hashed. MLflow's artifact proxy has no resumable uploads, so a connection cut
 * mid-file sends that file again from its start (up to 3 tries, with backoff); the progress steps back by
 * what the lost attempt had counted.
 */
export async function uploadFile(
  http: MlflowHttp,
  dirPath: string,
  file: ModelFile,
  progress: { done: number; total: number; report?: (p: TransferProgress) => void },
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    let sent = 0;
    const h = hashing((n) => {
      sent += n;
      progress.done += n;
      progress.report?.({ bytesDone: progress.done, bytesTotal: progress.total, file: file.path });
    });
    const source = fs.createReadStream(file.absPath);
    const body = source.pipe(h.stream);
    source.on('error', (err) => h.stream.destroy(err));
    try {
      await http.putArtifact(`${dirPath}/${file.path}`, body, file.size, `upload ${file.path}`);
    } catch (err) {
      source.destroy();
      if (!(err instanceof RegistryError && err.kind === 'unreachable' && attempt < 2 && !/ECONNREFUSED|ENOTFOUND/.test(err.message))) throw err;
      progress.done -= sent;
      await new Promise((r) => setTimeout(r, 300 * 2 ** attempt));
      continue;
    }
    const digest = h.digest();
    if (file.sha256 && file.sha256 !== digest)
      throw new RegistryError(
        'protocol',
        `${file.path} changed while it was being pushed (its sha256 differs from the one recorded).`,
        'Push again once the file is settled.',
      );
    file.sha256 = digest;
    return;
  }
}

export async function uploadBuffer(http: MlflowHttp, dirPath: string, rel: string, content: Buffer): Promise<void> {
  await http.putArtifact(`${dirPath}/${rel}`, content, content.length, `upload ${rel}`);
}

/** Every file under `dirPath` (recursively), with sizes when the server gives them. */
export async function listTree(http: MlflowHttp, dirPath: string): Promise<Array<{ path: string; size?: number }>> {
  const out: Array<{ path: string; size?: number }> = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await http.listArtifacts(rel ? `${dirPath}/${rel}` : dirPath, 'list the model files');
    for (const e of entries) {
      // The proxy answers paths relative to the folder listed.
      const name = e.path.split('/').pop() as string;
      const child = rel ? `${rel}/${name}` : name;
      if (e.is_dir) await walk(child);
      else out.push({ path: child, size: e.file_size });
    }
  };
  await walk('');
  return out;
}

/** Where a listed file goes under destDir, or a refusal (the OCI pull's rule: no `..`, absolute path, backslash or drive letter). */
export function listedDestination(destDir: string, rel: string): string {
  try {
    return safeDestination(destDir, rel);
  } catch {
    throw new RegistryError(
      'protocol',
      `The server listed a file with an unsafe path: ${rel.slice(0, 200)}`,
      'Check the model version on the server; Lineage will not write outside the destination folder.',
    );
  }
}

/**
 * One file streamed to `<dest>.lineage-partial` beside its destination (the OCI pull's rule): the caller
 * renames it into place only once every check has passed, so a refused or cut pull never leaves bytes that
 * look like the model.
 */
export async function downloadFile(
  http: MlflowHttp,
  dirPath: string,
  rel: string,
  destDir: string,
  onBytes: (n: number) => void,
): Promise<{ size: number; sha256: string; dest: string; partial: string }> {
  const dest = listedDestination(destDir, rel);
  await fs.promises.mkdir(path.dirname(dest), { recursive: true });
  const body = await http.getArtifact(`${dirPath}/${rel}`, `download ${rel}`);
  const partial = `${dest}.lineage-partial`;
  let size = 0;
  const h = hashing((n) => {
    size += n;
    onBytes(n);
  });
  try {
    await pipeline(body, h.stream, fs.createWriteStream(partial));
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  }
  return { size, sha256: h.digest(), dest, partial };
}
