/**
 * Sorting the kept values of a numeric column, faster than Float64Array.prototype.sort (≈140 ms per million
 * doubles on Node 20): a counting sort when the values are integers in a small range, otherwise an LSD radix
 * sort over the IEEE-754 bit patterns (six passes of 11/11/10 bits over each 32-bit half, passes in which every
 * value has the same digit skipped). Both give the order of the native sort (-0 just before 0).
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Sorts a[0, n) ascending in place. `integers`: every value is an integer (lets a counting sort be used). */
export function sortNumbers(a: Float64Array, n: number, min: number, max: number, integers: boolean): void {
  if (n < 2048 || !LITTLE_ENDIAN) {
    a.subarray(0, n).sort();
    return;
  }
  const range = max - min;
  if (integers && range <= 2 * n + 65536 && range < 1 << 25 && Number.isSafeInteger(min) && Number.isSafeInteger(max)) {
    countingSort(a, n, min, range);
    return;
  }
  radixSort(a, n);
}

function countingSort(a: Float64Array, n: number, min: number, range: number): void {
  const counts = new Int32Array(range + 1);
  for (let i = 0; i < n; i++) counts[a[i] - min]++;
  let o = 0;
  for (let v = 0; v <= range; v++) {
    const c = counts[v];
    if (c === 0) continue;
    const x = v + min;
    for (let k = 0; k < c; k++) a[o++] = x;
  }
}

const SHIFTS = [0, 11, 22];
const BITS = [11, 11, 10];
const RADIX = 1 << 11;

function radixSort(a: Float64Array, n: number): void {
  let src: Uint32Array = new Uint32Array(a.buffer, a.byteOffset, n * 2);
  // map doubles to unsigned keys that order like the values: negative → all bits flipped, else sign bit set
  for (let i = 0; i < n; i++) {
    const hi = src[2 * i + 1];
    if (hi & 0x80000000) {
      src[2 * i + 1] = ~hi;
      src[2 * i] = ~src[2 * i];
    } else {
      src[2 * i + 1] = hi | 0x80000000;
    }
  }
  // all six digit histograms in one pass
  const hist = new Int32Array(6 * RADIX);
  for (let i = 0; i < n; i++) {
    const lo = src[2 * i];
    const hi = src[2 * i + 1];
    hist[lo & 0x7ff]++;
    hist[RADIX + ((lo >>> 11) & 0x7ff)]++;
    hist[2 * RADIX + (lo >>> 22)]++;
    hist[3 * RADIX + (hi & 0x7ff)]++;
    hist[4 * RADIX + ((hi >>> 11) & 0x7ff)]++;
    hist[5 * RADIX + (hi >>> 22)]++;
  }
  const original = src;
  let dst: Uint32Array = new Uint32Array(n * 2);
  for (let pass = 0; pass < 6; pass++) {
    const base = pass * RADIX;
    const word = pass < 3 ? 0 : 1;
    const shift = SHIFTS[pass % 3];
    const mask = (1 << BITS[pass % 3]) - 1;
    // skip a pass whose digit is the same for every value
    let trivial = false;
    for (let d = 0; d < RADIX; d++) {
      const c = hist[base + d];
      if (c === n) trivial = true;
      if (c !== 0) break;
    }
    if (trivial) continue;
    // exclusive prefix sums → start offsets
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = hist[base + d];
      hist[base + d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const lo = src[2 * i];
      const hi = src[2 * i + 1];
      const d = ((word === 0 ? lo : hi) >>> shift) & mask;
      const o = 2 * hist[base + d]++;
      dst[o] = lo;
      dst[o + 1] = hi;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== original) original.set(src);
  // back to doubles
  for (let i = 0; i < n; i++) {
    const hi = original[2 * i + 1];
    if (hi & 0x80000000) {
      original[2 * i + 1] = hi & 0x7fffffff;
    } else {
      original[2 * i + 1] = ~hi;
      original[2 * i] = ~original[2 * i];
    }
  }
}
