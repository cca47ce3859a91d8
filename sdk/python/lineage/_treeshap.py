"""Exact attributions for tree models and linear models (issue 12, part 1: the algorithms; not wired to
lineage.explain yet).

Path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent individualized feature attribution for tree
ensembles", Algorithm 2): the Shapley values of v(S) = the tree's output when the features in S follow the row's
branch and every other split averages its children weighted by training cover. Exact for that v, in
O(L · D²) per tree and row (L leaves, D depth) instead of the 2^M coalitions; plain Python here (a row of a
200-tree ensemble of depth 3 takes milliseconds), to be vectorised when the Explain panel needs thousands of rows.

Linear models: interventional Shapley values coef_j · (x_j − mean_j), exact, in the model's output space.

numpy is only needed by the adapters for scikit-learn models (imported there); the core works on lists.
"""


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


# ---------------------------------------------------------------- scikit-learn adapters

def sklearn_tree(est_tree):
    """A scikit-learn `tree_` (DecisionTree*, and the trees inside forests and gradient boosting) as a Tree of
    its first output. Inputs are compared as scikit-learn does: cast to float32, then x <= threshold."""
    import numpy as np
    t = est_tree
    feature = t.feature.tolist()
    threshold = t.threshold.tolist()

    def go_left(n, x):
        return float(np.float32(x[feature[n]])) <= threshold[n]

    return Tree(t.children_left.tolist(), t.children_right.tolist(), feature, threshold,
                t.value[:, 0, 0].tolist(), t.weighted_n_node_samples.tolist(), go_left)


def ensemble_of(model):
    """(trees, scale, offset) such that the model's raw output is offset + scale · Σ tree outputs, for
    scikit-learn regression trees, random forests, extra trees and gradient boosting (regression; binary
    classification in log-odds). None for anything else."""
    import numpy as np
    name = type(model).__name__
    if name in ("DecisionTreeRegressor", "ExtraTreeRegressor"):
        return [sklearn_tree(model.tree_)], 1.0, 0.0
    if name in ("RandomForestRegressor", "ExtraTreesRegressor"):
        trees = [sklearn_tree(e.tree_) for e in model.estimators_]
        return trees, 1.0 / len(trees), 0.0
    if name in ("GradientBoostingRegressor", "GradientBoostingClassifier"):
        if model.estimators_.shape[1] != 1:
            return None  # multiclass: one set of trees per class, not handled yet
        trees = [sklearn_tree(e.tree_) for e in model.estimators_[:, 0]]
        zero = np.zeros((1, model.n_features_in_))
        # The raw prediction of the initial estimator (a constant): the decision function minus the trees.
        raw0 = float(np.ravel(model._raw_predict_init(zero))[0])
        return trees, float(model.learning_rate), raw0
    return None


def ensemble_shap(model, X):
    """(base, rows): exact path-dependent attributions of each row of X for a supported scikit-learn tree
    model, in its raw output (log-odds for a binary gradient-boosting classifier)."""
    found = ensemble_of(model)
    if found is None:
        raise TypeError("no exact TreeSHAP for %s" % type(model).__name__)
    trees, scale, offset = found
    m = len(X[0])
    base = offset + scale * sum(t.expected_value() for t in trees)
    rows = []
    for x in X:
        phi = [0.0] * m
        for t in trees:
            for j, v in enumerate(tree_shap(t, x, m)):
                phi[j] += scale * v
        rows.append(phi)
    return base, rows


def linear_shap(coef, intercept, X, mean):
    """Exact interventional Shapley values of a linear model f(x) = intercept + coef · x against the feature
    means `mean`: φ_j = coef_j · (x_j − mean_j); base = f(mean)."""
    base = float(intercept) + sum(c * m for c, m in zip(coef, mean))
    return base, [[c * (v - m) for c, v, m in zip(coef, x, mean)] for x in X]
