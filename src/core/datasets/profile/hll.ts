/** HyperLogLog (2^14 registers, ~0.8 % standard error) over 32-bit hashes, for distinct counts past the cap. */

const P = 14;
const M = 1 << P;

export class HyperLogLog {
  private readonly reg = new Uint8Array(M);

  /** h: a well-mixed 32-bit hash. */
  add(h: number): void {
    const idx = h >>> (32 - P);
    const w = (h << P) | (1 << (P - 1)); // guard bit so the rank never exceeds 32 - P + 1
    const rank = Math.clz32(w) + 1;
    if (rank > this.reg[idx]) this.reg[idx] = rank;
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < M; i++) {
      const r = this.reg[i];
      sum += 1 / 2 ** r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / M);
    let e = (alpha * M * M) / sum;
    if (e <= 2.5 * M && zeros > 0) e = M * Math.log(M / zeros); // linear counting for small cardinalities
    return Math.round(e);
  }
}

/** MurmurHash3's 32-bit finaliser. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);

/** Hash of a double by its value (0 and -0 alike). */
export function hashNumber(x: number): number {
  f64[0] = x === 0 ? 0 : x;
  return fmix32(i32[0] ^ Math.imul(i32[1], 0x9e3779b1));
}
