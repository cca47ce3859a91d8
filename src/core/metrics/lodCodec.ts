/**
 * A coarse copy of each metric chunk, so the Compare panel can draw hundreds of long series without reading
 * them. Reading is what costs: sql.js copies a blob out of its heap byte by byte (~2.5 ns a byte), so 100
 * runs × 100,000 points (~12 bytes a point) take ~0.4 s before anything is reduced. This copy keeps, for every
 * LOD_POINTS consecutive points, what the chart's min/max/last reduction needs — the smallest and largest
 * value (rounded outward to float32, like the chart's band), the last non-NaN value and where the last point
 * sits on the step and time axes — in ~1.25 bytes a point instead of ~12. A chart bucket then merges whole
 * LOD buckets, so a spike is never lost; it may sit at most LOD_POINTS - 1 points from where a full read
 * would put it, far below a pixel whenever a chart bucket spans several LOD buckets (compareData.ts decides).
 *
 * Layout (little-endian, 8-byte aligned so typed-array views can be used on a fresh copy):
 *   0 u8 version · 1 u8 flags · 2 u16 LOD_POINTS · 4 u32 buckets · 8 u32 points · 12 u32 reserved
 *   16 f64 first step · 24 f64 step stride (STEPS_ARITH) · 32 f64 first timestamp (NaN: none)
 *   40 f64[buckets] last non-NaN value (NaN: none)
 *      f64[buckets] step of the bucket's last point        (unless STEPS_ARITH)
 *      f64[buckets] ms timestamp of its last point          (when TS_ALL and not TS_I32)
 *      f32[buckets] min · f32[buckets] max                  (NaN when the bucket holds only NaN)
 *      i32[buckets] ms offset of its last point from the first timestamp (when TS_I32)
 */
import { bucketBand, type BucketBand } from './float32';
import type { SeriesPoints } from './chunkCodec';

export const LOD_POINTS = 16;

const VERSION = 1;
const HEADER = 40;
/** Where the flags byte sits, for readers that ask SQLite for it alone. */
export const FLAGS_OFFSET = 1;
/** Steps never go down inside the chunk. */
export const STEPS_SORTED = 1;
/** Steps are exactly first + i·stride. */
export const STEPS_ARITH = 2;
/** Every point has a timestamp and they never go down, so the time axes can use the buckets. */
export const TS_ALL = 4;
/** Timestamps are kept as exact int32 offsets from the first. */
const TS_I32 = 8;

export interface LodChunk {
  flags: number;
  /** Points the chunk holds (the last bucket may hold fewer than LOD_POINTS). */
  points: number;
  buckets: number;
  firstStep: number;
  firstTs: number;
  last: Float64Array;
  min: Float32Array;
  max: Float32Array;
  /** Step of each bucket's last point. */
  stepAt(b: number): number;
  /** Timestamp (ms) of each bucket's last point; only meaningful with TS_ALL. */
  tsAt(b: number): number;
}

export function encodeLod(p: SeriesPoints, from = 0, to = p.values.length): Uint8Array {
  const n = to - from;
  const nb = Math.ceil(n / LOD_POINTS);
  const steps = p.steps;
  const ts = p.ts;
  const values = p.values;

  let flags = STEPS_SORTED | STEPS_ARITH;
  const stride = n > 1 ? steps[from + 1] - steps[from] : 1;
  for (let i = from + 1; i < to; i++) {
    if (steps[i] < steps[i - 1]) flags &= ~STEPS_SORTED;
    if (steps[i] !== steps[from] + (i - from) * stride) flags &= ~STEPS_ARITH;
  }
  if (!(flags & STEPS_SORTED)) flags &= ~STEPS_ARITH;
  const firstTs = n > 0 ? ts[from] : NaN;
  let tsAll = n > 0;
  let tsI32 = true;
  for (let i = from; i < to && tsAll; i++) {
    const t = ts[i];
    if (t !== t || (i > from && t < ts[i - 1])) tsAll = false;
    else {
      const d = t - firstTs;
      if ((d | 0) !== d || firstTs + d !== t) tsI32 = false;
    }
  }
  if (tsAll) flags |= TS_ALL | (tsI32 ? TS_I32 : 0);

  const stepBytes = flags & STEPS_ARITH ? 0 : 8 * nb;
  const tsF64Bytes = tsAll && !tsI32 ? 8 * nb : 0;
  const tsI32Bytes = tsAll && tsI32 ? 4 * nb : 0;
  const buf = new ArrayBuffer(HEADER + 8 * nb + stepBytes + tsF64Bytes + 8 * nb + tsI32Bytes);
  const dv = new DataView(buf);
  dv.setUint8(0, VERSION);
  dv.setUint8(FLAGS_OFFSET, flags);
  dv.setUint16(2, LOD_POINTS, true);
  dv.setUint32(4, nb, true);
  dv.setUint32(8, n, true);
  dv.setFloat64(16, n > 0 ? steps[from] : 0, true);
  dv.setFloat64(24, stride, true);
  dv.setFloat64(32, tsAll ? firstTs : NaN, true);
  let o = HEADER;
  const lastOff = o;
  o += 8 * nb;
  const stepOff = o;
  o += stepBytes;
  const tsOff = o;
  o += tsF64Bytes;
  const minOff = o;
  const maxOff = o + 4 * nb;
  o += 8 * nb;
  const offOff = o;
  const band: BucketBand = { min: NaN, max: NaN, last: NaN };
  for (let b = 0; b < nb; b++) {
    const i0 = from + b * LOD_POINTS;
    const i1 = Math.min(to, i0 + LOD_POINTS);
    bucketBand(values, i0, i1, band);
    dv.setFloat64(lastOff + 8 * b, band.last, true);
    if (stepBytes) dv.setFloat64(stepOff + 8 * b, steps[i1 - 1], true);
    if (tsF64Bytes) dv.setFloat64(tsOff + 8 * b, ts[i1 - 1], true);
    if (tsI32Bytes) dv.setInt32(offOff + 4 * b, ts[i1 - 1] - firstTs, true);
    dv.setFloat32(minOff + 4 * b, band.min, true);
    dv.setFloat32(maxOff + 4 * b, band.max, true);
  }
  return new Uint8Array(buf);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function decodeLod(bytes: Uint8Array): LodChunk {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint8(0) !== VERSION) throw new Error(`metric LOD version ${dv.getUint8(0)} is not supported`);
  const flags = dv.getUint8(FLAGS_OFFSET);
  const per = dv.getUint16(2, true);
  const nb = dv.getUint32(4, true);
  const points = dv.getUint32(8, true);
  const firstStep = dv.getFloat64(16, true);
  const stride = dv.getFloat64(24, true);
  const firstTs = dv.getFloat64(32, true);
  const arith = (flags & STEPS_ARITH) !== 0;
  const tsAll = (flags & TS_ALL) !== 0;
  const tsI32 = (flags & TS_I32) !== 0;
  let o = HEADER;
  const last = f64s(bytes, dv, o, nb);
  o += 8 * nb;
  const steps = arith ? null : f64s(bytes, dv, o, nb);
  o += arith ? 0 : 8 * nb;
  const tsMs = tsAll && !tsI32 ? f64s(bytes, dv, o, nb) : null;
  o += tsMs ? 8 * nb : 0;
  const min = f32s(bytes, dv, o, nb);
  const max = f32s(bytes, dv, o + 4 * nb, nb);
  o += 8 * nb;
  const tsOff = tsAll && tsI32 ? i32s(bytes, dv, o, nb) : null;
  return {
    flags,
    points,
    buckets: nb,
    firstStep,
    firstTs,
    last,
    min,
    max,
    stepAt: steps ? (b) => steps[b] : (b) => firstStep + (Math.min(points, (b + 1) * per) - 1) * stride,
    tsAt: tsOff ? (b) => firstTs + tsOff[b] : tsMs ? (b) => tsMs[b] : () => NaN,
  };
}

// Views when the bytes are aligned (a blob fresh from sql.js starts at offset 0); copies otherwise.
type Typed = Float64Array | Float32Array | Int32Array;
interface TypedCtor<T extends Typed> {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  new (length: number): T;
  BYTES_PER_ELEMENT: number;
}

function view<T extends Typed>(Ctor: TypedCtor<T>, read: (dv: DataView, at: number) => number, bytes: Uint8Array, dv: DataView, at: number, n: number): T {
  const size = Ctor.BYTES_PER_ELEMENT;
  const o = bytes.byteOffset + at;
  if (LITTLE_ENDIAN && o % size === 0) return new Ctor(bytes.buffer, o, n);
  const out = new Ctor(n);
  for (let i = 0; i < n; i++) out[i] = read(dv, at + size * i);
  return out;
}

const f64s = (bytes: Uint8Array, dv: DataView, at: number, n: number) => view(Float64Array, (d, o) => d.getFloat64(o, true), bytes, dv, at, n);
const f32s = (bytes: Uint8Array, dv: DataView, at: number, n: number) => view(Float32Array, (d, o) => d.getFloat32(o, true), bytes, dv, at, n);
const i32s = (bytes: Uint8Array, dv: DataView, at: number, n: number) => view(Int32Array, (d, o) => d.getInt32(o, true), bytes, dv, at, n);
