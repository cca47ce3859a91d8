"""Issue 12, part 1: exact attributions (sdk/python/lineage/_treeshap.py) against the definition itself —
Shapley values by enumerating all 2^M coalitions of the value function each method claims to be exact for —
on real scikit-learn models (Debian's python3-sklearn), to 1e-9; and additivity against the model's own
predictions."""
import itertools
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "sdk", "python"))

import numpy as np  # noqa: E402
from lineage import _treeshap as ts  # noqa: E402

try:
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor, RandomForestRegressor
    from sklearn.linear_model import Ridge
    from sklearn.tree import DecisionTreeRegressor
except ImportError:  # pragma: no cover - CI installs python3-sklearn
    raise unittest.SkipTest("scikit-learn is needed: apt-get install python3-sklearn")


def path_value(tree, x, subset, node=0):
    """v(S) of path-dependent TreeSHAP: features in S follow x, the others average their children by cover."""
    if tree.left[node] == -1:
        return tree.value[node]
    left, right = tree.left[node], tree.right[node]
    if tree.feature[node] in subset:
        return path_value(tree, x, subset, left if tree.go_left(node, x) else right)
    c = tree.cover[node]
    return (tree.cover[left] / c) * path_value(tree, x, subset, left) + (tree.cover[right] / c) * path_value(tree, x, subset, right)


def shapley_by_enumeration(value, m):
    phi = [0.0] * m
    for j in range(m):
        others = [k for k in range(m) if k != j]
        for size in range(m):
            weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
            for s in itertools.combinations(others, size):
                phi[j] += weight * (value(set(s) | {j}) - value(set(s)))
    return phi


def data(n=300, m=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, m))
    X[:, 2] = np.round(X[:, 2] * 2) / 2  # ties and repeated thresholds
    y = X[:, 0] * 3 + np.sin(X[:, 1] * 2) + X[:, 2] * X[:, 3] + rng.normal(scale=0.1, size=n)
    return X, y


class TreeShapExactTest(unittest.TestCase):
    def assert_close(self, got, want, scale, what):
        for g, w in zip(got, want):
            self.assertLessEqual(abs(g - w), 1e-9 * max(1.0, scale), "%s: %r vs %r" % (what, got, want))

    def test_single_trees_match_enumeration_of_all_coalitions(self):
        X, y = data()
        for depth in (2, 4, 8):
            model = DecisionTreeRegressor(max_depth=depth, random_state=depth).fit(X, y)
            tree = ts.sklearn_tree(model.tree_)
            for x in X[:12]:
                want = shapley_by_enumeration(lambda s: path_value(tree, x, s), X.shape[1])
                got = ts.tree_shap(tree, x, X.shape[1])
                self.assert_close(got, want, abs(y).max(), "depth %d" % depth)
                # Additivity: base + Σφ is the tree's own prediction.
                self.assertAlmostEqual(tree.expected_value() + sum(got), float(model.predict(x[None])[0]), delta=1e-9 * abs(y).max())

    def test_a_deep_tree_that_splits_on_one_feature_many_times(self):
        rng = np.random.default_rng(3)
        X = rng.uniform(size=(400, 3))
        y = np.floor(X[:, 0] * 10) + X[:, 1]
        model = DecisionTreeRegressor(max_depth=10, random_state=0).fit(X, y)
        tree = ts.sklearn_tree(model.tree_)
        self.assertGreater(sum(1 for f in tree.feature if f == 0), 5)
        for x in X[:10]:
            want = shapley_by_enumeration(lambda s: path_value(tree, x, s), 3)
            self.assert_close(ts.tree_shap(tree, x, 3), want, 10, "repeated feature")

    def test_ensembles_add_up_to_their_predictions_and_match_the_definition(self):
        X, y = data(seed=1)
        m = X.shape[1]
        models = [
            GradientBoostingRegressor(n_estimators=25, max_depth=3, learning_rate=0.1, random_state=0).fit(X, y),
            RandomForestRegressor(n_estimators=10, max_depth=5, random_state=0).fit(X, y),
        ]
        cls = GradientBoostingClassifier(n_estimators=20, max_depth=3, random_state=0).fit(X, y > np.median(y))
        for model in models + [cls]:
            base, rows = ts.ensemble_shap(model, X[:8].tolist())
            raw = cls.decision_function(X[:8]) if model is cls else model.predict(X[:8])
            trees, scale, offset = ts.ensemble_of(model)
            for x, phi, f in zip(X[:8], rows, raw):
                self.assertAlmostEqual(base + sum(phi), float(f), delta=1e-9 * max(1.0, abs(float(f))), msg=type(model).__name__)
                want = [0.0] * m
                for t in trees:
                    for j, v in enumerate(shapley_by_enumeration(lambda s, t=t: path_value(t, x, s), m)):
                        want[j] += scale * v
                self.assert_close(phi, want, abs(float(f)), type(model).__name__)

    def test_linear_models_are_exact_interventional_shapley_values(self):
        X, y = data(seed=2)
        model = Ridge(alpha=0.5).fit(X, y)
        mean = X.mean(axis=0)
        base, rows = ts.linear_shap(model.coef_, model.intercept_, X[:10], mean)
        m = X.shape[1]
        for x, phi in zip(X[:10], rows):
            def v(s, x=x):
                z = mean.copy()
                for j in s:
                    z[j] = x[j]
                return float(model.predict(z[None])[0])
            self.assert_close(phi, shapley_by_enumeration(v, m), 10, "ridge")
            self.assertAlmostEqual(base + sum(phi), float(model.predict(x[None])[0]), delta=1e-9 * 10)

    def test_unsupported_models_are_refused_by_name(self):
        from sklearn.neighbors import KNeighborsRegressor
        X, y = data()
        with self.assertRaisesRegex(TypeError, "no exact TreeSHAP for KNeighborsRegressor"):
            ts.ensemble_shap(KNeighborsRegressor().fit(X, y), X[:2].tolist())


if __name__ == "__main__":
    unittest.main()
