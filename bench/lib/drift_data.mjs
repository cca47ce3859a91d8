/**
 * The two tables bench/drift_scale.mjs compares: a reference and a current CSV of N rows × 20 columns, seeded
 * (mulberry32), written once per size and seed and reused. 14 numeric columns (some with ties, some with missing
 * values as empty fields, one at 1e12 scale), 4 categorical, 2 binary 0/1. The current table has the same
 * distributions except for SHIFTED (what a drift report should find), a higher share of missing values in n08,
 * and a category the reference never had in c01.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

// Bumped whenever the generator changes, so files from an older generator are not reused.
const VERSION = 1;

export const SHIFTED = ['n00', 'n03', 'n06', 'n10', 'c01', 'b01'];

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(u) {
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** A category from cumulative shares. */
function pick(u, names, cdf) {
  const x = u();
  for (let i = 0; i < cdf.length; i++) if (x < cdf[i]) return names[i];
  return names[names.length - 1];
}

function cdfOf(weights) {
  const total = weights.reduce((s, w) => s + w, 0);
  let acc = 0;
  return weights.map((w) => (acc += w / total));
}

const C00 = Array.from({ length: 10 }, (_, i) => `region_${i}`);
const C01 = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
const C02 = Array.from({ length: 50 }, (_, i) => `sku-${String(i).padStart(3, '0')}`);
const C03 = ['low', 'mid', 'high'];

/** The 20 columns: for each, a function of (u, z, shifted) giving the CSV field. */
function columns(u, z) {
  const fix = (x, d) => x.toFixed(d);
  const missing = (share, f) => (s) => (u() < share ? '' : f(s));
  return {
    n00: (s) => fix(z() + (s ? 0.25 : 0), 6),
    n01: () => fix(100 + 15 * z(), 4),
    n02: () => fix(Math.exp(0.5 * z()), 6),
    n03: (s) => fix(50 + 10 * (s ? 1.5 : 1) * z(), 4),
    n04: () => fix(u(), 6),
    n05: () => String(Math.floor(u() * 7) + Math.floor(u() * 7) + Math.floor(u() * 7)), // 0..18, ties
    n06: (s) => String(18 + Math.floor(u() * u() * 73) + (s ? 6 : 0)), // ages, ties
    n07: missing(0.05, () => fix(20 + 5 * z(), 1)), // one decimal: ties, and 5 % missing
    n08: (s) => (u() < (s ? 0.35 : 0.2) ? '' : fix(3 * z(), 5)),
    n09: () => fix(-Math.log(1 - u()), 6),
    n10: (s) => String(Math.round((Math.exp(12 + 0.4 * z()) * (s ? 1.1 : 1)) / 100) * 100), // prices in hundreds
    n11: () => String(Math.floor(u() * 4) + Math.floor(u() * 4) + Math.floor(u() * 4)), // 0..9, heavy ties
    n12: () => fix(1e12 * (1 + 0.01 * z()), 0),
    n13: () => fix(u() < 0.5 ? -5 + z() : 5 + z(), 5),
    c00: () => pick(u, C00, cdfOf(C00.map(() => 1))),
    c01: (s) => (s ? pick(u, C01, cdfOf([30, 30, 15, 10, 10, 5])) : pick(u, C01, cdfOf([40, 25, 15, 12, 8, 0]))),
    c02: () => pick(u, C02, cdfOf(C02.map((_, i) => 1 / (i + 1)))),
    c03: missing(0.02, () => pick(u, C03, cdfOf([5, 3, 2]))),
    b00: () => (u() < 0.3 ? '1' : '0'),
    b01: (s) => (u() < (s ? 0.7 : 0.5) ? '1' : '0'),
  };
}

function writeTable(file, rows, seed, shifted) {
  const u = mulberry32(seed);
  const cols = columns(u, normal(u));
  const names = Object.keys(cols);
  const fns = names.map((n) => cols[n]);
  const shift = names.map((n) => shifted && SHIFTED.concat('n08').includes(n));
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  fs.writeSync(fd, names.join(',') + '\n');
  const CHUNK = 20_000;
  for (let start = 0; start < rows; start += CHUNK) {
    let text = '';
    for (let r = start; r < Math.min(rows, start + CHUNK); r++) {
      let line = fns[0](shift[0]);
      for (let c = 1; c < fns.length; c++) line += ',' + fns[c](shift[c]);
      text += line + '\n';
    }
    fs.writeSync(fd, text);
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

/** The reference and current files for this size and seed, generated unless already there. */
export function ensureTables(dir, rows, seed) {
  fs.mkdirSync(dir, { recursive: true });
  const ref = path.join(dir, `ref-${rows}-s${seed}-v${VERSION}.csv`);
  const cur = path.join(dir, `cur-${rows}-s${seed}-v${VERSION}.csv`);
  const made = [];
  for (const [file, fileSeed, shifted] of [
    [ref, seed, false],
    [cur, seed + 1, true],
  ]) {
    if (fs.existsSync(file)) continue;
    writeTable(file, rows, fileSeed, shifted);
    made.push(file);
  }
  return { ref, cur, made };
}
