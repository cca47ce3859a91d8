"""Issue 12: Kernel SHAP (sdk/python/lineage/_kernelshap.py) against the definition — interventional Shapley
values by enumerating all 2^m coalitions with the same weighted background — on a nonlinear function and real
scikit-learn models (SVR, MLP, k-NN, a logistic model's probability, a Pipeline on mixed object data): exact to
1e-9 when the budget covers every coalition, within its standard errors when it samples, and those standard
errors honest over many seeds."""
import itertools
import math
import os
import sys
import unittest
import warnings

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "sdk", "python"))

import numpy as np  # noqa: E402
from lineage import _kernelshap as ks  # noqa: E402

from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neighbors import KNeighborsRegressor  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder  # noqa: E402
from sklearn.svm import SVR  # noqa: E402


def exact_shapley(f, x, B, w):
    """φ_j = Σ_S |S|!(m−|S|−1)!/m! (v(S∪{j}) − v(S)), v(S) = Σ_b w_b f(x_S, b_S̄), over all 2^m coalitions (one
    model call for all of them)."""
    m = len(x)
    masks = list(itertools.product([False, True], repeat=m))
    rows = np.concatenate([np.where(np.array(mask), x, B) for mask in masks])
    scores = np.asarray(f(rows), dtype=float).reshape(len(masks), len(B))
    v = {mask: float(scores[k] @ w) for k, mask in enumerate(masks)}
    phi = np.zeros(m)
    for mask in masks:
        s = sum(mask)
        for j in range(m):
            if not mask[j]:
                with_j = mask[:j] + (True,) + mask[j + 1:]
                phi[j] += math.factorial(s) * math.factorial(m - s - 1) / math.factorial(m) * (v[with_j] - v[mask])
    return phi


def nonlinear(Z):
    Z = Z.astype(float)
    return (np.sin(Z[:, 0]) * Z[:, 1] + Z[:, 2] ** 2 + np.tanh(Z[:, 3] + Z[:, 4] * Z[:, 5]) + 0.5 * Z[:, 6]
            + Z[:, 7] * Z[:, 8] * Z[:, 9])


def models():
    """(name, f, X_explain, background, weights): m = 8..10, fitted once."""
    rng = np.random.default_rng(0)
    out = []
    X = rng.normal(size=(300, 10))
    B, w = ks.summarize_background(X, k=12, seed=0)
    out.append(("nonlinear m=10", nonlinear, X[:4], B, w))

    X8 = rng.normal(size=(300, 8))
    y8 = X8[:, 0] * X8[:, 1] + np.sin(2 * X8[:, 2]) + X8[:, 3] - 0.5 * X8[:, 4] ** 2
    svr = SVR(C=3.0).fit(X8, y8)
    B, w = ks.summarize_background(X8, k=10, seed=1)
    out.append(("SVR m=8", svr.predict, X8[:4], B, w))

    X9 = rng.normal(size=(300, 9))
    y9 = np.abs(X9[:, 0]) + X9[:, 1] * X9[:, 2] + X9[:, 3]
    with warnings.catch_warnings():  # a not fully converged net is as good a function to explain
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPRegressor(hidden_layer_sizes=(16,), max_iter=400, random_state=0).fit(X9, y9)
    out.append(("MLP m=9", mlp.predict, X9[:3], X9[100:108], None))
    knn = KNeighborsRegressor(n_neighbors=7).fit(X9, y9)
    B, w = ks.summarize_background(X9, k=8, seed=2)
    out.append(("kNN m=9", knn.predict, X9[3:6], B, w))

    y10 = (X[:, 0] + X[:, 1] * X[:, 2] - X[:, 3] > 0).astype(int)
    logit = LogisticRegression().fit(X ** 2 + X, y10)
    out.append(("logistic probability m=10", lambda Z: logit.predict_proba(Z ** 2 + Z)[:, 1], X[5:9],
                *ks.summarize_background(X, k=10, seed=3)))
    return out


MODELS = None


def setUpModule():
    global MODELS
    MODELS = models()


class ExactWhenEveryCoalitionFits(unittest.TestCase):
    def test_default_budget_enumerates_and_equals_the_definition(self):
        for name, f, X, B, w in MODELS:
            with self.subTest(name):
                r = ks.explain(f, X, B, w, seed=0)
                self.assertTrue(r["exact"])
                self.assertEqual(r["samples_per_row"], 2 ** X.shape[1] - 2)
                self.assertEqual(r["background_rows"], len(B))
                self.assertIn("Kernel SHAP (Lundberg & Lee 2017)", r["algorithm"])
                scale = max(1.0, float(np.abs(r["output"]).max()))
                ww = np.full(len(B), 1 / len(B)) if w is None else w
                for i, x in enumerate(X):
                    np.testing.assert_allclose(r["values"][i], exact_shapley(f, x, B, ww), rtol=0, atol=1e-9 * scale)
                np.testing.assert_array_equal(r["stderr"], 0.0)
                np.testing.assert_allclose(r["output"], np.asarray(f(X), dtype=float), rtol=0, atol=0)
                base = float(np.asarray(f(B), dtype=float) @ ww)
                np.testing.assert_allclose(r["base"], base, rtol=0, atol=1e-12 * scale)

    def test_mixed_object_rows_through_a_pipeline(self):
        rng = np.random.default_rng(4)
        n = 200
        X = np.empty((n, 4), dtype=object)
        X[:, 0] = rng.integers(1, 6, n).astype(float)
        X[:, 1] = rng.normal(100, 30, n).round(1)
        X[:, 2] = rng.integers(0, 80, n).astype(float)
        X[:, 3] = rng.choice(["centre", "suburb", "rural"], n)
        y = 1000 * X[:, 1].astype(float) * np.where(X[:, 3] == "centre", 1.5, 1.0) - 500 * X[:, 2].astype(float)
        pipe = Pipeline([("prep", ColumnTransformer([("num", "passthrough", [0, 1, 2]),
                                                      ("loc", OneHotEncoder(handle_unknown="ignore"), [3])])),
                         ("model", KNeighborsRegressor(n_neighbors=5))]).fit(X, y)
        B, w = ks.summarize_background(X, k=10, seed=0)
        self.assertEqual(B.dtype, object)
        r = ks.explain(pipe.predict, X[:5], B, w)
        self.assertTrue(r["exact"])
        for i in range(5):
            np.testing.assert_allclose(r["values"][i], exact_shapley(pipe.predict, X[i], B, w), rtol=0, atol=1e-9 * 2e5)


class SampledWithinItsStandardErrors(unittest.TestCase):
    def test_sampled_values_within_three_standard_errors(self):
        for name, f, X, B, w in MODELS:
            with self.subTest(name):
                ww = np.full(len(B), 1 / len(B)) if w is None else w
                truth = np.array([exact_shapley(f, x, B, ww) for x in X])
                r = ks.explain(f, X, B, w, nsamples=160, seed=7)
                self.assertFalse(r["exact"])
                self.assertEqual(r["samples_per_row"], 160)
                self.assertTrue(np.all(r["stderr"] > 0))
                err = np.abs(r["values"] - truth)
                # one seed, m·rows checks each: a few may leave 3σ by chance, none may leave 5σ
                self.assertGreaterEqual(np.mean(err <= 3 * r["stderr"]), 0.9, name)
                self.assertTrue(np.all(err <= 5 * r["stderr"]), (name, (err / r["stderr"]).max()))
                scale = max(1.0, float(np.abs(r["output"]).max()))
                self.assertLessEqual(np.abs(r["base"] + r["values"].sum(1) - r["output"]).max(), 1e-9 * scale)

    def test_standard_errors_are_honest_over_twenty_seeds(self):
        name, f, X, B, w = MODELS[0]
        truth = np.array([exact_shapley(f, x, B, w) for x in X])
        z = []
        for seed in range(20):
            r = ks.explain(f, X, B, w, nsamples=200, seed=seed)
            z.append(((r["values"] - truth) / r["stderr"]).ravel())
        z = np.abs(np.concatenate(z))
        # a normal error is within 2σ 95 % of the time and |z| has median 0.674: errors too small would mean
        # inflated stderr, too large understated ones
        self.assertGreaterEqual(np.mean(z <= 2), 0.85)
        self.assertTrue(0.45 <= np.median(z) <= 0.95, np.median(z))

    def test_the_default_budget_when_sampling(self):
        rng = np.random.default_rng(5)
        X = rng.normal(size=(50, 14))
        f = lambda Z: np.tanh(Z @ np.arange(1, 15) / 10.0) + Z[:, 0] * Z[:, 1]  # noqa: E731
        r = ks.explain(f, X[:2], X[10:20])
        self.assertFalse(r["exact"])
        self.assertEqual(r["samples_per_row"], 2 * 14 + 2048)
        self.assertIn("2·m + 2048", r["algorithm"])
        self.assertLessEqual(r["model_rows"], 2 + 10 + 2 * (2 * 14 + 2048) * 10)
        self.assertLessEqual(np.abs(r["base"] + r["values"].sum(1) - r["output"]).max(), 1e-9 * 2)


class Mechanics(unittest.TestCase):
    def test_deterministic_with_a_seed_and_per_row(self):
        name, f, X, B, w = MODELS[0]
        a = ks.explain(f, X, B, w, nsamples=100, seed=3)
        b = ks.explain(f, X, B, w, nsamples=100, seed=3)
        c = ks.explain(f, X, B, w, nsamples=100, seed=4)
        np.testing.assert_array_equal(a["values"], b["values"])
        np.testing.assert_array_equal(a["stderr"], b["stderr"])
        self.assertFalse(np.array_equal(a["values"], c["values"]))
        first = ks.explain(f, X[:2], B, w, nsamples=100, seed=3)  # a row's stream depends on its index only
        np.testing.assert_array_equal(first["values"], a["values"][:2])

    def test_batches_do_not_change_the_result(self):
        name, f, X, B, w = MODELS[0]
        for nsamples in (None, 120):
            whole = ks.explain(f, X, B, w, nsamples=nsamples)
            calls = []

            def counted(Z):
                calls.append(len(Z))
                return f(Z)

            small = ks.explain(counted, X, B, w, nsamples=nsamples, max_batch=5)  # below one coalition's rows
            np.testing.assert_allclose(small["values"], whole["values"], rtol=0, atol=1e-12)
            self.assertEqual(small["model_rows"], whole["model_rows"])
            self.assertLessEqual(max(calls[2:]), len(B))
        many = []
        ks.explain(lambda Z: many.append(len(Z)) or f(Z), X, B, w)
        self.assertEqual(len(many), 3)  # background, X, then every row's coalitions in one batch

    def test_one_feature_and_no_rows(self):
        r = ks.explain(lambda Z: 3 * Z[:, 0].astype(float), np.array([[1.0], [2.0]]), np.array([[0.0], [1.0]]))
        np.testing.assert_allclose(r["values"][:, 0], [1.5, 4.5])
        self.assertTrue(r["exact"])
        r = ks.explain(nonlinear, np.zeros((0, 10)), np.zeros((3, 10)))
        self.assertEqual(r["values"].shape, (0, 10))

    def test_bad_inputs_say_what_to_do(self):
        X, B = np.zeros((2, 3)), np.ones((4, 3))
        with self.assertRaisesRegex(ValueError, "one number per row"):
            ks.explain(lambda Z: np.zeros((len(Z), 2)), X, B)
        with self.assertRaisesRegex(ValueError, "NaN or infinite"):
            ks.explain(lambda Z: np.full(len(Z), np.nan), X, B)
        with self.assertRaisesRegex(ValueError, "same features"):
            ks.explain(lambda Z: Z[:, 0], X, np.ones((4, 2)))
        with self.assertRaisesRegex(ValueError, "non-negative"):
            ks.explain(lambda Z: Z[:, 0], X, B, weights=[1, -1, 1, 1])
        with self.assertRaisesRegex(ValueError, "no rows"):
            ks.explain(lambda Z: Z[:, 0], X, np.ones((0, 3)))


class Background(unittest.TestCase):
    def test_kmeans_summary(self):
        rng = np.random.default_rng(6)
        X = np.concatenate([rng.normal(0, 1, (300, 3)), rng.normal(8, 1, (100, 3))])
        X[:, 2] = (X[:, 2] > 1).astype(float)  # a 0/1 column stays 0/1
        B, w = ks.summarize_background(X, k=20, seed=0)
        self.assertLessEqual(len(B), 20)
        self.assertAlmostEqual(w.sum(), 1.0, places=12)
        self.assertTrue(set(np.unique(B[:, 2])) <= {0.0, 1.0})
        # the weighted centres keep the data's mean (up to rounding to observed values)
        np.testing.assert_allclose(B[:, :2].T @ w, X[:, :2].mean(0), atol=0.05)
        B2, w2 = ks.summarize_background(X, k=20, seed=0)
        np.testing.assert_array_equal(B, B2)
        np.testing.assert_array_equal(w, w2)

    def test_small_data_all_rows(self):
        X = np.arange(12.0).reshape(4, 3)
        B, w = ks.summarize_background(X, k=10)
        np.testing.assert_array_equal(B, X)
        np.testing.assert_allclose(w, 0.25)

    def test_mixed_and_categorical_data(self):
        rng = np.random.default_rng(7)
        X = np.empty((300, 2), dtype=object)
        X[:, 0] = rng.normal(size=300)
        X[:, 1] = rng.choice(["a", "b", "c"], 300, p=[0.6, 0.3, 0.1])
        B, w = ks.summarize_background(X, k=5, seed=0)
        self.assertEqual(B.dtype, object)
        self.assertLessEqual(len(B), 5)
        self.assertAlmostEqual(w.sum(), 1.0, places=12)
        self.assertTrue(set(B[:, 1]) <= {"a", "b", "c"})
        B, w = ks.summarize_background(X[:, 1:], k=7, seed=0)  # nothing numeric: a sample of rows
        self.assertEqual(len(B), 7)
        np.testing.assert_allclose(w, 1 / 7)

    def test_missing_values_do_not_break_the_summary(self):
        rng = np.random.default_rng(8)
        X = rng.normal(size=(200, 3))
        X[::7, 1] = np.nan
        X[3, 0] = np.inf
        B, w = ks.summarize_background(X, k=10, seed=0)
        self.assertLessEqual(len(B), 10)
        self.assertAlmostEqual(w.sum(), 1.0, places=12)
        self.assertTrue(np.all(np.isfinite(B[:, 2])))


if __name__ == "__main__":
    unittest.main()
