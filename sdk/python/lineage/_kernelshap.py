"""Kernel SHAP for any model (issue 12): attributions from model calls alone, with a standard error per value.

Imported only by lineage.explain (numpy is required here; `import lineage` never loads this module).

The value function is the interventional one: v(S) = Σ_b w_b f(x_S, b_S̄), the model's output when the features
in S take the explained row's values and the others a background row's, averaged over the (weighted) background.
Its Shapley values are what `explain` estimates (Lundberg & Lee 2017, "A unified approach to interpreting model
predictions"), by the constrained weighted least squares of Kernel SHAP:

* Budget: `nsamples` coalitions per row, by default 2·m + 2048. When that is at least 2^m − 2 (every coalition
  but the empty and the full one; m ≤ 11 by default) all coalitions are evaluated and the Shapley values are
  computed from them by the Shapley formula: EXACT for v (stderr 0, "exact": True).
* Otherwise shap's KernelExplainer schedule: sizes pair up into classes {s, m − s} weighted by the Shapley
  kernel; the class of sizes 1 and m − 1 (2m coalitions) and every next class whose expected share of the
  budget covers all its coalitions are enumerated with fixed weights; the rest of the budget is drawn in
  complementary pairs (z and 1 − z) from the remaining classes (a class with probability ∝ its kernel weight,
  then a uniform subset of size s), sharing those classes' weight equally. φ minimises
  Σ_k w_k (v(z_k) − v(∅) − z_k·φ)² subject to Σφ = f(x) − v(∅), solved through its KKT system, so additivity
  holds to rounding (the last rounding residual is spread evenly over the features). Each row has its own
  seeded stream (SeedSequence([seed, row index])): its values depend on the seed and its position only.
  A budget below 6m is raised to 6m.
* Standard errors: the delta method (sandwich) for that constrained least-squares estimator, taking the
  sampled pairs as the independent units (the enumerated coalitions are fixed) — the asymptotic normality
  argument of Covert & Lee 2021 ("Improving KernelSHAP: practical Shapley value estimation via linear
  regression", AISTATS): with Â = Σ_k w_k z_k z_kᵀ, the per-pair scores g_p = (z r_z + z̄ r_z̄)/2 (r = the fit's
  residuals) and W the weight the sampled classes carry, Cov(φ) ≈ W² M Cov(g) Mᵀ / (P − (m − 1)) where
  M = Â⁻¹ − Â⁻¹11ᵀÂ⁻¹ / (1ᵀÂ⁻¹1) and P the number of pairs (P − (m − 1) rather than P: the degrees-of-freedom
  correction of HC1). One m×m pseudo-inverse per row, no extra model calls; test_kernelshap checks over many
  seeds that about 95 % of the errors against the exact values fall within 2 standard errors.

The model is called on all (coalition × background) rows of as many explained rows as fit in one batch of at
most `max_batch` rows (200,000), so the per-call overhead of f is paid rarely. Coalitions drawn twice are
evaluated once.
"""
import itertools
import math

import numpy as np

DEFAULT_EXTRA = 2048  # the budget rule: 2·m + 2048 coalitions per row
MAX_BATCH = 200_000


def summarize_background(X, k=100, seed=0):
    """(B, w): at most k rows standing for X, and their weights (summing to 1).

    * n ≤ k: all rows, equal weights.
    * At least one numeric column (float data, or object data whose column converts to float): k-means (Lloyd's
      algorithm from a seeded k-means++ start, ≤ 100 iterations) on the numeric columns standardised to unit
      variance, with every non-numeric column one-hot encoded at weight 1/√2 per indicator (two rows that differ
      in one category are at distance 1, like one standard deviation). A centre is its cluster's mean for
      numeric columns, rounded to the nearest value observed in that column (as shap.kmeans does: a 0/1 column
      stays 0/1, a count stays a count), and the cluster's most frequent value for the others. Weights are the
      clusters' shares of the rows; empty clusters are dropped.
    * No numeric column at all: k-means has nothing to average, so a seeded sample of k distinct rows with
      equal weights.
    B has X's dtype (object stays object, so the model receives the kind of rows it was trained on).
    """
    X = _as_2d(X, "X")
    n, m = X.shape
    if n == 0:
        raise ValueError("the background has no rows: pass at least one row of training data")
    k = max(1, int(k))
    if n <= k:
        return X.copy(), np.full(n, 1.0 / n)
    rng = np.random.default_rng(seed)
    numeric, cats = _split_columns(X)
    if not any(c is not None for c in numeric):
        rows = np.sort(rng.choice(n, size=k, replace=False))
        return X[rows].copy(), np.full(k, 1.0 / k)
    features = []
    for col in numeric:
        if col is None:
            continue
        finite = col[np.isfinite(col)]
        mean = finite.mean() if finite.size else 0.0
        std = finite.std() if finite.size else 0.0
        filled = np.where(np.isfinite(col), col, mean)  # NaN / inf rows cluster at the column's centre
        features.append(((filled - mean) / (std if std > 0 else 1.0))[:, None])
    for j, codes in cats.items():
        features.append(np.eye(codes.max() + 1)[codes] / math.sqrt(2.0))
    Z = np.hstack(features)
    labels = _kmeans(Z, k, rng)
    used = np.unique(labels)
    labels = np.searchsorted(used, labels)  # 0..c−1 without the empty clusters
    sizes = np.bincount(labels)
    B = np.empty((len(used), m), dtype=X.dtype)
    for j in range(m):
        col = numeric[j]
        if col is None:  # the most frequent category of each cluster, as the value X holds
            pairs = np.zeros((len(used), cats[j].max() + 1), dtype=np.int64)
            np.add.at(pairs, (labels, cats[j]), 1)
            first_row = np.full(cats[j].max() + 1, n)
            np.minimum.at(first_row, cats[j], np.arange(n))
            B[:, j] = X[first_row[pairs.argmax(1)], j]
        else:
            B[:, j] = _nearest_observed(col, labels, len(used))
    return B, sizes / n


def explain(f, X, background, weights=None, nsamples=None, seed=0, max_batch=MAX_BATCH, progress=None):
    """Kernel SHAP values of f at the rows of X against the (weighted) background; see the module docstring.

    f takes a (k, m) array of X's dtype and returns k floats (the explained output: a prediction, a log-odds,
    a probability — the caller decides). Returns a dict: values (n, m), base (n,), output (n,), stderr (n, m),
    samples_per_row, background_rows, model_rows (rows f was asked to score, in all), seed, exact, algorithm.
    progress(rows_done, n), when given, is called after each explained row (it should be cheap).
    """
    X = _as_2d(X, "X")
    B = _as_2d(background, "background")
    n, m = X.shape
    if B.shape[0] == 0:
        raise ValueError("the background has no rows: pass at least one row (summarize_background(X_train))")
    if B.shape[1] != m:
        raise ValueError("the background has %d columns but X has %d: use rows of the same features" % (B.shape[1], m))
    w = _weights(weights, B.shape[0])
    exact, budget = _budget(m, nsamples)
    calls = _Calls(f)
    base_value = float(calls(B) @ w)
    output = calls(X) if n else np.empty(0)
    result = {
        "values": np.zeros((n, m)),
        "base": np.full(n, base_value),
        "output": output,
        "stderr": np.zeros((n, m)),
        "samples_per_row": budget,
        "background_rows": int(B.shape[0]),
        "seed": seed,
        "exact": exact,
        "algorithm": _algorithm(m, budget, exact),
    }
    if n and m == 1:  # one feature takes all of the difference
        result["values"][:, 0] = output - base_value
    elif n and m > 1:
        solver = _ExactSolver(m) if exact else _SampledSolver(m, budget, seed)
        for i, v in _value_functions(calls, X, B, w, solver.coalitions, max_batch):
            delta = output[i] - base_value
            phi, se = solver.solve(i, v - base_value, delta)
            phi += (delta - phi.sum()) / m  # spread the last rounding residual so Σφ matches exactly
            result["values"][i], result["stderr"][i] = phi, se
            if progress is not None:
                progress(i + 1, n)
    result["model_rows"] = calls.rows
    return result


def _algorithm(m, budget, exact):
    rule = "budget 2·m + 2048 coalitions per row unless nsamples is given; all 2^m − 2 when that is no more"
    if exact:
        return ("Kernel SHAP (Lundberg & Lee 2017), interventional; all %d coalitions evaluated: exact (%s)"
                % (budget, rule))
    return ("Kernel SHAP (Lundberg & Lee 2017), interventional; %d coalitions per row, sampled in complementary "
            "pairs from the Shapley kernel, the smallest and largest coalition sizes enumerated (%s); standard errors by the "
            "delta method (Covert & Lee 2021)" % (budget, rule))


def _budget(m, nsamples):
    """(exact, coalitions per row). A sampled budget is even (pairs) and at least 6m: the 2m coalitions of
    sizes 1 and m − 1 plus 2m pairs, so the residuals leave degrees of freedom to estimate the error from."""
    budget = 2 * m + DEFAULT_EXTRA if nsamples is None else int(nsamples)
    if m <= 1:
        return True, 0
    if m <= 40 and budget >= 2 ** m - 2:
        return True, 2 ** m - 2
    budget = max(budget, 6 * m)
    return False, budget + (budget % 2)


class _Calls:
    """f, checked: one finite float per row, counted."""

    def __init__(self, f):
        self.f = f
        self.rows = 0

    def __call__(self, rows):
        out = np.asarray(self.f(rows), dtype=np.float64)
        if out.ndim == 2 and out.shape[1] == 1:
            out = out[:, 0]
        if out.shape != (len(rows),):
            raise ValueError(
                "the explained function returned shape %s for %d rows: it must return one number per row "
                "(for a classifier, e.g. lambda X: model.predict_proba(X)[:, 1])" % (out.shape, len(rows)))
        if not np.all(np.isfinite(out)):
            raise ValueError("the model returned NaN or infinite outputs; explain rows (and a background) "
                             "the model can score, e.g. with missing values imputed")
        self.rows += len(rows)
        return out


def _value_functions(calls, X, B, w, coalitions, max_batch):
    """Yields (row, v) with v[k] = Σ_b w_b f(x_{z_k}, b) for the row's coalitions z_k (coalitions(i) gives them),
    scoring the (coalition × background) rows of consecutive explained rows together in batches of at most
    max_batch rows (a single coalition's rows may exceed it when the background alone does)."""
    nb = B.shape[0]
    per_chunk = max(1, max_batch // nb)
    pending, size = [], 0  # (row, unique coalitions, start, stop)
    states = {}

    def flush():
        if not pending:
            return
        parts = [np.where(Z[a:b, None, :], X[i][None, None, :], B[None, :, :]).reshape(-1, X.shape[1])
                 for i, Z, a, b in pending]
        scores = calls(np.concatenate(parts) if len(parts) > 1 else parts[0])
        at = 0
        for i, Z, a, b in pending:
            count = (b - a) * nb
            states[i][1][a:b] = scores[at:at + count].reshape(b - a, nb) @ w
            states[i][2] -= b - a
            at += count
        pending.clear()

    for i in range(X.shape[0]):
        Z, inverse = coalitions(i)
        states[i] = [inverse, np.empty(len(Z)), len(Z)]
        a = 0
        while a < len(Z):  # fill each batch to the brim: a row's coalitions may span two batches
            room = (max_batch - size) // nb
            if room < 1 and pending:
                flush()
                size, room = 0, per_chunk
            b = min(len(Z), a + max(1, room))
            pending.append((i, Z, a, b))
            size += (b - a) * nb
            a = b
        for done in [r for r, s in states.items() if s[2] == 0]:
            inverse, v, _ = states.pop(done)
            yield done, v[inverse]
    flush()
    for done in sorted(states):
        inverse, v, _ = states.pop(done)
        yield done, v[inverse]


class _ExactSolver:
    """All 2^m − 2 proper coalitions; φ = W v with W the Shapley formula's weights (v(∅) = 0 after centring,
    v(full) = delta)."""

    def __init__(self, m):
        self.m = m
        masks = np.arange(1, 2 ** m - 1)
        self.Z = ((masks[:, None] >> np.arange(m)) & 1).astype(bool)
        full = 2 ** m - 1
        sizes = np.array([bin(s).count("1") for s in range(full + 1)])
        weight = np.array([math.factorial(s) * math.factorial(m - s - 1) / math.factorial(m) for s in range(m)])
        W = np.zeros((m, full + 1))
        every = np.arange(full + 1)
        for j in range(m):
            without = every[(every >> j) & 1 == 0]
            np.add.at(W[j], without | (1 << j), weight[sizes[without]])
            np.add.at(W[j], without, -weight[sizes[without]])
        self.W_inner, self.W_full = W[:, 1:full], W[:, full]  # v(∅) = 0 needs no column

    def coalitions(self, i):
        return self.Z, np.arange(len(self.Z))

    def solve(self, i, v, delta):
        return self.W_inner @ v + self.W_full * delta, np.zeros(self.m)


class _SampledSolver:
    """shap's KernelExplainer schedule: coalition sizes pair up into classes {s, m − s} weighted by the Shapley
    kernel; a class whose expected share of the budget covers all its coalitions is enumerated with fixed
    weights (sizes 1 and m − 1 first), the rest of the budget is drawn in complementary pairs from the remaining
    classes and shares their weight equally. Then the constrained least squares and its delta-method errors."""

    def __init__(self, m, budget, seed):
        self.m, self.seed = m, seed
        sizes = np.arange(1, m // 2 + 1)
        paired = 2 * sizes != m
        counts = np.array([math.comb(m, int(s)) for s in sizes]) * np.where(paired, 2, 1)
        weight = (m - 1) / (sizes * (m - sizes)) * np.where(paired, 2.0, 1.0)
        weight /= weight.sum()
        left, remaining, fixed, fixed_w = budget, weight.copy(), [], []
        for c, s in enumerate(sizes):
            if c > 0 and left * remaining[c] / counts[c] < 1 - 1e-8:  # sizes 1 and m − 1 always: Â invertible
                break
            left -= counts[c]
            z = _subsets(m, int(s))
            fixed += [z, ~z] if paired[c] else [z]
            fixed_w.append(np.full(counts[c], weight[c] / counts[c]))
            rest = remaining[c + 1:].sum()
            if rest > 0:
                remaining[c + 1:] /= rest
        self.enumerated = len(fixed_w)
        self.Zf = np.concatenate(fixed) if fixed else np.zeros((0, m), dtype=bool)
        self.wf = np.concatenate(fixed_w) if fixed_w else np.zeros(0)
        Zf = self.Zf.astype(np.float64)
        self.Af = (Zf * self.wf[:, None]).T @ Zf
        self.sizes = sizes[self.enumerated:]
        self.weight_left = float(weight[self.enumerated:].sum())
        self.p = weight[self.enumerated:] / self.weight_left if self.sizes.size else None
        self.pairs = max(2, left // 2) if self.sizes.size else 0
        self.drawn = {}

    def coalitions(self, i):
        if self.pairs:
            rng = np.random.default_rng([int(self.seed) & 0xFFFFFFFF, i])
            s = rng.choice(self.sizes, size=self.pairs, p=self.p)
            ranks = rng.random((self.pairs, self.m)).argsort(1).argsort(1)
            z = ranks < s[:, None]
            Z = np.concatenate([self.Zf, z, ~z])  # sampled pair p is rows F + p and F + P + p
        else:
            Z = self.Zf
        self.drawn[i] = Z
        if self.m > 62:
            unique, inverse = np.unique(Z, axis=0, return_inverse=True)
            return unique, inverse.reshape(-1)
        keys = Z.astype(np.int64) @ (np.int64(1) << np.arange(self.m, dtype=np.int64))  # one integer per coalition
        _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        return Z[first], inverse

    def solve(self, i, v, delta):
        m, P, F = self.m, self.pairs, len(self.Zf)
        Z = self.drawn.pop(i)[F:].astype(np.float64)
        share = self.weight_left / (2 * P) if P else 0.0
        A = self.Af + share * (Z.T @ Z)
        b = self.Zf.T.astype(np.float64) @ (self.wf * v[:F]) + share * (Z.T @ v[F:])
        kkt = np.zeros((m + 1, m + 1))
        kkt[:m, :m], kkt[:m, m], kkt[m, :m] = A, 1.0, 1.0
        try:
            phi = np.linalg.solve(kkt, np.append(b, delta))[:m]
        except np.linalg.LinAlgError:  # two features always drawn together: the minimum-norm solution
            phi = np.linalg.lstsq(kkt, np.append(b, delta), rcond=None)[0][:m]
        if not P:
            return phi, np.zeros(m)
        r = v[F:] - Z @ phi
        g = (Z[:P] * r[:P, None] + Z[P:] * r[P:, None]) / 2
        A_inv = np.linalg.pinv(A)
        u = A_inv.sum(1)
        M = A_inv - np.outer(u, u) / u.sum()
        # P / (P − (m − 1)): the degrees-of-freedom correction of a sandwich estimate (HC1) for the m − 1 free
        # values fitted to the same residuals; without it small budgets understate their error
        cov = self.weight_left ** 2 * (M @ np.cov(g, rowvar=False) @ M.T) / (P - (m - 1))
        return phi, np.sqrt(np.clip(np.diag(cov), 0.0, None))


def _subsets(m, s):
    """All C(m, s) coalitions of size s as rows of a boolean matrix."""
    rows = np.zeros((math.comb(m, s), m), dtype=bool)
    for k, chosen in enumerate(itertools.combinations(range(m), s)):
        rows[k, list(chosen)] = True
    return rows


def _as_2d(X, what):
    if hasattr(X, "to_numpy"):  # a pandas DataFrame: its values, in column order
        X = X.to_numpy()
    X = np.asarray(X)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2:
        raise ValueError("%s must be a 2-D array (rows × features), got %d dimensions" % (what, X.ndim))
    return X


def _weights(weights, nb):
    if weights is None:
        return np.full(nb, 1.0 / nb)
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.shape != (nb,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("background weights must be %d non-negative finite numbers, not all zero" % nb)
    return w / w.sum()


def _split_columns(X):
    """(numeric, categorical codes): numeric[j] is column j as float64 (None when it does not convert);
    categorical {j: integer codes} for the others."""
    numeric, cats = [], {}
    for j in range(X.shape[1]):
        try:
            col = X[:, j].astype(np.float64)
        except (TypeError, ValueError):
            col = None
        numeric.append(col)
        if col is None:
            _, codes = np.unique(X[:, j].astype(str), return_inverse=True)
            cats[j] = codes.reshape(-1)
    return numeric, cats


def _nearest_observed(col, labels, k):
    """Each cluster's mean of the finite values of col, moved to the nearest value observed in col (NaN for a
    cluster with none)."""
    finite = np.isfinite(col)
    counts = np.bincount(labels[finite], minlength=k)
    sums = np.bincount(labels[finite], weights=col[finite], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    observed = np.unique(col[finite])
    if observed.size == 0:
        return np.full(k, np.nan)
    at = np.clip(np.searchsorted(observed, means), 1, max(1, len(observed) - 1))
    lo, hi = observed[np.minimum(at - 1, len(observed) - 1)], observed[np.minimum(at, len(observed) - 1)]
    return np.where(counts == 0, np.nan, np.where(means - lo <= hi - means, lo, hi))


def _kmeans(Z, k, rng, iterations=100):
    """Cluster labels of Z's rows: k-means++ start, then Lloyd's iterations until the labels stop changing."""
    n = len(Z)
    centres = np.empty((k, Z.shape[1]))
    centres[0] = Z[rng.integers(n)]
    d2 = ((Z - centres[0]) ** 2).sum(1)
    for c in range(1, k):
        total = d2.sum()
        pick = rng.choice(n, p=d2 / total) if total > 0 else rng.integers(n)
        centres[c] = Z[pick]
        d2 = np.minimum(d2, ((Z - centres[c]) ** 2).sum(1))
    norms = (Z ** 2).sum(1)
    labels = None
    for _ in range(iterations):
        dist = norms[:, None] - 2 * Z @ centres.T + (centres ** 2).sum(1)[None, :]
        new = dist.argmin(1)
        if labels is not None and np.array_equal(new, labels):
            break
        labels = new
        counts = np.bincount(labels, minlength=k)
        sums = np.stack([np.bincount(labels, weights=Z[:, d], minlength=k) for d in range(Z.shape[1])], 1)
        filled = counts > 0  # an emptied cluster keeps its old centre
        centres[filled] = sums[filled] / counts[filled, None]
    return labels
