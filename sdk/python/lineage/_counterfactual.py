"""The what-if scorer's counterfactual search: the smallest change to at most two features that moves a
prediction past a target.

"Smallest" is the sum of the changes, each divided by its feature's observed range (feature_ranges), so a
change of 10 m² in a 20–200 m² range costs 10/180; changing a category costs 1 (as much as moving a number
across its whole range). New values stay inside the observed range (numbers) or among the observed categories.
"Past the target" means prediction >= target when the row is below it now, <= target when above.

Search: each feature alone first, on a grid of 33 values over its range, the nearest grid value that
reaches the target then refined by repeated 16-way sectioning towards the current value (the crossing found to
about 1e-7 of the range); then pairs among the 6 features that matter most for this row (by |attribution|), on
a 17 × 17 grid, the cheapest grid points refined along the line from the current row. A change cheaper than the
best single one wins. Finally the new values are rounded to the coarsest round number that still reaches the
target (a person reads "142 m²", not "141.93718 m²"). Every step scores its candidate rows in one model call.
The grid can miss a narrow band that reaches the target; the answer is then a larger change, or none."""
import math
import time

GRID = 33
PAIR_GRID = 17
PAIR_FEATURES = 6
SECTIONS = 16
ROUNDS = 6


def search(predict, x, features, kinds, ranges, categories, target, max_features=2, importance=None, budget=1.5,
           integral=None):
    """predict(rows: k × m object array) -> k predictions. x: the row (1-D object array: numbers as floats,
    categories as their text). Returns the reply's fields: {"found": True, "changes": [...], "prediction"} or
    {"found": False, "reason": ...}."""
    import numpy as np
    start = time.monotonic()
    x = np.asarray(x, dtype=object)
    p0 = float(predict(x[None, :])[0])
    up = p0 < target
    reached = (lambda p: p >= target) if up else (lambda p: p <= target)
    if reached(p0):
        return {"found": True, "changes": [], "prediction": p0, "note": "the prediction is already past the target"}
    movable = []
    for j, f in enumerate(features):
        if kinds[j] == "categorical":
            cats = [c for c in categories.get(f, []) if c != x[j]]
            if cats:
                movable.append(j)
        else:
            lo, hi = ranges.get(f, (None, None))
            if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi) and hi > lo:
                movable.append(j)
    if not movable:
        return {"found": False, "reason": "no feature can change: the explanation records no observed range or "
                                          "second category for any of them"}

    def cost(j, value):
        if kinds[j] == "categorical":
            return 0.0 if value == x[j] else 1.0
        here = _number(x[j])
        if here is None:
            return 1.0
        lo, hi = ranges[features[j]]
        return abs(float(value) - here) / (hi - lo)

    def score(rows):
        return np.asarray(predict(np.asarray(rows, dtype=object)), dtype=float).reshape(-1)

    best = None  # (cost, {j: value}, prediction)
    for j in movable:
        found = _single(j, x, kinds[j], features[j], ranges, categories, score, reached, cost)
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    if max_features >= 2 and len(movable) >= 2:
        order = sorted(movable, key=lambda j: -abs(importance[j]) if importance is not None else 0)
        top = order[:PAIR_FEATURES]
        for a in range(len(top)):
            for b in range(a + 1, len(top)):
                if time.monotonic() - start > budget:
                    break
                found = _pair(top[a], top[b], x, kinds, features, ranges, categories, score, reached, cost,
                              best[0] if best else float("inf"))
                if found is not None and (best is None or found[0] < best[0]):
                    best = found
    if best is None:
        where = "one feature" if max_features < 2 else "one or two features"
        return {"found": False, "reason": "no change to %s within the observed ranges moves the prediction %s %s"
                                          % (where, "up to" if up else "down to", _fmt(target))}
    change = _rounded(best[1], x, kinds, features, ranges, score, reached, integral)
    p = float(score([_apply(x, change)])[0])
    changes = [{"feature": features[j], "from": _plain(x[j]), "to": _plain(v)} for j, v in sorted(change.items())]
    return {"found": True, "changes": changes, "prediction": p}


def _apply(x, change):
    row = x.copy()
    for j, v in change.items():
        row[j] = v
    return row


def _single(j, x, kind, name, ranges, categories, score, reached, cost):
    import numpy as np
    if kind == "categorical":
        cats = [c for c in categories.get(name, []) if c != x[j]]
        preds = score([_apply(x, {j: c}) for c in cats])
        ok = [k for k, p in enumerate(preds) if reached(p)]
        if not ok:
            return None
        k = min(ok, key=lambda k: abs(preds[k]))  # any is one full unit; prefer the mildest outcome
        return 1.0, {j: cats[k]}, float(preds[k])
    lo, hi = ranges[name]
    grid = np.linspace(lo, hi, GRID)
    preds = score([_apply(x, {j: float(g)}) for g in grid])
    ok = np.flatnonzero([reached(p) for p in preds])
    if not ok.size:
        return None
    here = _number(x[j])
    if here is None:  # a missing value: any value is a full unit of change
        k = int(ok[0])
        return 1.0, {j: float(grid[k])}, float(preds[k])
    k = int(ok[np.argmin(np.abs(grid[ok] - here))])
    # The grid value just before grid[k] on the way from the current value: it does not reach the target
    # (or is the current value itself), so the crossing lies between the two.
    step = 1 if grid[k] < here else -1
    near = grid[k + step] if 0 <= k + step < GRID and (grid[k + step] - here) * (grid[k] - here) > 0 else here
    far = _refine(lambda v: _apply(x, {j: v}), float(near), float(grid[k]), score, reached)
    return cost(j, far), {j: far}, None


def _refine(build, near, far, score, reached):
    """Moves `far` (reaches the target) towards `near` (does not) while it still reaches it."""
    import numpy as np
    for _ in range(ROUNDS):
        points = np.linspace(near, far, SECTIONS + 2)[1:-1]
        preds = score([build(float(v)) for v in points])
        ok = [k for k, p in enumerate(preds) if reached(p)]
        if not ok:
            near = float(points[-1])
            continue
        k = ok[0]
        far = float(points[k])
        near = float(points[k - 1]) if k > 0 else near
    return far


def _pair(a, b, x, kinds, features, ranges, categories, score, reached, cost, limit):
    import numpy as np

    def values(j):
        if kinds[j] == "categorical":
            return [x[j]] + [c for c in categories.get(features[j], []) if c != x[j]]
        lo, hi = ranges[features[j]]
        return [float(v) for v in np.linspace(lo, hi, PAIR_GRID)]
    va, vb = values(a), values(b)
    combos = [(u, v) for u in va for v in vb if cost(a, u) > 0 and cost(b, v) > 0]
    if not combos:
        return None
    preds = score([_apply(x, {a: u, b: v}) for u, v in combos])
    ok = sorted((cost(a, u) + cost(b, v), k) for k, (u, v) in enumerate(combos) if reached(preds[k]))
    best = None
    for _, k in ok[:3]:
        u, v = combos[k]
        refined = _refine_line(x, {a: u, b: v}, kinds, score, reached)
        total = cost(a, refined[a]) + cost(b, refined[b])
        if total < limit and (best is None or total < best[0]):
            best = (total, refined, None)
    return best


def _refine_line(x, change, kinds, score, reached):
    """Scales the numeric parts of `change` by the smallest t in (0, 1] that still reaches the target;
    category changes stay as they are."""
    def build(t):
        row = x.copy()
        for j, v in change.items():
            here = _number(x[j])
            row[j] = v if kinds[j] == "categorical" or here is None else here + t * (float(v) - here)
        return row
    if all(kinds[j] == "categorical" for j in change):
        return dict(change)
    t = _refine(build, 0.0, 1.0, score, reached)
    row = build(t)
    return {j: row[j] for j in change}


def _rounded(change, x, kinds, features, ranges, score, reached, integral=None):
    """Each numeric new value rounded away from the current value to the coarsest step that still reaches the
    target and stays in range: a whole number for a feature whose observed values all are, else a power of ten
    from about 1 % of its range down to 1e-5 of it (so rounding never adds more than ~1 % of the range)."""
    out = dict(change)
    for j, v in change.items():
        if kinds[j] == "categorical":
            continue
        lo, hi = ranges[features[j]]
        here = _number(x[j])
        if here is None:
            continue
        top = 10 ** math.floor(math.log10(hi - lo))
        steps = ([1.0] if integral is not None and integral[j] else []) + [top / 10 ** k for k in range(2, 6)]
        candidates = []
        for step in steps:
            r = (math.ceil if v > here else math.floor)(round(v / step, 9)) * step
            r = float(round(r, 12))
            if lo <= r <= hi:
                candidates.append(r)
        if not candidates:
            continue
        rows = []
        for r in candidates:
            trial = dict(out)
            trial[j] = r
            rows.append(_apply(x, trial))
        preds = score(rows)
        for r, p in zip(candidates, preds):
            if reached(p):
                out[j] = r
                break
    return out


def _number(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _plain(v):
    if hasattr(v, "item") and getattr(v, "shape", None) == ():
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _fmt(v):
    return "%.6g" % v
