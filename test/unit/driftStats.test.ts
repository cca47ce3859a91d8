import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  chiSquareDrift,
  histogramShares,
  jensenShannon,
  ks2samp,
  proportionZTest,
  psi,
  quantileBinEdges,
  sharesOver,
  wasserstein,
} from '../../src/core/drift/stats';
import { chi2Sf, normalSf } from '../../src/core/drift/chi2';
import { kstwoSf, smirnovSf } from '../../src/core/drift/ksDistribution';
import { mulberry32 } from '../../bench/lib/measure';

// __dirname is dist-test/unit once bundled. scipy.json is written by test/fixtures/drift/make_fixtures.py
// with Debian's scipy 1.10.1; numbers it cannot put in JSON (NaN, ±Infinity) are strings.
const FIX = path.resolve(__dirname, '../../test/fixtures/drift/scipy.json');

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
type Gen =
  | { kind: 'normal'; seed: number; n: number; loc: number; scale: number }
  | { kind: 'int'; seed: number; n: number; lo: number; hi: number }
  | { kind: 'const'; n: number; value: number };
interface KsCase {
  name: string;
  statistic: Num;
  pvalue: Num;
  method: 'exact' | 'asymp';
  branch: string;
  wasserstein: Num;
  edges: Num[];
  refShares: Num[];
  curShares: Num[];
  jensenshannon: Num;
  quantileEdges: Num[];
  psi: Num;
  a?: Num[];
  b?: Num[];
  genA?: Gen;
  genB?: Gen;
  checksumA?: Num;
  checksumB?: Num;
}
interface Fixtures {
  scipy: string;
  generatorCheck: { seed: number; uniforms: number[]; normal: number[] };
  ks: KsCase[];
  kstwo: { n: number; x: number; sf: Num; branch: string }[];
  smirnov: { n: number; x: number; sf: Num }[];
  chi2: { x: number; df: number; sf: Num }[];
  norm: { z: number; sf: Num }[];
  categorical: {
    name: string;
    ref: Record<string, number>;
    cur: Record<string, number>;
    statistic: Num;
    pvalue: Num;
    dof: number;
    refShares: Num[];
    curShares: Num[];
    jensenshannon: Num;
    psi: Num;
  }[];
  ztest: { name: string; refPositive: number; refTotal: number; curPositive: number; curTotal: number; statistic: Num; pvalue: Num; evidentlyPvalue: Num }[];
}

const fx = JSON.parse(fs.readFileSync(FIX, 'utf8')) as Fixtures;

function num(v: Num): number {
  return typeof v === 'number' ? v : Number(v);
}

/** The largest relative error seen per family, printed at the end so the accuracy reached is on record. */
const worst = new Map<string, number>();
after(() => {
  const rows = [...worst].map(([k, v]) => `${k}: ${v.toExponential(2)}`);
  console.log(`max relative error against scipy ${fx.scipy} — ${rows.join('; ')}`);
});

/**
 * |actual − expected| ≤ tol·|expected|, or both below 1e-300 (scipy's p-values there are underflow noise); NaN
 * and ±Infinity must match exactly.
 */
function close(family: string, actual: number | null, expectedRaw: Num, label: string, tol = 1e-9): void {
  const expected = num(expectedRaw);
  if (!Number.isFinite(expected)) {
    if (Number.isNaN(expected)) assert.ok(actual === null || Number.isNaN(actual), `${label}: expected NaN/null, got ${actual}`);
    else assert.equal(actual, expected, label);
    return;
  }
  assert.ok(actual !== null && Number.isFinite(actual), `${label}: expected ${expected}, got ${actual}`);
  if (Math.abs(expected) < 1e-300 && Math.abs(actual) < 1e-300) return;
  const rel = expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
  worst.set(family, Math.max(worst.get(family) ?? 0, rel));
  assert.ok(rel <= tol, `${label}: ${actual} vs scipy ${expected} (relative error ${rel.toExponential(2)})`);
}

/** The fixture script's generator: mulberry32 uniforms; normal = loc + scale·(Σ₁₂ u − 6). Only + − × ÷, so the same bits as Python. */
function generate(g: Gen): Float64Array {
  const out = new Float64Array(g.n);
  if (g.kind === 'const') return out.fill(g.value);
  const rnd = mulberry32(g.seed);
  for (let i = 0; i < g.n; i++) {
    if (g.kind === 'normal') {
      let s = 0;
      for (let k = 0; k < 12; k++) s += rnd();
      out[i] = g.loc + g.scale * (s - 6.0);
    } else {
      out[i] = g.lo + Math.floor(rnd() * (g.hi - g.lo + 1));
    }
  }
  return out;
}

function sorted(values: Num[] | Float64Array): Float64Array {
  const a = Float64Array.from(values as ArrayLike<number>, (v) => num(v as Num)).filter((v) => !Number.isNaN(v));
  return a.sort();
}

function samples(c: KsCase): [Float64Array, Float64Array] {
  if (c.a && c.b) return [sorted(c.a), sorted(c.b)];
  return [sorted(generate(c.genA!)), sorted(generate(c.genB!))];
}

function sum(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

test('the fixture generator replays bit for bit in TypeScript', () => {
  const g = fx.generatorCheck;
  const rnd = mulberry32(g.seed);
  assert.deepEqual(
    g.uniforms.map(() => rnd()),
    g.uniforms,
  );
  assert.deepEqual([...generate({ kind: 'normal', seed: g.seed, n: 5, loc: 0, scale: 1 })], g.normal);
  for (const c of fx.ks.filter((k) => k.genA)) {
    const [a, b] = samples(c);
    // the same left-to-right sum on both sides, so equality means the same values
    assert.equal(sum(a), num(c.checksumA!), `${c.name}: Σa`);
    assert.equal(sum(b), num(c.checksumB!), `${c.name}: Σb`);
  }
});

for (const c of fx.ks) {
  test(`ks2samp, wasserstein, JS and PSI equal scipy's: ${c.name}`, () => {
    const [a, b] = samples(c);
    const ks = ks2samp(a, b);
    assert.equal(ks.method, c.method, `${c.name}: method`);
    close('ks statistic', ks.statistic, c.statistic, `${c.name}: D`, 1e-12);
    close(`ks p-value (${c.method === 'exact' ? 'exact' : c.branch})`, ks.pValue, c.pvalue, `${c.name}: p`);
    close('wasserstein', wasserstein(a, b), c.wasserstein, `${c.name}: wasserstein`, 1e-12);

    const h = histogramShares(a, b);
    assert.deepEqual([...h.edges], c.edges.map(num), `${c.name}: the 30 bin edges are np.histogram_bin_edges' bit for bit`);
    assert.deepEqual([...h.ref], c.refShares.map(num), `${c.name}: reference shares`);
    assert.deepEqual([...h.cur], c.curShares.map(num), `${c.name}: current shares`);
    close('jensenshannon (numerical)', jensenShannon(h.ref, h.cur), c.jensenshannon, `${c.name}: JS`, 1e-12);

    const q = quantileBinEdges(a);
    assert.deepEqual([...q], c.quantileEdges.map(num), `${c.name}: PSI quantile edges`);
    close('psi (numerical)', psi(sharesOver(a, q), sharesOver(b, q)), c.psi, `${c.name}: PSI`, 1e-12);
  });
}

test('NaN: the caller drops it (scipy on the dropped data is the reference; scipy on raw NaN compares with NaN)', () => {
  const c = fx.ks.find((k) => k.name.startsWith('NaN'))!;
  assert.ok(c.a!.includes('NaN') && c.b!.includes('NaN'), 'the fixture really holds NaN');
  const [a, b] = samples(c); // samples() drops NaN, as callers must
  close('ks statistic', ks2samp(a, b).statistic, c.statistic, 'NaN dropped: D', 1e-12);
  assert.notEqual(num((c as KsCase & { scipyWithNaN: Num }).scipyWithNaN), num(c.statistic), 'scipy on raw NaN gives another D, which is why callers drop it');
});

test('the Kolmogorov distribution (kstwo.sf) equals scipy on a grid reaching every algorithm', () => {
  const branches = new Set<string>();
  for (const k of fx.kstwo) {
    branches.add(k.branch);
    close(`kstwo.sf ${k.branch}`, kstwoSf(k.x, k.n), k.sf, `kstwo.sf(${k.x}, ${k.n}) [${k.branch}]`);
  }
  for (const b of [
    'support',
    'ruben-gambino-low',
    'ruben-gambino-high',
    'smirnov-half',
    'durbin-small-n',
    'pomeranz',
    'smirnov-small-n',
    'zero',
    'smirnov',
    'durbin',
    'pelz-good',
  ])
    assert.ok(branches.has(b), `grid reaches ${b}`);
});

test('smirnov (one-sided) equals scipy.special.smirnov', () => {
  for (const s of fx.smirnov) close('smirnov', smirnovSf(s.n, s.x), s.sf, `smirnov(${s.n}, ${s.x})`);
});

test('chi2.sf and norm.sf equal scipy, tails included', () => {
  for (const c of fx.chi2) close('chi2.sf', chi2Sf(c.x, c.df), c.sf, `chi2.sf(${c.x}, ${c.df})`);
  for (const n of fx.norm) close('norm.sf', normalSf(n.z), n.sf, `norm.sf(${n.z})`);
});

for (const c of fx.categorical) {
  test(`categorical drift equals scipy's: ${c.name}`, () => {
    const ref = new Map(Object.entries(c.ref));
    const cur = new Map(Object.entries(c.cur));
    const r = chiSquareDrift(ref, cur);
    assert.equal(r.dof, c.dof);
    close('chisquare statistic', r.statistic, c.statistic, `${c.name}: χ²`, 1e-12);
    close('chisquare p-value', r.pValue, c.pvalue, `${c.name}: p`);
    const keys = [...new Set([...ref.keys(), ...cur.keys()])].sort();
    const rs = Float64Array.from(keys, (k) => (ref.get(k) ?? 0) / sum(Float64Array.from(ref.values())));
    const cs = Float64Array.from(keys, (k) => (cur.get(k) ?? 0) / sum(Float64Array.from(cur.values())));
    assert.deepEqual([...rs], c.refShares.map(num));
    close('jensenshannon (categorical)', jensenShannon(rs, cs), c.jensenshannon, `${c.name}: JS`, 1e-12);
    close('psi (categorical)', psi(rs, cs), c.psi, `${c.name}: PSI`, 1e-12);
  });
}

test('a category never seen in training makes χ² infinite and p = 0 (Evidently reports drift)', () => {
  const r = chiSquareDrift(
    new Map([['a', 5]]),
    new Map([
      ['a', 5],
      ['new', 1],
    ]),
  );
  assert.equal(r.statistic, Infinity);
  assert.equal(r.pValue, 0);
});

test('two-proportion z-test equals scipy (2·norm.sf(|z|)) and Evidently where Evidently does not round to 0', () => {
  for (const z of fx.ztest) {
    const r = proportionZTest(z.refPositive, z.refTotal, z.curPositive, z.curTotal);
    close('z statistic', r.statistic, z.statistic, `${z.name}: z`, 1e-12);
    close('z p-value', r.pValue, z.pvalue, `${z.name}: p`);
    if (num(z.evidentlyPvalue) > 1e-6) close('z p-value vs Evidently', r.pValue, z.evidentlyPvalue, `${z.name}: Evidently's p`, 1e-9);
  }
  assert.deepEqual(proportionZTest(0, 10, 0, 20), { statistic: 0, pValue: 1 }, 'one shared value: Evidently says p = 1');
});

test('bad input never throws: empty samples give NaN and null', () => {
  const empty = new Float64Array(0);
  const one = new Float64Array([1]);
  assert.deepEqual(ks2samp(empty, one), { statistic: NaN, pValue: null, method: 'asymp' });
  assert.ok(Number.isNaN(wasserstein(one, empty)));
  assert.equal(histogramShares(empty, empty).edges.length, 0);
  assert.ok(Number.isNaN(psi(new Float64Array(0), new Float64Array(0))));
  assert.ok(Number.isNaN(jensenShannon(new Float64Array([1]), new Float64Array([0.5, 0.5]))));
  assert.equal(chiSquareDrift(new Map(), new Map()).pValue, null);
  assert.equal(chiSquareDrift(new Map([['a', 3]]), new Map()).pValue, null);
  assert.equal(proportionZTest(0, 0, 1, 1).pValue, null);
  assert.deepEqual([...quantileBinEdges(new Float64Array([2, 2, 2]))], [-Infinity, Infinity]);
});

test('1,000,000 vs 1,000,000 rows: ks2samp + wasserstein + histogramShares complete', () => {
  const a = generate({ kind: 'normal', seed: 1, n: 1_000_000, loc: 0, scale: 1 }).sort();
  const b = generate({ kind: 'normal', seed: 2, n: 1_000_000, loc: 0.001, scale: 1 }).sort();
  const t0 = performance.now();
  const ks = ks2samp(a, b);
  const t1 = performance.now();
  const w = wasserstein(a, b);
  const t2 = performance.now();
  const h = histogramShares(a, b);
  const t3 = performance.now();
  console.log(
    `1e6 vs 1e6 (sorted): ks2samp ${(t1 - t0).toFixed(0)} ms (D=${ks.statistic.toFixed(5)}, p=${ks.pValue?.toPrecision(4)}, ${ks.method}), ` +
      `wasserstein ${(t2 - t1).toFixed(0)} ms, histogramShares ${(t3 - t2).toFixed(0)} ms`,
  );
  assert.equal(ks.method, 'asymp');
  assert.ok(ks.pValue !== null && ks.pValue >= 0 && ks.pValue <= 1);
  assert.ok(w > 0 && w < 0.01);
  assert.ok(Math.abs(sum(h.ref) - 1) < 1e-9 && Math.abs(sum(h.cur) - 1) < 1e-9);
});
