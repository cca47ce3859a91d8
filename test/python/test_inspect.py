"""Issue 12: permutation importance and partial dependence / ICE (sdk/python/lineage/_inspect.py) equal
scikit-learn 1.2's own functions with the same seed and settings, on real models: a regressor scored by r2, a
classifier by accuracy, and a Pipeline over mixed object data (numeric and categorical columns)."""
import os
import sys
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "sdk", "python"))

import numpy as np  # noqa: E402
from lineage import _inspect  # noqa: E402

from sklearn import inspection  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder  # noqa: E402


def regression(seed=0, n=250):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    X[:, 3] = rng.integers(0, 4, n)  # few distinct values: the PDP grid is the unique values
    y = 3 * X[:, 0] + np.sin(2 * X[:, 1]) + X[:, 2] * X[:, 3] + rng.normal(scale=0.2, size=n)
    return X, y, GradientBoostingRegressor(n_estimators=40, max_depth=3, random_state=0).fit(X, y)


def classification(seed=1, n=300):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] - X[:, 1] * X[:, 2] + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return X, y, RandomForestClassifier(n_estimators=30, max_depth=4, random_state=0).fit(X, y)


def mixed(seed=2, n=240):
    rng = np.random.default_rng(seed)
    X = np.empty((n, 4), dtype=object)
    X[:, 0] = rng.integers(1, 6, n).astype(float)
    X[:, 1] = rng.normal(100, 30, n).round(1)
    X[:, 2] = rng.choice(["centre", "suburb", "rural"], n)
    X[:, 3] = rng.integers(0, 80, n).astype(float)
    y = (1000 * X[:, 1].astype(float) * np.where(X[:, 2] == "centre", 1.5, 1.0) - 500 * X[:, 3].astype(float)
         + rng.normal(scale=5000, size=n))
    pipe = Pipeline([("prep", ColumnTransformer([("num", "passthrough", [0, 1, 3]),
                                                  ("cat", OneHotEncoder(handle_unknown="ignore"), [2])])),
                     ("model", GradientBoostingRegressor(n_estimators=30, random_state=0))]).fit(X, y)
    return X, y, pipe


class PermutationImportanceEqualsScikitLearn(unittest.TestCase):
    def check(self, estimator, X, y, scoring, score, n_repeats, seed):
        theirs = inspection.permutation_importance(estimator, X, y, scoring=scoring, n_repeats=n_repeats,
                                                   random_state=seed)
        ours = _inspect.permutation_importance(score, X, y, n_repeats=n_repeats, seed=seed)
        np.testing.assert_allclose(ours["mean"], theirs.importances_mean, rtol=0, atol=1e-12)
        np.testing.assert_allclose(ours["std"], theirs.importances_std, rtol=0, atol=1e-12)
        np.testing.assert_allclose(ours["importances"], theirs.importances, rtol=0, atol=1e-12)
        self.assertEqual((ours["n_repeats"], ours["seed"]), (n_repeats, seed))
        self.assertAlmostEqual(ours["baseline"], score(X, y), places=12)
        self.assertGreater(max(ours["mean"]), 0.05)  # the data has real signal: not a comparison of zeros
        return ours

    def test_regressor_r2(self):
        X, y, model = regression()
        for seed in (0, 7):
            ours = self.check(model, X, y, None, model.score, 5, seed)
        self.assertEqual(int(np.argmax(ours["mean"])), 0)
        self.check(model, X, y, "r2", model.score, 3, 11)

    def test_classifier_accuracy(self):
        X, y, model = classification()
        self.check(model, X, y, "accuracy", model.score, 5, 0)
        self.check(model, X, y, None, model.score, 8, 3)

    def test_pipeline_on_mixed_object_data(self):
        X, y, pipe = mixed()
        ours = self.check(pipe, X, y, None, pipe.score, 4, 5)
        self.assertEqual(len(ours["mean"]), 4)  # one importance per input column, not per one-hot column
        self.assertEqual(X[:, 2].tolist(), mixed()[0][:, 2].tolist())  # X itself was not shuffled

    def test_bad_input(self):
        with self.assertRaisesRegex(ValueError, "n_repeats"):
            _inspect.permutation_importance(lambda X, y: 0.0, np.zeros((3, 2)), np.zeros(3), n_repeats=0)
        with self.assertRaisesRegex(ValueError, "2-D"):
            _inspect.permutation_importance(lambda X, y: 0.0, np.zeros(3), np.zeros(3))


class PartialDependenceEqualsScikitLearn(unittest.TestCase):
    def check(self, estimator, predict, X, feature, categorical=False, resolution=20, percentiles=(0.05, 0.95),
              ice_rows=50, seed=0):
        kwargs = dict(kind="both", method="brute", grid_resolution=resolution, percentiles=percentiles)
        if categorical:
            kwargs["categorical_features"] = [feature]
        theirs = inspection.partial_dependence(estimator, X, [feature], **kwargs)
        ours = _inspect.partial_dependence(predict, X, feature, grid_resolution=resolution, percentiles=percentiles,
                                           ice_rows=ice_rows, seed=seed, categorical=categorical)
        self.assertEqual(len(ours["grid"]), len(theirs["values"][0]))
        if categorical or theirs["values"][0].dtype == object:
            self.assertEqual(ours["grid"], theirs["values"][0].tolist())
        else:
            np.testing.assert_allclose(ours["grid"], theirs["values"][0], rtol=1e-15, atol=0)
        np.testing.assert_allclose(ours["average"], theirs["average"][0], rtol=1e-12, atol=0)
        rows = ours["ice_rows"]
        self.assertEqual(len(rows), min(ice_rows, len(X)))
        self.assertEqual(rows, sorted(set(rows)))
        np.testing.assert_allclose(ours["ice"], theirs["individual"][0][rows], rtol=1e-12, atol=0)
        average_only = inspection.partial_dependence(estimator, X, [feature], **dict(kwargs, kind="average"))
        np.testing.assert_allclose(ours["average"], average_only["average"][0], rtol=1e-12, atol=0)
        return ours

    def test_regressor_linspace_and_unique_grids(self):
        X, y, model = regression()
        ours = self.check(model, model.predict, X, 0)
        self.assertEqual(len(ours["grid"]), 20)
        self.assertGreater(ours["average"][-1] - ours["average"][0], 5)  # y rises with x0 by 3 per unit
        ours = self.check(model, model.predict, X, 3)  # 4 distinct values
        self.assertEqual(ours["grid"], [0.0, 1.0, 2.0, 3.0])
        self.check(model, model.predict, X, 1, resolution=7, percentiles=(0.1, 0.8), ice_rows=10, seed=3)

    def test_classifier_probability(self):
        X, y, model = classification()
        self.check(model, lambda Z: model.predict_proba(Z)[:, 1], X, 0, ice_rows=400)
        self.check(model, lambda Z: model.predict_proba(Z)[:, 1], X, 2, resolution=30)

    def test_pipeline_on_mixed_object_data(self):
        X, y, pipe = mixed()
        ours = self.check(pipe, pipe.predict, X, 2, categorical=True)
        self.assertEqual(ours["grid"], ["centre", "rural", "suburb"])
        self.check(pipe, pipe.predict, X, 1)  # a numeric column of an object array: the percentile grid
        self.check(pipe, pipe.predict, X, 0)  # five distinct values

    def test_ice_rows_are_a_seeded_sample(self):
        X, y, model = regression()
        a = _inspect.partial_dependence(model.predict, X, 0, ice_rows=30, seed=4)
        b = _inspect.partial_dependence(model.predict, X, 0, ice_rows=30, seed=4)
        c = _inspect.partial_dependence(model.predict, X, 0, ice_rows=30, seed=5)
        self.assertEqual(a["ice_rows"], b["ice_rows"])
        self.assertNotEqual(a["ice_rows"], c["ice_rows"])
        self.assertEqual(a["ice"].shape, (30, 20))

    def test_degenerate_columns_and_bad_input(self):
        X = np.zeros((100, 2))
        X[:, 0] = np.arange(100.0)
        X[:97, 1] = 1.0  # 5 %/95 % percentiles coincide: sklearn raises, we span min..max
        X[97:, 1] = np.arange(3.0) + 20
        X[::10, 0] = np.nan
        predict = lambda Z: np.nan_to_num(Z[:, 0]) + Z[:, 1]  # noqa: E731
        pd = _inspect.partial_dependence(predict, X, 1, grid_resolution=3)
        self.assertEqual(pd["grid"], [1.0, 11.5, 22.0])
        pd = _inspect.partial_dependence(predict, X, 0)
        self.assertTrue(np.all(np.isfinite(pd["grid"])))
        with self.assertRaisesRegex(ValueError, "not a column"):
            _inspect.partial_dependence(predict, X, 5)
        with self.assertRaisesRegex(ValueError, "one number per row"):
            _inspect.partial_dependence(lambda Z: Z, X, 0)
        with self.assertRaisesRegex(ValueError, "percentiles"):
            _inspect.partial_dependence(predict, X, 0, percentiles=(0.9, 0.1))


if __name__ == "__main__":
    unittest.main()
