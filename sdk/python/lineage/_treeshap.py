"""Exact attributions for tree ensembles and linear models (issue 12).

`explain(model, X)` gives the exact Shapley values of path-dependent TreeSHAP (Lundberg, Erion & Lee 2018,
"Consistent individualized feature attribution for tree ensembles", Algorithm 2): for each tree, v(S) is the
tree's output when the features in S follow the row's branch and every other split averages its children
weighted by training cover; the model's attributions are the sums over its trees, in its raw output space.
`supports(model)` says whether a final estimator (not a Pipeline) is one of:

- scikit-learn DecisionTree/ExtraTree Regressor and binary Classifier (probability of classes_[1]),
  RandomForest/ExtraTrees Regressor and binary Classifier (mean probability of classes_[1], link identity),
  GradientBoosting Regressor and binary Classifier (log_loss: the log-odds, link logit),
  HistGradientBoosting Regressor (squared/absolute error, quantile) and binary Classifier (log-odds);
- XGBoost Booster / XGBRegressor / XGBClassifier / XGBRF* with a gbtree booster and a regression objective
  whose margin is the prediction, or binary:logistic / binary:logitraw (log-odds).

Multiclass models, multi-output trees, categorical splits, log-link objectives (poisson, gamma, tweedie),
GradientBoosting's exponential loss or a non-constant init estimator, and XGBoost's dart/gblinear are refused
(supports → False): their output is not one sum of trees in an identity or logit space.

How it is computed, and what it costs. A leaf's share of the Shapley values depends on the row only through
which of the leaf's d distinct path features the row satisfies (all splits on that feature along the path) —
one of 2^d patterns — because the per-row "one" fractions of Algorithm 2 are 0 or 1 while the "zero" fractions
(cover ratios) are shared by all rows. So, for T trees of L leaves, depth D and d ≤ min(D, m) distinct features
per path:

1. once per model, a breadth-first pass over all trees at once gives every leaf its distinct path features and
   zero fractions (O(T·L·d) numpy work, one numpy call per tree level);
2. for each leaf with 2^d ≤ min(rows, 1024), Algorithm 2's EXTEND/UNWOUND_SUM is run for all 2^d patterns at
   once (O(2^d·d²) per leaf) into a lookup table (Fast TreeSHAP v2 style, Yang 2021); leaves with more distinct
   features than that are computed per row instead (O(rows·d²) per leaf, Algorithm 2 itself);
3. per row, one comparison per split node, one OR per node to carry the row's "failed features" bit mask down
   the tree (level by level, vectorised over rows and trees), then one table look-up per leaf, summed by a
   sparse (rows × table rows) by dense (table rows × features) product: O(T·(N + L·m)) per row with N nodes,
   against Algorithm 2's O(T·L·D²);
4. a tree with I ≤ 8 split nodes (depth ≤ 3 always) and 2^I ≤ rows goes further: all 2^I combinations of its branch
   choices are explained once through steps 2–3 into a (tree, combination) → m table, and a row then costs its
   I comparisons and one look-up per tree: O(T·(I + m)) per row after O(T·2^I·L·d) once.

Measured (bench/explain_treeshap.py, 2 vCPU AMD EPYC, 2,000 rows): the house-price example's
GradientBoostingRegressor (200 trees of depth 3, 1,600 leaves, 7 features) takes ~33 ms, ~6× scikit-learn's
own predict on the same rows; a deep RandomForestRegressor (100 trees, unlimited depth: 24 levels, 150,000
leaves) ~11 s, ~250× its predict — one look-up per row and leaf, 3·10^8 of them. Many features on one path
move leaves from tables to per-row Algorithm 2 (O(rows·d²) per leaf). Memory is bounded by processing trees
and rows in blocks of ~4 M array elements. The rare tree with a path of more than 62 distinct features (the
mask is an int64) is explained by the plain-Python Algorithm 2 below (`tree_shap`), exact but slow.

Inputs are compared as each library does: scikit-learn casts to float32 and tests x <= threshold; its
HistGradientBoosting tests float64 x <= threshold and sends NaN to `missing_go_to_left`; XGBoost tests
float32 x < float32 split_condition and sends missing values (NaN, or the model's `missing`) to the default
child. Cover: `weighted_n_node_samples` (scikit-learn), `count` (HistGradientBoosting), `sum_hessian`
(XGBoost, the dump's "cover"). A node with zero cover averages its children equally.

Linear models: `linear_shap`, interventional Shapley values coef_j · (x_j − mean_j), exact, in the model's
output space.
"""

import numpy as np

ALGORITHM = ("path-dependent TreeSHAP (Lundberg et al. 2018), exact; O(T·(N + L·m)) per row after "
             "O(T·L·2^d·d²) leaf tables (T trees of N nodes and L leaves, d distinct features on a path, m "
             "features), vectorised over rows and trees")

# Intermediate arrays (rows × nodes, rows × leaves × d) are built in blocks of about this many elements.
_BLOCK = 1 << 22
# A leaf's 2^d-pattern table is built when 2^d ≤ min(rows, _TABLE_MAX); otherwise it is computed per row.
_TABLE_MAX = 1024
# Bits of the int64 "failed features" mask: paths with more distinct features go to the plain-Python fallback.
_MAX_BITS = 62
# Trees with I split nodes get one table of 2^I rows when 2^I ≤ min(rows, _TREE_TABLE_MAX) (depth ≤ 3 always).
_TREE_TABLE_MAX = 256  # ≤ 8 split nodes: a tree's branch choices pack into one byte


# ---------------------------------------------------------------- the public entry points

def supports(model):
    """True when `explain` gives exact TreeSHAP for this final estimator (not a Pipeline: unwrap it first).
    False for multiclass and every other model listed in the module docstring as refused."""
    try:
        return _adapter(model) is not None
    except Exception:  # a half-fitted or foreign object is simply not supported
        return False


def explain(model, X):
    """Exact path-dependent TreeSHAP of every row of X (float array, n × m, the estimator's input columns).

    Returns {"values": (n, m), "base": (n,), "output": (n,), "task", "link", "positive_class", "algorithm"}:
    base + values.sum(1) equals "output", the model's own raw output (predict for regression; the log-odds from
    decision_function / output_margin for boosted classifiers; predict_proba[:, 1] for tree and forest
    classifiers), up to rounding (float32 accumulation for XGBoost)."""
    adapter = _adapter(model)
    if adapter is None:
        raise TypeError("no exact TreeSHAP for %s: supported are scikit-learn trees, forests and (hist) gradient "
                        "boosting, and XGBoost, for regression or binary classification; use Kernel SHAP for "
                        "other models" % type(model).__name__)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2:
        raise ValueError("X must be a 2-D array of rows × features, got shape %r" % (X.shape,))
    forest, info, output_of = adapter()
    if X.shape[1] != forest.n_features:
        raise ValueError("X has %d columns but %s was fitted on %d features; pass the estimator's own input "
                         "columns" % (X.shape[1], type(model).__name__, forest.n_features))
    if not forest.accepts_nan and X.size and not np.isfinite(X.astype(np.float32)).all():
        raise ValueError("%s does not accept missing values (NaN) or values beyond float32's range (±3.4e38), "
                         "as its own predict does not; impute or clip them as the model's pipeline does, or use "
                         "HistGradientBoosting / XGBoost" % type(model).__name__)
    output = np.asarray(output_of(X), dtype=np.float64).reshape(-1) if len(X) else np.zeros(0)
    values = forest.shap(X)
    base = np.full(X.shape[0], forest.base)
    return dict(info, values=values, base=base, output=output, algorithm=ALGORITHM)


# ---------------------------------------------------------------- all trees of a model as flat arrays

class _Forest:
    """The trees of one model as flat per-node arrays (global node ids; -1 marks a leaf's children), with the
    model's raw output = offset + Σ over trees of the reached leaf's value (values already scaled by the
    learning rate or 1/T). `rule` is how a row picks a branch: "le32" (scikit-learn), "le64" (HistGradient-
    Boosting), "lt32" (XGBoost); `missing` an extra value that XGBoost reads as missing (besides NaN)."""

    def __init__(self, trees, rule, offset, n_features, missing=None):
        self.rule, self.offset, self.n_features = rule, float(offset), int(n_features)
        self.missing = missing
        self.accepts_nan = rule != "le32"
        sizes = [len(t[0]) for t in trees]
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.tree_start = starts
        cat = lambda k, dt: np.concatenate([np.asarray(t[k], dtype=dt) for t in trees]) if trees else np.zeros(0, dt)
        shift = np.repeat(starts[:-1], sizes)
        left, right = cat(0, np.int64), cat(1, np.int64)
        self.left = np.where(left >= 0, left + shift, -1)
        self.right = np.where(right >= 0, right + shift, -1)
        self.feature = np.where(self.left >= 0, cat(2, np.int64), 0)
        self.threshold = cat(3, np.float64)
        self.default_left = cat(4, bool)
        self.value = cat(5, np.float64)
        self.cover = cat(6, np.float64)
        if rule == "lt32":
            self.threshold = self.threshold.astype(np.float32)
        self._structure()

    def _structure(self):
        """Breadth-first over all trees at once: each node's level, its parent and the bit of its parent's split
        feature; each leaf's distinct path features, zero fractions (products of cover ratios) and their count d."""
        N = len(self.left)
        self.level = np.zeros(N, np.int64)
        self.parent = np.full(N, -1, np.int64)
        self.bit = np.zeros(N, np.int64)           # 1 << position of the parent's split feature on the path
        self.is_left = np.zeros(N, bool)
        leaf_nodes, leaf_feats, leaf_z, leaf_d = [], [], [], []
        frontier = self.tree_start[:-1].copy()
        width = 0
        feats = np.zeros((len(frontier), 0), np.int64)
        z = np.ones((len(frontier), 0))
        cnt = np.zeros(len(frontier), np.int64)
        depth = 0
        while len(frontier):
            self.level[frontier] = depth
            leaf = self.left[frontier] < 0
            if leaf.any():
                leaf_nodes.append(frontier[leaf])
                leaf_feats.append(feats[leaf])
                leaf_z.append(z[leaf])
                leaf_d.append(cnt[leaf])
            inner = ~leaf
            P, feats, z, cnt = frontier[inner], feats[inner], z[inner], cnt[inner]
            if not len(P):
                break
            fp = self.feature[P]
            match = feats == fp[:, None]
            seen = match.any(axis=1)
            pos = np.where(seen, match.argmax(axis=1) if width else 0, cnt)
            cnt = cnt + ~seen
            if cnt.max() > width:
                width += 1
                feats = np.concatenate([feats, np.full((len(P), 1), -1, np.int64)], axis=1)
                z = np.concatenate([z, np.ones((len(P), 1))], axis=1)
            rows = np.arange(len(P))
            parent_cover = self.cover[P]
            nxt_nodes, nxt_feats, nxt_z, nxt_cnt = [], [], [], []
            for side, is_left in ((self.left, True), (self.right, False)):
                C = side[P]
                with np.errstate(divide="ignore", invalid="ignore"):
                    frac = np.where(parent_cover > 0, self.cover[C] / parent_cover, 0.5)
                f2 = feats.copy()
                f2[rows, pos] = fp
                z2 = z.copy()
                z2[rows, pos] *= frac
                self.parent[C] = P
                self.bit[C] = np.left_shift(1, np.minimum(pos, _MAX_BITS))
                self.is_left[C] = is_left
                nxt_nodes.append(C)
                nxt_feats.append(f2)
                nxt_z.append(z2)
                nxt_cnt.append(cnt)
            frontier = np.concatenate(nxt_nodes)
            feats, z, cnt = np.concatenate(nxt_feats), np.concatenate(nxt_z), np.concatenate(nxt_cnt)
            depth += 1
        self.width = width
        pad = lambda a, fill: np.concatenate(
            [np.concatenate([b, np.full((len(b), width - b.shape[1]), fill, b.dtype)], axis=1) for b in a])
        nodes = np.concatenate(leaf_nodes) if leaf_nodes else np.zeros(0, np.int64)
        order = np.argsort(nodes, kind="stable")
        self.leaf_node = nodes[order]
        self.leaf_feats = pad(leaf_feats, -1)[order] if leaf_nodes else np.zeros((0, width), np.int64)
        self.leaf_z = pad(leaf_z, 1.0)[order] if leaf_nodes else np.zeros((0, width))
        self.leaf_d = np.concatenate(leaf_d)[order] if leaf_nodes else np.zeros(0, np.int64)
        self.leaf_value = self.value[self.leaf_node]
        self.leaf_tree = np.searchsorted(self.tree_start, self.leaf_node, side="right") - 1
        # v(∅) of each tree: its leaves weighted by the product of the cover ratios on their paths.
        self.tree_expected = np.bincount(self.leaf_tree, weights=self.leaf_z.prod(axis=1) * self.leaf_value,
                                         minlength=len(self.tree_start) - 1)
        self.base = self.offset + float(self.tree_expected.sum())
        self.tree_inner = np.bincount(np.searchsorted(self.tree_start, np.flatnonzero(self.left >= 0), side="right") - 1,
                                      minlength=len(self.tree_start) - 1)
        too_deep = np.unique(self.leaf_tree[self.leaf_d > _MAX_BITS])
        self.slow_trees = set(too_deep.tolist())

    # ------------------------------------------------------------ per-row work

    def _compare(self, X):
        """X transposed (features × rows, so that a node's comparison reads one contiguous row) as the
        comparisons see it, plus its missing-value mask (None when the rule has no missing values)."""
        X = np.ascontiguousarray(X.T)
        if self.rule == "le32":
            return X.astype(np.float32).astype(np.float64), None
        if self.rule == "le64":
            return X, np.isnan(X)
        Xc = X.astype(np.float32)
        miss = np.isnan(Xc)
        if self.missing is not None and not np.isnan(self.missing):
            miss |= X == self.missing
        return Xc, miss

    def _go_left(self, Xc, miss, nodes):
        """nodes × rows: True where the row takes the node's left branch."""
        f = self.feature[nodes]
        xv = Xc[f]
        thr = self.threshold[nodes][:, None]
        gl = xv < thr if self.rule == "lt32" else xv <= thr
        if miss is not None:
            gl = np.where(miss[f], self.default_left[nodes][:, None], gl)
        return gl

    def _chunks(self, n, m1):
        """Consecutive tree ranges, each explained one way: "tree" when every tree in it has at most
        log2(min(rows, _TREE_TABLE_MAX)) split nodes (all 2^I branch patterns of a tree get a table row: one
        look-up per row and tree), else "leaf" (leaf tables, or Algorithm 2 per row for long paths). Sized so
        that rows × nodes and the tables stay near _BLOCK elements."""
        T = len(self.tree_start) - 1
        sizes = np.diff(self.tree_start)
        small = self.tree_inner <= np.log2(min(n, _TREE_TABLE_MAX))
        small[list(self.slow_trees)] = False
        cap = min(n, _TABLE_MAX)
        leaf_cost = np.where(2.0 ** self.leaf_d <= cap, 2.0 ** self.leaf_d, 0) * np.maximum(self.leaf_d, 1)
        table = np.bincount(self.leaf_tree, weights=leaf_cost, minlength=T)
        tree_cost = 2.0 ** np.minimum(self.tree_inner, 62) * (m1 + sizes)
        per_row = max(_BLOCK // max(n, 1), 1)
        t = 0
        while t < T:
            u, nodes, cost = t, 0, 0.0
            while u < T and (u == t or (small[u] == small[t] and (
                    cost + tree_cost[u] <= _BLOCK if small[t] else
                    nodes + sizes[u] <= per_row and cost + table[u] <= _BLOCK))):
                nodes += sizes[u]
                cost += tree_cost[u] if small[t] else table[u]
                u += 1
            yield t, u, bool(small[t])
            t = u

    def shap(self, X):
        n, m = X.shape
        phi = np.zeros((n, m + 1))  # column m takes the padding slots of short paths
        if n == 0:
            return phi[:, :m]
        Xc, miss = self._compare(X)
        for t0, t1, per_tree in self._chunks(n, m + 1):
            if per_tree:
                self._shap_tree_tables(Xc, miss, t0, t1, phi)
            else:
                self._shap_leaves(Xc, miss, t0, t1, phi)
        for t in sorted(self.slow_trees):
            self._shap_slow(X, t, phi)
        return phi[:, :m]

    def _plan(self, t0, t1, n, m1, per_tree):
        """What trees t0..t1 need for any rows: their nodes by level, their leaves split into tabled and per-row,
        and the leaf tables. With per_tree, each tree's results land in its own block of m1 columns."""
        a, b = int(self.tree_start[t0]), int(self.tree_start[t1])
        nodes = np.arange(a, b)
        child = nodes[self.parent[a:b] >= 0]
        child = child[np.argsort(self.level[child], kind="stable")]
        bounds = np.flatnonzero(np.diff(self.level[child])) + 1
        lo, hi = np.searchsorted(self.leaf_node, [a, b])
        L = np.arange(lo, hi)
        L = L[self.leaf_d[L] > 0]  # a single-leaf tree only adds to the base
        if self.slow_trees:
            L = L[~np.isin(self.leaf_tree[L], list(self.slow_trees))]
        feats = self.leaf_feats[lo:hi].copy()  # chunk-local: leaf l is row l - lo
        feats[feats < 0] = m1 - 1
        if per_tree:
            feats += (self.leaf_tree[lo:hi] - t0)[:, None] * m1
        tabled = 2 ** np.minimum(self.leaf_d[L], 62) <= min(n, _TABLE_MAX)
        plan = {"a": a, "b": b, "inner": nodes[self.left[a:b] >= 0], "tabled": L[tabled], "direct": L[~tabled],
                "levels": np.split(child, bounds) if len(child) else [], "feats": feats, "lo": lo}
        plan["table"], plan["offsets"] = self._tables(plan["tabled"])
        plan["tab_feats"] = feats[plan["tabled"] - lo, :plan["table"].shape[1]]
        if not per_tree and len(plan["tabled"]):
            # Real rows: the table widened to one column per feature, so that the look-ups and their sums are
            # one sparse (rows × table rows, one 1 per leaf) by dense product.
            table, tf = plan["table"], plan["tab_feats"]
            owner = np.repeat(np.arange(len(tf)), 2 ** self.leaf_d[plan["tabled"]])
            wide = np.zeros((len(table), m1))
            rows = np.arange(len(table))
            for k in range(table.shape[1]):
                wide[rows, tf[owner, k]] += table[:, k]
            plan["wide"] = np.ascontiguousarray(wide[:, :-1])
        return plan

    def _accumulate(self, plan, gl, out):
        """out[r, feature] += the Shapley values of rows whose branch choices at the plan's split nodes are gl
        (rows × nodes of the plan, True = left): carry each row's failed-feature mask down the trees, then look
        up each leaf's contribution for that mask (or compute it, for leaves without a table)."""
        a = plan["a"]
        # The narrowest integer that holds the masks: memory traffic, not arithmetic, is what this loop costs.
        dtype = next(t for w, t in ((8, np.uint8), (16, np.uint16), (32, np.uint32), (64, np.int64))
                     if self.width <= w)
        fm = np.zeros(gl.shape, dtype)
        for C in plan["levels"]:
            P = self.parent[C] - a
            fm[C - a] = fm[P] | ((gl[P] != self.is_left[C][:, None]) * self.bit[C].astype(dtype)[:, None])
        tabled, direct = plan["tabled"], plan["direct"]
        if len(tabled):
            idx = fm[self.leaf_node[tabled] - a].astype(np.int64) + plan["offsets"][:, None]  # leaves × rows
            if "wide" in plan:
                from scipy.sparse import csr_matrix  # scikit-learn and XGBoost both require scipy
                rows, wide = gl.shape[1], plan["wide"]
                hits = csr_matrix((np.ones(idx.size), np.ascontiguousarray(idx.T).reshape(-1),
                                   np.arange(0, idx.size + 1, len(tabled))), shape=(rows, len(wide)))
                out[:, :-1] += hits @ wide  # the padding column is left out of the product
            else:
                self._scatter(out, plan["table"][idx], plan["tab_feats"])
        for d in np.unique(self.leaf_d[direct]):
            g = direct[self.leaf_d[direct] == d]
            self._direct(out, fm[self.leaf_node[g] - a], g, int(d), plan["feats"][g - plan["lo"]])

    def _shap_leaves(self, Xc, miss, t0, t1, phi):
        n, m1 = phi.shape
        plan = self._plan(t0, t1, n, m1, False)
        a, b, inner = plan["a"], plan["b"], plan["inner"]
        rb = max(1, min(n, _BLOCK // max(b - a, plan["tab_feats"].size, 1)))
        for r0 in range(0, n, rb):
            r1 = min(n, r0 + rb)
            gl = np.zeros((b - a, r1 - r0), bool)
            gl[inner - a] = self._go_left(Xc[:, r0:r1], None if miss is None else miss[:, r0:r1], inner)
            self._accumulate(plan, gl, phi[r0:r1])

    def _shap_tree_tables(self, Xc, miss, t0, t1, phi):
        """Small trees: every combination of a tree's I branch choices is one synthetic row, explained once into
        a table (tree, combination) → m values; a real row then costs I comparisons and one look-up per tree."""
        n, m1 = phi.shape
        Tc = t1 - t0
        plan = self._plan(t0, t1, 2 ** int(self.tree_inner[t0:t1].max()), m1, True)
        a, b, inner = plan["a"], plan["b"], plan["inner"]
        tree = np.searchsorted(self.tree_start, inner, side="right") - 1
        first = np.searchsorted(tree, tree)  # inner is sorted, so each tree's split nodes are contiguous
        j = np.arange(len(inner)) - first  # bit of each split node within its tree
        R = 2 ** int(self.tree_inner[t0:t1].max())
        combos = np.arange(R)
        gl = np.zeros((b - a, R), bool)
        gl[inner - a] = ((combos[None, :] >> j[:, None]) & 1).astype(bool)
        table = np.zeros((R, Tc * m1))
        self._accumulate(plan, gl, table)
        table = table.reshape(R, Tc, m1).transpose(1, 0, 2).reshape(Tc * R, m1)
        has = np.flatnonzero(self.tree_inner[t0:t1] > 0)
        if not len(has):
            return
        # slot[t, k]: the k-th split node of tree t among `inner`, or a row of False for trees with fewer.
        width = int(self.tree_inner[t0:t1].max())
        slot = np.full((Tc, width), len(inner))
        slot[tree - t0, j] = np.arange(len(inner))
        slot = slot[has]
        rb = max(1, min(n, _BLOCK // max(len(inner), 1)))
        from scipy.sparse import csr_matrix  # scikit-learn and XGBoost both require scipy
        for r0 in range(0, n, rb):
            r1 = min(n, r0 + rb)
            gl = np.zeros((len(inner) + 1, r1 - r0), bool)
            gl[:-1] = self._go_left(Xc[:, r0:r1], None if miss is None else miss[:, r0:r1], inner)
            code = np.packbits(gl[slot], axis=1, bitorder="little")[:, 0, :].astype(np.int64)  # trees × rows
            code += (has * R)[:, None]
            hits = csr_matrix((np.ones(code.size), np.ascontiguousarray(code.T).reshape(-1),
                               np.arange(0, code.size + 1, len(has))), shape=(r1 - r0, len(table)))
            phi[r0:r1] += hits @ table

    def _tables(self, leaves):
        """For each leaf, its Shapley contributions for all 2^d patterns of failed path features: a table of
        rows (offset of the leaf + failed mask) × path slots, and the leaves' offsets."""
        if not len(leaves):
            return np.zeros((0, 0)), np.zeros(0, np.int64)
        d = self.leaf_d[leaves]
        width = int(d.max())
        rows = 2 ** d
        offsets = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64)
        table = np.zeros((int(rows.sum()), width))
        for dd in np.unique(d):
            dd = int(dd)
            sel = np.flatnonzero(d == dd)
            patterns = np.arange(2 ** dd)
            o = (((patterns[:, None] >> np.arange(dd)) & 1) == 0).astype(np.float64)  # bit set = failed
            zz = np.repeat(self.leaf_z[leaves[sel], :dd], len(patterns), axis=0)
            oo = np.tile(o, (len(sel), 1))
            vals = _leaf_phi(zz, oo) * np.repeat(self.leaf_value[leaves[sel]], len(patterns))[:, None]
            at = (offsets[sel][:, None] + patterns[None, :]).reshape(-1)
            table[at, :dd] = vals
        return table, offsets

    def _direct(self, out, fm, leaves, d, feats):
        """Leaves with too many path features for a table: Algorithm 2 for each (row, leaf) pair."""
        rows = out.shape[0]
        step = max(1, _BLOCK // max(1, rows * d))
        for s in range(0, len(leaves), step):
            g = leaves[s:s + step]
            masks = fm[s:s + step]  # leaves × rows
            o = (((masks[:, :, None] >> np.arange(d)) & 1) == 0).astype(np.float64).reshape(-1, d)
            z = np.repeat(self.leaf_z[g, :d], rows, axis=0)
            vals = _leaf_phi(z, o).reshape(len(g), rows, d) * self.leaf_value[g][:, None, None]
            self._scatter(out, vals, feats[s:s + step, :d])

    @staticmethod
    def _scatter(out, vals, feats):
        """out[r, feats[l, k]] += vals[l, r, k]."""
        rows, width = out.shape
        keys = (np.arange(rows)[None, :, None] * width + feats[:, None, :]).reshape(-1)
        out += np.bincount(keys, weights=vals.reshape(-1), minlength=rows * width).reshape(rows, width)

    def _shap_slow(self, X, t, phi):
        a, b = int(self.tree_start[t]), int(self.tree_start[t + 1])
        tree = self.reference_tree(t)
        for i, x in enumerate(X):
            phi[i, :self.n_features] += tree_shap(tree, x, self.n_features)

    def reference_tree(self, t):
        """Tree t as a plain-Python `Tree` with the same branch rule (for the fallback and for tests)."""
        a, b = int(self.tree_start[t]), int(self.tree_start[t + 1])
        left = np.where(self.left[a:b] >= 0, self.left[a:b] - a, -1).tolist()
        right = np.where(self.right[a:b] >= 0, self.right[a:b] - a, -1).tolist()
        feature, thr, dl = self.feature[a:b].tolist(), self.threshold[a:b], self.default_left[a:b].tolist()
        rule, missing = self.rule, self.missing
        thr32 = [np.float32(v) for v in thr] if rule == "lt32" else None
        thr = thr.tolist()

        def go_left(nd, x):
            v = x[feature[nd]]
            if rule == "le32":
                return float(np.float32(v)) <= thr[nd]
            if v != v or (missing is not None and v == missing):
                return dl[nd]
            return np.float32(v) < thr32[nd] if rule == "lt32" else v <= thr[nd]

        return Tree(left, right, feature, thr, self.value[a:b], self.cover[a:b], go_left)


def _leaf_phi(z, o):
    """Algorithm 2 at one leaf, vectorised over K (leaf, pattern) or (row, leaf) pairs: z, o are K × d zero
    and one fractions (o is 0 or 1) of the d distinct path features; returns the K × d Shapley contributions per
    unit of leaf value. EXTEND builds the path's permutation weights; UNWOUND_SUM takes each feature back out.
    For o = 0 the division by z in UNWOUND_SUM cancels against (o − z), so it is not performed: a zero cover
    fraction cannot produce NaN."""
    K, d = z.shape
    w = np.zeros((K, d + 1))
    w[:, 0] = 1.0
    for i in range(d):
        D = i + 1
        zi, oi = z[:, i], o[:, i]
        for j in range(D - 1, -1, -1):
            w[:, j + 1] += oi * w[:, j] * ((j + 1) / (D + 1))
            w[:, j] *= zi * ((D - j) / (D + 1))
    out = np.empty((K, d))
    for k in range(d):
        zk = z[:, k]
        nxt = w[:, d].copy()
        one = np.zeros(K)
        zero = np.zeros(K)
        for j in range(d - 1, -1, -1):
            tmp = nxt * ((d + 1) / (j + 1))
            one += tmp
            nxt = w[:, j] - tmp * zk * ((d - j) / (d + 1))
            zero += w[:, j] * ((d + 1) / (d - j))
        out[:, k] = np.where(o[:, k] > 0, one * (1.0 - zk), -zero)
    return out


# ---------------------------------------------------------------- model adapters

def _adapter(model):
    """None when the model is not supported; else a function building (forest, info, output_of)."""
    module = type(model).__module__ or ""
    if module.startswith("sklearn."):
        return _sklearn_adapter(model, type(model).__name__)
    if module.startswith("xgboost"):
        return _xgboost_adapter(model)
    return None


def _info(task, link, classes=None):
    positive = None
    if task == "binary":
        positive = classes[1]
        positive = positive.item() if hasattr(positive, "item") else positive
    return {"task": task, "link": link, "positive_class": positive}


def _sk_tree(tree_, value):
    n = tree_.node_count
    return (tree_.children_left, tree_.children_right, tree_.feature, tree_.threshold, np.zeros(n, bool),
            value, tree_.weighted_n_node_samples)


def _sk_proba1(tree_):
    """The probability of class index 1 at every node (scikit-learn 1.2 stores weighted class counts)."""
    v = tree_.value[:, 0, :]
    total = v.sum(axis=1)
    return np.divide(v[:, 1], total, out=np.zeros(len(total)), where=total > 0)


def _binary(est):
    return getattr(est, "n_outputs_", 1) == 1 and len(getattr(est, "classes_", ())) == 2


def _sklearn_adapter(model, name):
    if not hasattr(model, "n_features_in_"):
        return None  # not fitted
    m = model.n_features_in_
    if name in ("DecisionTreeRegressor", "ExtraTreeRegressor") and model.n_outputs_ == 1:
        return lambda: (_Forest([_sk_tree(model.tree_, model.tree_.value[:, 0, 0])], "le32", 0.0, m),
                        _info("regression", "identity"), model.predict)
    if name in ("DecisionTreeClassifier", "ExtraTreeClassifier") and _binary(model):
        return lambda: (_Forest([_sk_tree(model.tree_, _sk_proba1(model.tree_))], "le32", 0.0, m),
                        _info("binary", "identity", model.classes_), lambda X: model.predict_proba(X)[:, 1])
    if name in ("RandomForestRegressor", "ExtraTreesRegressor") and model.n_outputs_ == 1:
        def build():
            k = 1.0 / len(model.estimators_)
            trees = [_sk_tree(e.tree_, e.tree_.value[:, 0, 0] * k) for e in model.estimators_]
            return _Forest(trees, "le32", 0.0, m), _info("regression", "identity"), model.predict
        return build
    if name in ("RandomForestClassifier", "ExtraTreesClassifier") and _binary(model):
        def build():
            k = 1.0 / len(model.estimators_)
            trees = [_sk_tree(e.tree_, _sk_proba1(e.tree_) * k) for e in model.estimators_]
            return (_Forest(trees, "le32", 0.0, m), _info("binary", "identity", model.classes_),
                    lambda X: model.predict_proba(X)[:, 1])
        return build
    if name in ("GradientBoostingRegressor", "GradientBoostingClassifier"):
        if model.estimators_.shape[1] != 1:
            return None  # multiclass: one tree per class and stage
        init = model.init_
        if not (isinstance(init, str) and init == "zero") and type(init).__name__ not in ("DummyRegressor",
                                                                                          "DummyClassifier"):
            return None  # a user init estimator makes the offset depend on the row
        classifier = name.endswith("Classifier")
        if classifier and model.loss not in ("log_loss", "deviance"):
            return None  # exponential loss: the probability is expit(2·raw), not a logit link

        def build():
            lr = float(model.learning_rate)
            raw0 = float(np.ravel(model._raw_predict_init(np.zeros((1, m))))[0])
            trees = [_sk_tree(e.tree_, e.tree_.value[:, 0, 0] * lr) for e in model.estimators_[:, 0]]
            forest = _Forest(trees, "le32", raw0, m)
            if classifier:
                return forest, _info("binary", "logit", model.classes_), model.decision_function
            return forest, _info("regression", "identity"), model.predict
        return build
    if name in ("HistGradientBoostingRegressor", "HistGradientBoostingClassifier"):
        if getattr(model, "n_trees_per_iteration_", 0) != 1 or not hasattr(model, "_predictors"):
            return None
        classifier = name.endswith("Classifier")
        if classifier and (not _binary(model) or model.loss not in ("log_loss", "auto", "binary_crossentropy")):
            return None
        if not classifier and model.loss not in ("squared_error", "absolute_error", "quantile"):
            return None  # poisson / gamma predict exp(raw)
        for it in model._predictors:
            nodes = it[0].nodes
            if "is_categorical" in nodes.dtype.names and nodes["is_categorical"].any():
                return None

        def build():
            trees = []
            for it in model._predictors:
                nd = it[0].nodes
                leaf = nd["is_leaf"].astype(bool)
                trees.append((np.where(leaf, -1, nd["left"].astype(np.int64)),
                              np.where(leaf, -1, nd["right"].astype(np.int64)),
                              nd["feature_idx"], nd["num_threshold"], nd["missing_go_to_left"].astype(bool),
                              nd["value"], nd["count"]))
            offset = float(np.ravel(model._baseline_prediction)[0])
            forest = _Forest(trees, "le64", offset, m)
            if classifier:
                return forest, _info("binary", "logit", model.classes_), model.decision_function
            return forest, _info("regression", "identity"), model.predict
        return build
    return None


_XGB_IDENTITY = ("reg:squarederror", "reg:linear", "reg:absoluteerror", "reg:pseudohubererror")
_XGB_LOGIT = ("binary:logistic", "binary:logitraw")


def _xgboost_adapter(model):
    import json
    import xgboost
    if isinstance(model, xgboost.Booster):
        booster, wrapper = model, None
    elif hasattr(model, "get_booster"):
        try:
            booster, wrapper = model.get_booster(), model
        except Exception:  # not fitted
            return None
    else:
        return None
    cfg = json.loads(booster.save_config())["learner"]
    objective = cfg["objective"]["name"]
    params = cfg["learner_model_param"]
    if cfg["gradient_booster"]["name"] != "gbtree" or objective not in _XGB_IDENTITY + _XGB_LOGIT:
        return None
    if int(params.get("num_class", "0")) > 1 or int(params.get("num_target", "1")) > 1:
        return None
    raw = json.loads(booster.save_raw("json"))
    trees = raw["learner"]["gradient_booster"]["model"]["trees"]
    if any(any(t.get("split_type", [])) for t in trees):
        return None  # categorical splits
    per_round = int(cfg["gradient_booster"].get("gbtree_model_param", {}).get("num_parallel_tree", "1"))
    if wrapper is not None:
        try:
            trees = trees[:(int(wrapper.best_iteration) + 1) * per_round]  # the wrapper predicts with these
        except AttributeError:
            pass
    m = int(params["num_feature"])
    missing = float(wrapper.missing) if wrapper is not None and wrapper.missing is not None else np.nan
    logit = objective in _XGB_LOGIT

    def build():
        base_score = float(np.float32(float(params["base_score"])))
        offset = float(np.log(base_score / (1.0 - base_score))) if objective == "binary:logistic" else base_score
        parsed = []
        for t in trees:
            left = np.asarray(t["left_children"], np.int64)
            cond = np.asarray(t["split_conditions"], np.float32).astype(np.float64)
            parsed.append((left, np.asarray(t["right_children"], np.int64), np.asarray(t["split_indices"], np.int64),
                           cond, np.asarray(t["default_left"], bool), np.where(left < 0, cond, 0.0),
                           np.asarray(t["sum_hessian"], np.float64)))
        forest = _Forest(parsed, "lt32", offset, m, missing)
        if wrapper is not None:
            output_of = lambda X: wrapper.predict(X, output_margin=True)
        else:
            output_of = lambda X: booster.predict(xgboost.DMatrix(X, missing=np.nan), output_margin=True)
        classes = getattr(wrapper, "classes_", None)
        if classes is None or len(classes) != 2:
            classes = [0, 1]
        info = _info("binary", "logit", classes) if logit else _info("regression", "identity")
        return forest, info, output_of
    return build


def ensemble_shap(model, X):
    """(base, rows) for a supported tree model: the earlier list-based interface, kept for callers of it."""
    r = explain(model, np.asarray(X, dtype=np.float64))
    return float(r["base"][0]) if len(r["base"]) else None, r["values"].tolist()


# ---------------------------------------------------------------- the plain-Python reference (Algorithm 2)

class Tree:
    """One regression tree as parallel per-node lists; children_left[n] == -1 marks a leaf. `go_left(n, x)`
    decides the branch (scikit-learn compares float32(x) <= threshold)."""

    def __init__(self, children_left, children_right, feature, threshold, value, cover, go_left=None):
        self.left = list(children_left)
        self.right = list(children_right)
        self.feature = list(feature)
        self.threshold = list(threshold)
        self.value = [float(v) for v in value]
        self.cover = [float(c) for c in cover]
        self.go_left = go_left or (lambda n, x: x[self.feature[n]] <= self.threshold[n])

    def expected_value(self):
        """The cover-weighted mean of the leaves: v(∅), the base of every row's attributions."""
        root = self.cover[0]
        return sum(self.cover[n] / root * self.value[n] for n in range(len(self.left)) if self.left[n] == -1)

    def predict(self, x):
        n = 0
        while self.left[n] != -1:
            n = self.left[n] if self.go_left(n, x) else self.right[n]
        return self.value[n]


def tree_shap(tree, x, n_features):
    """Path-dependent Shapley values of one row for one tree: a list of n_features floats. Their sum plus
    tree.expected_value() is tree.predict(x) (up to rounding)."""
    phi = [0.0] * n_features
    _recurse(tree, x, phi, 0, [], 1.0, 1.0, -1)
    return phi


# The path holds, for each distinct feature split on from the root to here, the fraction of the cover that flows
# this way when the feature is left out (zero), whether the row itself goes this way (one: 1 or 0), and the
# permutation weights; entry 0 is the root's placeholder (feature -1).

def _extend(path, zero, one, feature):
    d = len(path)
    path.append([feature, zero, one, 1.0 if d == 0 else 0.0])
    for i in range(d - 1, -1, -1):
        path[i + 1][3] += one * path[i][3] * (i + 1) / (d + 1)
        path[i][3] = zero * path[i][3] * (d - i) / (d + 1)


def _unwind(path, i):
    d = len(path) - 1
    zero, one = path[i][1], path[i][2]
    nxt = path[d][3]
    for j in range(d - 1, -1, -1):
        if one != 0:
            tmp = path[j][3]
            path[j][3] = nxt * (d + 1) / ((j + 1) * one)
            nxt = tmp - path[j][3] * zero * (d - j) / (d + 1)
        else:
            path[j][3] = path[j][3] * (d + 1) / (zero * (d - j))
    for j in range(i, d):
        path[j][0], path[j][1], path[j][2] = path[j + 1][0], path[j + 1][1], path[j + 1][2]
    path.pop()


def _unwound_sum(path, i):
    d = len(path) - 1
    zero, one = path[i][1], path[i][2]
    nxt = path[d][3]
    total = 0.0
    for j in range(d - 1, -1, -1):
        if one != 0:
            tmp = nxt * (d + 1) / ((j + 1) * one)
            total += tmp
            nxt = path[j][3] - tmp * zero * (d - j) / (d + 1)
        else:
            total += path[j][3] / zero / ((d - j) / (d + 1))
    return total


def _recurse(tree, x, phi, node, parent_path, zero, one, feature):
    path = [list(e) for e in parent_path]
    _extend(path, zero, one, feature)
    if tree.left[node] == -1:
        for i in range(1, len(path)):
            w = _unwound_sum(path, i)
            phi[path[i][0]] += w * (path[i][2] - path[i][1]) * tree.value[node]
        return
    split = tree.feature[node]
    hot, cold = (tree.left[node], tree.right[node]) if tree.go_left(node, x) else (tree.right[node], tree.left[node])
    cover = tree.cover[node]
    incoming_zero, incoming_one = 1.0, 1.0
    for i in range(1, len(path)):
        if path[i][0] == split:
            # A feature split on again: its earlier entry is taken out and its fractions carried into this one.
            incoming_zero, incoming_one = path[i][1], path[i][2]
            _unwind(path, i)
            break
    _recurse(tree, x, phi, hot, path, tree.cover[hot] / cover * incoming_zero, incoming_one, split)
    _recurse(tree, x, phi, cold, path, tree.cover[cold] / cover * incoming_zero, 0.0, split)



# ---------------------------------------------------------------- linear models

def linear_shap(coef, intercept, X, mean):
    """Exact interventional Shapley values of a linear model f(x) = intercept + coef · x against the feature
    means `mean`: φ_j = coef_j · (x_j − mean_j); base = f(mean)."""
    base = float(intercept) + sum(c * m for c, m in zip(coef, mean))
    return base, [[c * (v - m) for c, v, m in zip(coef, x, mean)] for x in X]
