"""Issue 12: exact attributions (sdk/python/lineage/_treeshap.py) against the definition itself — Shapley values
by enumerating all 2^M coalitions of the value function each method claims to be exact for — on real
scikit-learn and XGBoost models (Debian's python3-sklearn / python3-xgboost), to 1e-9 relative; additivity
against each model's own output; and, for XGBoost, its own TreeSHAP (pred_contribs).

The oracle trees are read from the models here, independently of the module's parsers (scikit-learn `tree_`,
HistGradientBoosting predictor nodes), except for XGBoost, whose parsed trees are checked by XGBoost's own
predictions and contributions instead."""
import itertools
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "sdk", "python"))

import numpy as np  # noqa: E402
from lineage import _treeshap as ts  # noqa: E402

try:
    import sklearn.ensemble as ens
    import sklearn.tree as sktree
    from sklearn.linear_model import Ridge
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    import xgboost
except ImportError:  # pragma: no cover - CI installs python3-sklearn and python3-xgboost
    raise unittest.SkipTest("scikit-learn and xgboost are needed: apt-get install python3-sklearn python3-xgboost")


class OracleTree:
    """A tree for the oracle: per-node lists and the library's own branch rule."""

    def __init__(self, left, right, feature, cover, value, go_left):
        self.left, self.right, self.feature = list(left), list(right), list(feature)
        self.cover, self.value, self.go_left = [float(c) for c in cover], [float(v) for v in value], go_left


def sk_oracle(tree_, value):
    thr = tree_.threshold.tolist()
    feature = tree_.feature.tolist()
    return OracleTree(tree_.children_left, tree_.children_right, feature, tree_.weighted_n_node_samples, value,
                      lambda n, x: float(np.float32(x[feature[n]])) <= thr[n])


def hgb_oracle(nodes):
    leaf = nodes["is_leaf"].astype(bool)
    feature, thr = nodes["feature_idx"].tolist(), nodes["num_threshold"].tolist()
    missing_left = nodes["missing_go_to_left"].astype(bool).tolist()

    def go_left(n, x):
        v = x[feature[n]]
        return missing_left[n] if math.isnan(v) else v <= thr[n]
    return OracleTree(np.where(leaf, -1, nodes["left"].astype(int)), np.where(leaf, -1, nodes["right"].astype(int)),
                      feature, nodes["count"], nodes["value"], go_left)


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
    cache = {}

    def v(s):
        if s not in cache:
            cache[s] = value(set(s))
        return cache[s]
    for j in range(m):
        others = [k for k in range(m) if k != j]
        for size in range(m):
            weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
            for s in itertools.combinations(others, size):
                phi[j] += weight * (v(tuple(sorted(s + (j,)))) - v(s))
    return phi


def exact(trees, x, m):
    """The model's attributions by definition: the sum over its trees of each tree's enumerated Shapley values."""
    total = np.zeros(m)
    for t in trees:
        total += shapley_by_enumeration(lambda s, t=t: path_value(t, x, s), m)
    return total


def data(n=300, m=6, seed=0, nan=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, m))
    X[:, 2] = np.round(X[:, 2] * 2) / 2  # ties: many rows sit exactly on the thresholds between these values
    y = X[:, 0] * 3 + np.sin(X[:, 1] * 2) + X[:, 2] * X[:, 3] + rng.normal(scale=0.1, size=n)
    if nan:
        X[rng.random(size=(n, m)) < 0.15] = np.nan
        y = y + np.where(np.isnan(X[:, 1]), 2.0, 0.0)
    return X, y


def oracle_trees(model):
    """(trees, offset) read straight from a scikit-learn model's own structures, scaled as it sums them."""
    name = type(model).__name__
    if name.startswith(("DecisionTree", "ExtraTree")) and not name.startswith("ExtraTrees"):
        ests, scale = [model], 1.0
    elif name.startswith(("RandomForest", "ExtraTrees")):
        ests, scale = list(model.estimators_), 1.0 / len(model.estimators_)
    elif name.startswith("GradientBoosting"):
        raw0 = float(np.ravel(model._raw_predict_init(np.zeros((1, model.n_features_in_))))[0])
        lr = model.learning_rate
        return [sk_oracle(e.tree_, e.tree_.value[:, 0, 0] * lr) for e in model.estimators_[:, 0]], raw0
    elif name.startswith("HistGradientBoosting"):
        return [hgb_oracle(p[0].nodes) for p in model._predictors], float(np.ravel(model._baseline_prediction)[0])
    else:
        raise AssertionError(name)
    trees = []
    for e in ests:
        v = e.tree_.value[:, 0, :]
        leaf = v[:, 1] / v.sum(axis=1) if name.endswith("Classifier") else v[:, 0]
        trees.append(sk_oracle(e.tree_, leaf * scale))
    return trees, 0.0


def own_output(model, X):
    name = type(model).__name__
    if name.startswith(("GradientBoosting", "HistGradientBoosting")) and name.endswith("Classifier"):
        return model.decision_function(X)
    if name.endswith("Classifier"):
        return model.predict_proba(X)[:, 1]
    return model.predict(X)


class TreeShapExactTest(unittest.TestCase):
    def check_model(self, model, X, rows=6):
        """Enumeration oracle to 1e-9 relative on `rows` rows; additivity and the model's own output on all."""
        r = ts.explain(model, X)
        self.assertEqual(set(r), {"values", "base", "output", "task", "link", "positive_class", "algorithm"})
        self.assertEqual(r["values"].shape, X.shape)
        self.assertEqual(r["values"].dtype, np.float64)
        out = own_output(model, X)
        np.testing.assert_array_equal(r["output"], out)
        scale = max(1.0, float(np.abs(out).max()))
        self.assertLessEqual(float(np.abs(r["base"] + r["values"].sum(axis=1) - out).max()), 1e-9 * scale)
        trees, offset = oracle_trees(model)
        self.assertAlmostEqual(float(r["base"][0]), offset + sum(path_value(t, X[0], set()) for t in trees),
                               delta=1e-9 * scale)
        for i in range(min(rows, len(X))):
            want = exact(trees, X[i], X.shape[1])
            self.assertLessEqual(float(np.abs(r["values"][i] - want).max()), 1e-9 * scale, type(model).__name__)
        return r

    def test_single_trees_regression_and_binary_classification(self):
        X, y = data()
        for depth in (1, 2, 4, 8, None):
            self.check_model(sktree.DecisionTreeRegressor(max_depth=depth, random_state=0).fit(X, y), X[:50])
        self.check_model(sktree.ExtraTreeRegressor(max_depth=6, random_state=0).fit(X, y), X[:50])
        labels = np.where(y > np.median(y), "approved", "declined")
        for est in (sktree.DecisionTreeClassifier(max_depth=5, random_state=0),
                    sktree.ExtraTreeClassifier(max_depth=7, random_state=0)):
            r = self.check_model(est.fit(X, labels), X[:50])
            self.assertEqual((r["task"], r["link"], r["positive_class"]), ("binary", "identity", "declined"))

    def test_forests_regression_and_probability_of_class_1(self):
        X, y = data(seed=1)
        for est in (ens.RandomForestRegressor(n_estimators=8, max_depth=6, random_state=0),
                    ens.ExtraTreesRegressor(n_estimators=6, random_state=0)):
            r = self.check_model(est.fit(X, y), X[:40], rows=4)
            self.assertEqual((r["task"], r["link"], r["positive_class"]), ("regression", "identity", None))
        for est in (ens.RandomForestClassifier(n_estimators=8, max_depth=6, random_state=0),
                    ens.ExtraTreesClassifier(n_estimators=6, random_state=0)):
            r = self.check_model(est.fit(X, (y > 0).astype(int)), X[:40], rows=4)
            self.assertEqual((r["task"], r["link"], r["positive_class"]), ("binary", "identity", 1))

    def test_gradient_boosting_raw_output_and_log_odds(self):
        X, y = data(seed=2)
        r = self.check_model(ens.GradientBoostingRegressor(n_estimators=25, max_depth=3, random_state=0).fit(X, y), X)
        self.assertEqual(r["link"], "identity")
        gbc = ens.GradientBoostingClassifier(n_estimators=20, max_depth=4, subsample=0.7, random_state=0)
        r = self.check_model(gbc.fit(X, y > 0), X)
        self.assertEqual((r["task"], r["link"], r["positive_class"]), ("binary", "logit", True))
        # init="zero": no constant in the raw output; huber loss regression.
        self.check_model(ens.GradientBoostingRegressor(n_estimators=10, init="zero", loss="huber",
                                                       random_state=0).fit(X, y), X)

    def test_hist_gradient_boosting_with_missing_values(self):
        X, y = data(seed=3, nan=True)
        self.assertTrue(np.isnan(X).any())
        hgb = ens.HistGradientBoostingRegressor(max_iter=15, max_leaf_nodes=8, random_state=0).fit(X, y)
        self.assertTrue(any(p[0].nodes["missing_go_to_left"][~p[0].nodes["is_leaf"].astype(bool)].any()
                            for p in hgb._predictors), "the test needs splits that send NaN left")
        rows = np.vstack([X[np.isnan(X).any(axis=1)][:4], X[:30]])
        self.check_model(hgb, rows)
        r = self.check_model(ens.HistGradientBoostingClassifier(max_iter=12, random_state=0).fit(X, y > 0), rows)
        self.assertEqual((r["task"], r["link"]), ("binary", "logit"))

    def test_a_deep_tree_that_splits_on_one_feature_many_times(self):
        rng = np.random.default_rng(3)
        X = rng.uniform(size=(400, 3))
        y = np.floor(X[:, 0] * 10) + X[:, 1]
        model = sktree.DecisionTreeRegressor(max_depth=10, random_state=0).fit(X, y)
        self.assertGreater(int((model.tree_.feature == 0).sum()), 5)
        self.check_model(model, X[:60], rows=12)

    def test_single_leaf_trees_add_only_to_the_base(self):
        X, _ = data()
        flat = sktree.DecisionTreeRegressor().fit(X, np.full(len(X), 7.5))
        self.assertEqual(flat.tree_.node_count, 1)
        r = self.check_model(flat, X[:5])
        self.assertTrue((r["values"] == 0).all())
        self.assertEqual(r["base"].tolist(), [7.5] * 5)
        # A boosted model whose later trees are single leaves (the residuals are already zero).
        y = np.where(X[:, 0] > 0, 1.0, -1.0)
        gbr = ens.GradientBoostingRegressor(n_estimators=5, learning_rate=1.0, max_depth=2).fit(X, y)
        self.assertIn(1, [e.tree_.node_count for e in gbr.estimators_[:, 0]])
        self.check_model(gbr, X[:20])

    def test_every_evaluation_path_gives_the_same_values(self):
        """Per-tree tables (small trees), leaf tables and per-row Algorithm 2 (long paths, few rows), in one block
        or many, and the plain-Python fallback for long paths all agree."""
        X, y = data(n=400, m=8, seed=4)
        forest = ens.RandomForestRegressor(n_estimators=4, random_state=0).fit(X, y)
        boosted = ens.GradientBoostingRegressor(n_estimators=30, max_depth=3, random_state=0).fit(X, y)
        calls = {}
        originals = {}
        for name in ("_shap_tree_tables", "_shap_leaves", "_direct", "_shap_slow"):
            originals[name] = getattr(ts._Forest, name)

            def counted(self, *args, _name=name):
                calls[_name] = calls.get(_name, 0) + 1
                return originals[_name](self, *args)
            setattr(ts._Forest, name, counted)
        self.addCleanup(lambda: [setattr(ts._Forest, k, v) for k, v in originals.items()])
        for model in (forest, boosted):
            full = ts.explain(model, X)["values"]
            for n in (1, 2, 5, 17, 90):  # few rows: tables are not worth it, leaves are computed per row
                np.testing.assert_allclose(ts.explain(model, X[:n])["values"], full[:n], rtol=0, atol=1e-12)
            saved = ts._BLOCK, ts._MAX_BITS
            try:
                ts._BLOCK = 500  # many tree chunks and row blocks
                np.testing.assert_allclose(ts.explain(model, X)["values"], full, rtol=0, atol=1e-12)
                ts._BLOCK, ts._MAX_BITS = saved[0], 2  # paths with > 2 features go to the plain-Python fallback
                np.testing.assert_allclose(ts.explain(model, X[:20])["values"], full[:20], rtol=0, atol=1e-12)
            finally:
                ts._BLOCK, ts._MAX_BITS = saved
        self.assertEqual(set(calls), set(originals), "every path ran")

    def test_paths_with_many_distinct_features(self):
        """Wider failed-feature masks (more than 8 and 16 features on one path) against Algorithm 2 in plain Python
        (itself checked against the enumeration above; 2^M enumeration is out of reach at M = 40)."""
        rng = np.random.default_rng(7)
        X = rng.normal(size=(3000, 40))
        y = X.sum(axis=1) + np.sin(3 * X).sum(axis=1)
        model = sktree.DecisionTreeRegressor(random_state=0).fit(X, y)
        forest, _, _ = ts._adapter(model)()
        self.assertGreater(forest.width, 16)
        r = ts.explain(model, X[:40])
        tree = forest.reference_tree(0)
        for i in range(0, 40, 8):
            np.testing.assert_allclose(r["values"][i], ts.tree_shap(tree, X[i], 40), rtol=0, atol=1e-9 * 50)
        self.assertLessEqual(float(np.abs(r["base"] + r["values"].sum(axis=1) - r["output"]).max()), 1e-9 * 50)

    def test_refused_models_and_bad_input(self):
        X, y = data()
        y3 = np.digitize(y, [-1, 1])
        refused = [
            ens.GradientBoostingClassifier(n_estimators=3).fit(X, y3),
            ens.RandomForestClassifier(n_estimators=3).fit(X, y3),
            ens.HistGradientBoostingClassifier(max_iter=3).fit(X, y3),
            ens.GradientBoostingClassifier(n_estimators=3, loss="exponential").fit(X, y > 0),
            ens.HistGradientBoostingRegressor(max_iter=3, loss="poisson").fit(X, np.exp(y / 5)),
            ens.GradientBoostingRegressor(n_estimators=3, init=Ridge()).fit(X, y),
            sktree.DecisionTreeRegressor().fit(X, np.c_[y, y]),
            xgboost.XGBClassifier(n_estimators=3).fit(X, y3),
            xgboost.XGBRegressor(n_estimators=3, objective="count:poisson").fit(X, np.exp(y / 5)),
            make_pipeline(StandardScaler(), sktree.DecisionTreeRegressor()).fit(X, y),  # unwrap pipelines first
            KNeighborsRegressor().fit(X, y),
            ens.RandomForestRegressor(),  # not fitted
            "not a model",
        ]
        for model in refused:
            self.assertFalse(ts.supports(model), model)
        with self.assertRaisesRegex(TypeError, "no exact TreeSHAP for KNeighborsRegressor.*Kernel SHAP"):
            ts.explain(refused[-3], X[:2])
        tree = sktree.DecisionTreeRegressor(max_depth=3).fit(X, y)
        self.assertTrue(ts.supports(tree))
        with self.assertRaisesRegex(ValueError, "X has 5 columns but DecisionTreeRegressor was fitted on 6"):
            ts.explain(tree, X[:3, :5])
        bad = X[:3].copy()
        bad[1, 2] = np.nan
        with self.assertRaisesRegex(ValueError, "does not accept missing values"):
            ts.explain(tree, bad)
        empty = ts.explain(tree, X[:0])
        self.assertEqual((empty["values"].shape, empty["base"].shape, empty["output"].shape), ((0, 6), (0,), (0,)))
        with self.assertRaisesRegex(ValueError, "does not accept .* beyond float32's range"):
            ts.explain(tree, X[:4] * 1e300)
        # HistGradientBoosting compares in float64 and takes infinities and huge values as they are.
        hgb = ens.HistGradientBoostingRegressor(max_iter=5).fit(X, y)
        huge = np.vstack([X[:4] * 1e300, np.full((1, 6), np.inf), np.full((1, 6), -np.inf)])
        r = ts.explain(hgb, huge)
        self.assertTrue(np.isfinite(r["values"]).all())
        np.testing.assert_allclose(r["base"] + r["values"].sum(axis=1), hgb.predict(huge), rtol=0, atol=1e-12)


class XGBoostTest(unittest.TestCase):
    """XGBoost keeps leaves, thresholds and its own TreeSHAP in float32. Our values are float64 sums over the
    parsed (float32-exact) leaves, so against XGBoost they agree to float32 rounding: the tolerance is
    16 · 2^-23 (≈ 1.9e-6) × Σ over trees of the largest |leaf|, which bounds every attribution and output
    (each float32 addition or product of XGBoost's loses at most 2^-24 of a value of at most that size, and a
    row's TreeSHAP in float32 chains a few such operations per tree). Exactness itself is checked to 1e-9 against
    the enumeration oracle on the parsed trees, and the parse against XGBoost's own predictions."""

    def check(self, model, X, missing=np.nan):
        r = ts.explain(model, X)
        booster = model.get_booster()
        forest, _, _ = ts._adapter(model)()
        leaf_scale = float(sum(np.abs(forest.value[forest.tree_start[t]:forest.tree_start[t + 1]]).max()
                               for t in range(len(forest.tree_start) - 1)))
        tol32 = 16 * 2.0 ** -23 * leaf_scale
        contribs = booster.predict(xgboost.DMatrix(X, missing=missing), pred_contribs=True)
        self.assertLessEqual(float(np.abs(contribs[:, :-1] - r["values"]).max()), tol32)
        self.assertLessEqual(float(np.abs(contribs[:, -1] - r["base"]).max()), tol32)
        margin = model.predict(X, output_margin=True)
        np.testing.assert_array_equal(r["output"], margin.astype(np.float64))
        self.assertLessEqual(float(np.abs(r["base"] + r["values"].sum(axis=1) - r["output"]).max()), tol32)
        # Additivity to 1e-9 against the float64 sum of the parsed trees (what the model's float32 output rounds).
        trees = [forest.reference_tree(t) for t in range(len(forest.tree_start) - 1)]
        scale = max(1.0, float(np.abs(margin).max()))
        for i, x in enumerate(X):
            f64 = forest.offset + sum(t.predict(x) for t in trees)
            self.assertAlmostEqual(float(r["base"][i] + r["values"][i].sum()), f64, delta=1e-9 * scale)
            if i < 5:
                want = exact(trees, x, X.shape[1])
                self.assertLessEqual(float(np.abs(r["values"][i] - want).max()), 1e-9 * scale)
        return r

    def test_regressor_and_classifier_with_missing_values_and_ties(self):
        X, y = data(seed=5, nan=True)
        rows = np.vstack([X[np.isnan(X).any(axis=1)][:4], X[:40]])
        r = self.check(xgboost.XGBRegressor(n_estimators=20, max_depth=4).fit(X, y), rows)
        self.assertEqual((r["task"], r["link"]), ("regression", "identity"))
        r = self.check(xgboost.XGBClassifier(n_estimators=15, max_depth=3, base_score=0.3).fit(X, y > 0), rows)
        self.assertEqual((r["task"], r["link"], r["positive_class"]), ("binary", "logit", 1))
        self.check(xgboost.XGBRegressor(n_estimators=8, objective="reg:absoluteerror").fit(X, y), rows)
        self.check(xgboost.XGBRFRegressor(n_estimators=4, max_depth=5).fit(X, y), rows)

    def test_a_raw_booster_a_custom_missing_value_and_early_stopping(self):
        X, y = data(seed=6)
        booster = xgboost.train({"max_depth": 3, "objective": "binary:logistic"},
                                xgboost.DMatrix(X, label=y > 0), num_boost_round=10)
        r = ts.explain(booster, X[:30])
        contribs = booster.predict(xgboost.DMatrix(X[:30]), pred_contribs=True)
        np.testing.assert_allclose(r["values"], contribs[:, :-1], atol=1e-5)
        self.assertEqual(r["link"], "logit")
        # A wrapper whose `missing` is -999: those values take the default branch, as XGBoost's predict does.
        X2 = X.copy()
        X2[::4, 0] = -999.0
        model = xgboost.XGBRegressor(n_estimators=10, max_depth=3, missing=-999.0).fit(X2, y)
        self.check(model, X2[:30], missing=-999.0)
        # Early stopping: the wrapper predicts with the best iteration's trees, and so must the attributions.
        es = xgboost.XGBRegressor(n_estimators=200, max_depth=3, learning_rate=0.5, early_stopping_rounds=3)
        es.fit(X[:200], y[:200], eval_set=[(X[200:], y[200:])], verbose=False)
        self.assertLess(es.best_iteration + 1, 200)
        r = ts.explain(es, X[:20])
        np.testing.assert_allclose(r["base"] + r["values"].sum(axis=1), es.predict(X[:20], output_margin=True),
                                   atol=1e-5)


class LinearShapTest(unittest.TestCase):
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
            want = shapley_by_enumeration(v, m)
            self.assertLessEqual(max(abs(a - b) for a, b in zip(phi, want)), 1e-9 * 10)
            self.assertAlmostEqual(base + sum(phi), float(model.predict(x[None])[0]), delta=1e-9 * 10)


if __name__ == "__main__":
    unittest.main()
