/** One package whose version differs between the recorded environment and the interpreter a reproduction uses. */
export interface PackageDifference {
  name: string;
  /** null: the run did not have it. */
  recorded: string | null;
  /** null: not installed for the reproduction's interpreter. */
  now: string | null;
}

/** Package names compare as pip does: case-insensitive, with `-`, `_` and `.` alike. */
function canonical(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** Every package installed in one environment and not the other, or at another version; sorted by name. */
export function packageDifferences(
  recorded: ReadonlyArray<{ name: string; version: string }>,
  now: ReadonlyArray<{ name: string; version: string }>,
): PackageDifference[] {
  const a = new Map(recorded.map((p) => [canonical(p.name), p]));
  const b = new Map(now.map((p) => [canonical(p.name), p]));
  const out: PackageDifference[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const r = a.get(key);
    const n = b.get(key);
    if (r && n && r.version === n.version) continue;
    out.push({ name: (r ?? n)!.name, recorded: r?.version ?? null, now: n?.version ?? null });
  }
  return out.sort((x, y) => canonical(x.name).localeCompare(canonical(y.name)));
}

/** "scikit-learn 1.2.1 → 1.3.0", "numpy 1.24.2 (not installed now)", "torch (new: 2.1.0)". */
export function packageDifferenceText(d: PackageDifference): string {
  if (d.now === null) return `${d.name} ${d.recorded}: not installed now`;
  if (d.recorded === null) return `${d.name} ${d.now}: installed now, not in the run's environment`;
  return `${d.name} ${d.recorded} → ${d.now}`;
}
