/**
 * Counts occurrences of byte strings (cell values) without making a JS string per cell: an open-addressing
 * table keyed by a MurmurHash3-style hash of the bytes; per entry the hash, the length and the first eight
 * bytes are kept inline (so short keys compare without touching the key text), the key text in one growing
 * arena. Exact up to `cap` distinct keys (and `arenaCap` bytes of key text); past that no new keys are added
 * (occurrences of keys not held are not counted), held keys keep counting, and the number of distinct values
 * is estimated with HyperLogLog.
 */
import { HyperLogLog, fmix32 } from './hll';

/** Int32 fields per entry in `meta`: hash, length, bytes 0–3, bytes 4–7, arena offset. */
const STRIDE = 5;

export class ByteCounter {
  private slots = new Int32Array(64); // entry index + 1; 0 = empty
  private meta = new Int32Array(32 * STRIDE);
  private counts = new Float64Array(32);
  private arena = Buffer.allocUnsafe(4096);
  private arenaLen = 0;
  size = 0;
  capped = false;
  private hll: HyperLogLog | null = null;

  constructor(
    private readonly cap: number,
    private readonly arenaCap: number,
  ) {}

  add(buf: Uint8Array, s: number, e: number): void {
    const len = e - s;
    let h = 0x2f9be6cc;
    let w0 = 0;
    let w1 = 0;
    let i = s;
    const end4 = s + (len & ~3);
    for (; i < end4; i += 4) {
      const w = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
      if (i === s) w0 = w;
      else if (i === s + 4) w1 = w;
      let k = Math.imul(w, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h ^= k;
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    if (i < e) {
      let w = 0;
      for (let sh = 0; i < e; i++, sh += 8) w |= buf[i] << sh;
      if (len < 4) w0 = w;
      else if (len < 8) w1 = w;
      let k = Math.imul(w, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h ^= k;
    }
    h = fmix32(h ^ len);
    const slots = this.slots;
    const meta = this.meta;
    const mask = slots.length - 1;
    let idx = h & mask;
    for (;;) {
      const slot = slots[idx];
      if (slot === 0) break;
      const m = (slot - 1) * STRIDE;
      if (meta[m] === h && meta[m + 1] === len && meta[m + 2] === w0 && meta[m + 3] === w1 && (len <= 8 || this.sameTail(meta[m + 4], buf, s, len))) {
        this.counts[slot - 1]++; // (once capped, every held key is already in the HyperLogLog)
        return;
      }
      idx = (idx + 1) & mask;
    }
    if (this.capped) {
      this.hll!.add(h);
      return;
    }
    if (this.size >= this.cap || this.arenaLen + len > this.arenaCap) {
      this.startCapping();
      this.hll!.add(h);
      return;
    }
    this.insert(h, w0, w1, buf, s, len, idx);
  }

  /** Bytes 8.. of a held key (at arena offset o) against buf[s + 8, s + len). */
  private sameTail(o: number, buf: Uint8Array, s: number, len: number): boolean {
    const arena = this.arena;
    for (let i = 8; i < len; i++) if (arena[o + i] !== buf[s + i]) return false;
    return true;
  }

  private insert(h: number, w0: number, w1: number, buf: Uint8Array, s: number, len: number, idx: number): void {
    const ent = this.size;
    if (ent === this.counts.length) {
      const meta = new Int32Array(this.meta.length * 2);
      meta.set(this.meta);
      this.meta = meta;
      const c = new Float64Array(ent * 2);
      c.set(this.counts);
      this.counts = c;
    }
    if (this.arenaLen + len > this.arena.length) {
      const a = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaLen + len));
      this.arena.copy(a, 0, 0, this.arenaLen);
      this.arena = a;
    }
    for (let i = 0; i < len; i++) this.arena[this.arenaLen + i] = buf[s + i];
    const m = ent * STRIDE;
    this.meta[m] = h;
    this.meta[m + 1] = len;
    this.meta[m + 2] = w0;
    this.meta[m + 3] = w1;
    this.meta[m + 4] = this.arenaLen;
    this.counts[ent] = 1;
    this.arenaLen += len;
    this.size++;
    this.slots[idx] = ent + 1;
    if (this.size * 2 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let ent = 0; ent < this.size; ent++) {
      let idx = this.meta[ent * STRIDE] & mask;
      while (slots[idx] !== 0) idx = (idx + 1) & mask;
      slots[idx] = ent + 1;
    }
    this.slots = slots;
  }

  private startCapping(): void {
    this.capped = true;
    this.hll = new HyperLogLog();
    for (let ent = 0; ent < this.size; ent++) this.hll.add(this.meta[ent * STRIDE]);
  }

  /** Exact number of distinct keys, or the HyperLogLog estimate once capped (never below the keys held). */
  distinct(): number {
    return this.hll === null ? this.size : Math.max(this.size, this.hll.estimate());
  }

  /** The k most frequent keys, ties broken by value (ascending, by UTF-16 code units). */
  top(k: number): Array<{ value: string; count: number }> {
    const idx: number[] = [];
    for (let i = 0; i < this.size; i++) idx.push(i);
    // Sort by count first; decode only the keys that can make the cut.
    idx.sort((x, y) => this.counts[y] - this.counts[x]);
    let cut = Math.min(k, idx.length);
    if (cut > 0) {
      const last = this.counts[idx[cut - 1]];
      while (cut < idx.length && this.counts[idx[cut]] === last) cut++;
    }
    const out = idx.slice(0, cut).map((i) => ({ value: this.key(i), count: this.counts[i] }));
    out.sort((p, q) => q.count - p.count || (p.value < q.value ? -1 : p.value > q.value ? 1 : 0));
    return out.slice(0, k);
  }

  key(ent: number): string {
    const o = this.meta[ent * STRIDE + 4];
    return this.arena.toString('utf8', o, o + this.meta[ent * STRIDE + 1]);
  }
}
