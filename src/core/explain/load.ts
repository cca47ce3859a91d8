/**
 * Reading an explanation folder (docs/explanations-format.md): the manifest, then each array it lists, checked
 * for its byte length and CRC-32 before use, so a torn or damaged file is refused with a message rather than
 * drawn as wrong numbers. Paths come from a run folder that may have been copied in from anyone: the name is
 * checked, every file is a bare name inside the explanation's folder, and no link is followed out of the run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspectRunFile } from '../runs/runPaths';
import { crc32 } from '../util/crc32';
import { ExplainError } from './explainError';
import { EXPLANATION_NAME, parseManifest } from './manifest';
import type { ArrayRef, ExplanationManifest } from './types';

export { ExplainError } from './explainError';

export interface ExplanationData {
  manifest: ExplanationManifest;
  /** rows × features, row-major. */
  values: Float64Array;
  /** rows × features, row-major: the inputs as the panel shows them (categorical: codes into `categories`). */
  data: Float64Array;
  base: Float64Array;
  output: Float64Array;
  stderr: Float64Array | null;
  target: Float64Array | null;
  /** k × g × r: slab k is the ICE curves of partial_dependence entry with ice_index k. */
  ice: Float64Array | null;
  background: Float64Array | null;
  /** One weight per background row, summing to 1 (Kernel SHAP's k-means rows); absent: uniform. */
  backgroundWeights?: Float64Array | null;
}

/** The folder of explanation `name` in a run folder; the name is checked so the path cannot leave it. */
export function explanationDir(runDir: string, name: string): string {
  return path.join(runDir, 'explanations', checkName(name));
}

function checkName(name: string): string {
  if (typeof name !== 'string' || !EXPLANATION_NAME.test(name))
    throw new ExplainError(`"${String(name).slice(0, 80)}" is not an explanation name: use 1 to 64 letters, digits, "_", "." or "-", not starting with ".".`);
  return name;
}

function relPath(name: string, file: string): string {
  return `explanations/${name}/${file}`;
}

/** The validated manifest of explanation `name`, without reading its arrays. */
export async function readManifest(runDir: string, name: string): Promise<ExplanationManifest> {
  return (await readManifestWithStamp(runDir, name)).manifest;
}

async function readManifestWithStamp(runDir: string, name: string): Promise<{ manifest: ExplanationManifest; abs: string; stamp: string }> {
  checkName(name);
  const rel = relPath(name, 'explanation.json');
  const abs = fileInRun(runDir, rel, name);
  let text: string;
  let stamp: string;
  try {
    const fh = await fs.promises.open(abs, 'r');
    try {
      const st = await fh.stat();
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
      text = await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new ExplainError(`Could not read ${rel} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the run folder's permissions.`);
  }
  const manifest = parseManifest(text, rel);
  return { manifest, abs, stamp };
}

/** The absolute path of a file of the explanation, refused unless it is a regular file inside the run folder. */
function fileInRun(runDir: string, rel: string, name: string): string {
  const f = inspectRunFile(runDir, rel);
  switch (f.state) {
    case 'file':
      return f.abs;
    case 'missing':
      if (rel.endsWith('/explanation.json'))
        throw new ExplainError(
          `The run has no explanation "${name}" (${rel} is missing). Call lineage.explain(model, X${name === 'default' ? '' : `, name="${name}"`}) in the training script and run it again.`,
        );
      throw new ExplainError(`${rel} is missing; the explanation is incomplete. Re-run the script that wrote it.`);
    case 'dir':
      throw new ExplainError(`${rel} is a folder, not a file; re-run the script that wrote the explanation.`);
    case 'refused':
    case 'link':
    case 'special':
      throw new ExplainError(`${rel} was not read: ${f.note}.`);
  }
}

interface CacheEntry {
  stamp: string;
  data: ExplanationData;
}

/** A few explanations stay in memory (10,000 × 50 is ~8 MB): switching runs in a panel and back costs no reads. */
const CACHE_MAX = 4;
const cache = new Map<string, CacheEntry>();

/** Forgets what was read (tests, and a panel that wants a fresh read after a re-run). */
export function clearExplanationCache(): void {
  cache.clear();
}

/**
 * The manifest and every array of explanation `name`, each checked against the manifest's byte length and
 * CRC-32; float32 files are widened. Kept per (folder, manifest mtime + size + inode): a re-run that rewrites
 * the manifest is read again.
 */
export async function loadExplanation(runDir: string, name: string): Promise<ExplanationData> {
  const { manifest, abs, stamp } = await readManifestWithStamp(runDir, name);
  const hit = cache.get(abs);
  if (hit && hit.stamp === stamp) {
    cache.delete(abs);
    cache.set(abs, hit);
    return hit.data;
  }
  const read = async (key: string): Promise<Float64Array | null> => {
    const ref = manifest.arrays[key];
    return ref ? readArray(runDir, name, ref) : null;
  };
  const [values, data, base, output, stderr, target, ice, background, backgroundWeights] = await Promise.all(
    ['values', 'data', 'base', 'output', 'stderr', 'target', 'ice', 'background', 'background_weights'].map(read),
  );
  const out: ExplanationData = { manifest, values: values!, data: data!, base: base!, output: output!, stderr, target, ice, background, backgroundWeights };
  cache.delete(abs);
  cache.set(abs, { stamp, data: out });
  while (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
  return out;
}

async function readArray(runDir: string, name: string, ref: ArrayRef): Promise<Float64Array> {
  const rel = relPath(name, ref.file);
  const abs = fileInRun(runDir, rel, name);
  const damaged = (why: string) =>
    new ExplainError(
      `${rel} ${why}: the file is torn or damaged. Re-run the script that wrote the explanation (then \`lineage db rebuild\` if the index still lists it).`,
    );
  // Read into a buffer of our own: typed-array views need it aligned, which a pooled Buffer may not be.
  const buf = new ArrayBuffer(ref.bytes);
  const bytes = new Uint8Array(buf);
  const fh = await fs.promises.open(abs, 'r');
  try {
    const size = (await fh.stat()).size;
    if (size !== ref.bytes) throw damaged(`has ${size} bytes where the manifest says ${ref.bytes}`);
    let got = 0;
    while (got < ref.bytes) {
      const { bytesRead } = await fh.read(bytes, got, ref.bytes - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got !== ref.bytes) throw damaged(`ended after ${got} of ${ref.bytes} bytes`);
  } finally {
    await fh.close();
  }
  const crc = crc32(bytes);
  if (crc !== ref.crc32) throw damaged(`has checksum ${crc} where the manifest says ${ref.crc32}`);
  if (BIG_ENDIAN) swapBytes(bytes, ref.dtype === 'float64' ? 8 : 4);
  return ref.dtype === 'float64' ? new Float64Array(buf) : Float64Array.from(new Float32Array(buf));
}

const BIG_ENDIAN = os.endianness() === 'BE';

/** The files are little-endian; a big-endian host reverses each item in place. */
function swapBytes(b: Uint8Array, width: number): void {
  for (let i = 0; i + width <= b.length; i += width) b.subarray(i, i + width).reverse();
}
