"""lineage.explain / lineage.log_explanation (issue 12): the attributions against the definition (Shapley values
by enumerating every coalition of the value function each method is exact for), pipelines summed back to the
user's columns, and the files against docs/explanations-format.md, written by real runs in subprocesses.

Run from the repository root: /usr/bin/python3 -m unittest discover -s test/python -v

The fixtures at the top (data shaped like examples/house-prices, a workspace running scripts with a real run)
are shared with test_serve."""
import contextlib
import io
import itertools
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest
import zlib

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SDK = os.path.join(REPO, "sdk", "python")
if SDK not in sys.path:
    sys.path.insert(0, SDK)

import numpy as np  # noqa: E402

try:
    import sklearn  # noqa: F401
except ImportError:  # pragma: no cover - CI installs python3-sklearn
    raise unittest.SkipTest("scikit-learn is needed: apt-get install python3-sklearn")

import lineage  # noqa: E402
from lineage import _explain, _explain_store, _kernelshap, _treeshap  # noqa: E402

FEATURES = ["bedrooms", "floor_area_m2", "age_years", "location"]
LOCATIONS = ["center", "suburb", "rural"]


# ---------------------------------------------------------------- fixtures (test_serve uses them too)

def houses(n=300, seed=1):
    """(X object array: bedrooms, floor_area_m2, age_years, location text; y price), like the example."""
    rng = np.random.default_rng(seed)
    area = np.round(rng.uniform(30, 200, n), 1)
    bedrooms = rng.integers(1, 6, n).astype(float)
    age = rng.integers(0, 80, n).astype(float)
    loc = rng.choice(LOCATIONS, n)
    price = 40000 + 900 * area + 15000 * bedrooms - 600 * age + np.select(
        [loc == "center", loc == "suburb"], [90000, 30000], 0) + rng.normal(0, 8000, n)
    price += 300 * np.maximum(area - 120, 0) * (loc == "center")
    X = np.empty((n, 4), dtype=object)
    X[:, 0], X[:, 1], X[:, 2], X[:, 3] = list(bedrooms), list(area), list(age), list(loc)
    return X, price


def one_hot():
    from sklearn.preprocessing import OneHotEncoder
    try:
        return OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    except TypeError:
        return OneHotEncoder(handle_unknown="ignore", sparse=False)


def house_pipeline(final, scale=True):
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    num = StandardScaler() if scale else "passthrough"
    return Pipeline([("prep", ColumnTransformer([("num", num, [0, 1, 2]), ("loc", one_hot(), [3])])),
                     ("model", final)])


class Workspace(object):
    """A temporary workspace (.lineage inside); run(code) executes a script there in a fresh interpreter with
    the SDK and this folder on its path, as a user's script runs, and returns (stdout, stderr)."""

    def __init__(self):
        self.root = os.path.realpath(tempfile.mkdtemp(prefix="lineage-explain-test-"))
        os.makedirs(os.path.join(self.root, ".lineage"))

    def close(self):
        shutil.rmtree(self.root, True)

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINEAGE_") and k != "PYTHONPATH"}
        env["PYTHONPATH"] = SDK + os.pathsep + os.path.dirname(os.path.abspath(__file__))
        env["LINEAGE_WORKSPACE"] = self.root
        return env

    def run(self, code, check=True):
        path = os.path.join(self.root, "script.py")
        with open(path, "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(code))
        out = subprocess.run([sys.executable, path], cwd=self.root, env=self.env(), capture_output=True,
                             text=True, timeout=300)
        if check and out.returncode != 0:
            raise AssertionError("script failed (%d):\n%s" % (out.returncode, out.stderr))
        return out.stdout, out.stderr

    def run_dirs(self):
        runs = os.path.join(self.root, ".lineage", "runs")
        return sorted(os.path.join(runs, d) for d in os.listdir(runs)) if os.path.isdir(runs) else []


def events(run_dir):
    with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f.read().splitlines()]


def quiet(fn, *args, **kwargs):
    """fn(...) with the SDK's stderr warnings captured: (result, warnings text)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        result = fn(*args, **kwargs)
    return result, err.getvalue()


def interventional_shapley(f, x, B, w):
    """Shapley values of v(S) = Σ_b w_b f(x_S, b_S̄) by enumerating all 2^m coalitions (x one row, B rows)."""
    m = len(x)
    cache = {}

    def v(S):
        if S not in cache:
            rows = B.copy()
            for j in S:
                rows[:, j] = x[j]
            cache[S] = float(np.asarray(w) @ np.asarray(f(rows), dtype=float))
        return cache[S]
    phi = np.zeros(m)
    for j in range(m):
        others = [k for k in range(m) if k != j]
        for size in range(m):
            weight = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
            for S in itertools.combinations(others, size):
                phi[j] += weight * (v(tuple(sorted(S + (j,)))) - v(S))
    return phi, v(())


# ---------------------------------------------------------------- exactness (no run needed)

class LinearTest(unittest.TestCase):
    def test_ridge_pipeline_equals_interventional_enumeration_on_the_input_columns(self):
        from sklearn.linear_model import Ridge
        X, y = houses()
        pipe = house_pipeline(Ridge(alpha=1.0)).fit(X, y)
        bg = X[:120]
        res, _ = quiet(lineage.explain, pipe, X[200:230], feature_names=FEATURES, background=bg, pdp_features=0)
        self.assertEqual(res.method, "linear_interventional")
        self.assertTrue(res.exact)
        scale = float(np.abs(res.output).max())
        for i in range(0, 30, 7):
            phi, base = interventional_shapley(pipe.predict, X[200 + i], bg, np.full(len(bg), 1 / len(bg)))
            np.testing.assert_allclose(res.values[i], phi, rtol=0, atol=1e-9 * scale)
            self.assertAlmostEqual(res.base_values[i], base, delta=1e-9 * scale)
        np.testing.assert_allclose(res.output, pipe.predict(X[200:230]), rtol=0, atol=1e-9 * scale)
        self.assertEqual(res.manifest["background_rows"], 120)
        self.assertLess(res.additivity_error, 1e-9 * scale)

    def test_logistic_regression_is_explained_in_log_odds(self):
        from sklearn.linear_model import LogisticRegression
        X, price = houses()
        y = np.where(price > np.median(price), "expensive", "cheap")
        pipe = house_pipeline(LogisticRegression(max_iter=1000)).fit(X, y)
        res, _ = quiet(lineage.explain, pipe, X[:40], y[:40], feature_names=FEATURES, background=X[100:200])
        m = res.manifest
        self.assertEqual((m["task"], m["link"], m["positive_class"]), ("binary", "logit", "expensive"))
        np.testing.assert_allclose(res.output, pipe.decision_function(X[:40]), rtol=0, atol=1e-12)
        np.testing.assert_allclose(1 / (1 + np.exp(-res.output)), pipe.predict_proba(X[:40])[:, 1], atol=1e-12)
        bg = X[100:200]
        phi, _ = interventional_shapley(pipe.decision_function, X[3], bg, np.full(len(bg), 1 / len(bg)))
        np.testing.assert_allclose(res.values[3], phi, rtol=0, atol=1e-9 * np.abs(res.output).max())
        target = _explain._target_values(y[:40], "binary", "expensive")
        self.assertEqual(list(target), [1.0 if v == "expensive" else 0.0 for v in y[:40]])
        self.assertEqual(m["permutation_importance"]["scoring"], "accuracy")


class PipelineTest(unittest.TestCase):
    def test_tree_pipeline_groups_one_hot_columns_and_still_adds_up_to_the_prediction(self):
        from sklearn.ensemble import GradientBoostingRegressor
        X, y = houses()
        pipe = house_pipeline(GradientBoostingRegressor(n_estimators=40, max_depth=3, random_state=0),
                              scale=False).fit(X, y)
        res, _ = quiet(lineage.explain, pipe, X, y, feature_names=FEATURES, pdp_features=0, permutation=False)
        self.assertEqual(res.method, "tree_path_dependent")
        self.assertEqual(res.values.shape, (300, 4))
        pred = pipe.predict(X)
        scale = float(np.abs(pred).max())
        np.testing.assert_allclose(res.base_values + res.values.sum(axis=1), pred, rtol=0, atol=1e-9 * scale)
        grouped = res.manifest["grouped_from"]
        self.assertEqual(grouped["location"], ["loc__location_center", "loc__location_rural", "loc__location_suburb"])
        self.assertEqual(grouped["floor_area_m2"], ["num__floor_area_m2"])
        # The grouped value of "location" is the sum of its one-hot columns' own TreeSHAP values.
        raw = _treeshap.explain(pipe[-1], pipe[:-1].transform(X).astype(float))
        np.testing.assert_allclose(res.values[:, 3], np.asarray(raw["values"])[:, 3:].sum(axis=1), atol=1e-9 * scale)
        self.assertEqual(res.manifest["pipeline"], ["ColumnTransformer", "GradientBoostingRegressor"])

    def test_categorical_columns_are_stored_as_codes_into_the_category_list(self):
        from sklearn.linear_model import Ridge
        X, y = houses(120)
        pipe = house_pipeline(Ridge()).fit(X, y)
        res, _ = quiet(lineage.explain, pipe, X, feature_names=FEATURES, pdp_features=0)
        m = res.manifest
        self.assertEqual(m["feature_kinds"], ["numeric", "numeric", "numeric", "categorical"])
        self.assertEqual(m["categories"], {"location": sorted(LOCATIONS)})
        self.assertEqual([m["categories"]["location"][int(c)] for c in res.data[:, 3]], list(X[:, 3]))
        np.testing.assert_array_equal(res.data[:, :3], X[:, :3].astype(float))
        self.assertEqual(m["feature_ranges"]["floor_area_m2"], [float(X[:, 1].min()), float(X[:, 1].max())])
        self.assertNotIn("location", m["feature_ranges"])

    def test_the_output_keeps_its_unit_and_the_report_its_word_for_a_row(self):
        # The report reads "a price of 427,700 EUR … compared with an average house": the unit of the output
        # used to be dropped (only features kept theirs) and there was no word for a row.
        from sklearn.linear_model import Ridge
        X, y = houses(60)
        pipe = house_pipeline(Ridge()).fit(X, y)
        res, _ = quiet(lineage.explain, pipe, X, feature_names=FEATURES, pdp_features=0, output_name="price",
                       units={"price": "EUR", "floor_area_m2": "m²", "not_a_column": "x"}, subject="house")
        self.assertEqual(res.manifest["units"], {"price": "EUR", "floor_area_m2": "m²"})
        self.assertEqual(res.manifest["subject"], "house")
        res, _ = quiet(lineage.explain, pipe, X, feature_names=FEATURES, pdp_features=0)
        self.assertIsNone(res.manifest["subject"])

    def test_an_untraceable_pipeline_is_explained_with_kernel_shap_and_says_why(self):
        from sklearn.decomposition import PCA
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import Pipeline
        X, y = houses()
        Xf = X[:, :3].astype(float)
        pipe = Pipeline([("pca", PCA(n_components=2)), ("ridge", Ridge())]).fit(Xf, y)
        res, warned = quiet(lineage.explain, pipe, Xf[:20], pdp_features=0)
        self.assertEqual(res.method, "kernel")
        self.assertIn("PCA may mix input columns", warned)
        self.assertLess(res.additivity_error, 1e-6 * np.abs(res.output).max())


class ProgressTest(unittest.TestCase):
    """Kernel SHAP can run for minutes; lineage.explain says how far it got instead of going quiet."""

    def test_progress_is_reported_every_few_seconds_with_the_time_left_and_at_the_end(self):
        clock = [0.0]
        p = _explain._Progress("Kernel SHAP", every=5.0, clock=lambda: clock[0])
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            for done in range(1, 101):
                clock[0] = done * 0.5  # half a second a row: 50 s in all
                p(done, 100)
        lines = err.getvalue().splitlines()
        self.assertEqual(lines[0], "lineage.explain: Kernel SHAP, 10 of 100 rows (10%), about 45 s left")
        self.assertEqual(len(lines), 10)  # at 5, 10, … 45 s, then the end
        self.assertEqual(lines[-1], "lineage.explain: Kernel SHAP, 100 of 100 rows (100%), done in 50 s")

    def test_a_quick_explanation_prints_nothing(self):
        clock = [0.0]
        p = _explain._Progress("Kernel SHAP", clock=lambda: clock[0])
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            for done in range(1, 11):
                clock[0] = done * 0.1
                p(done, 10)
        self.assertEqual(err.getvalue(), "")

    def test_kernel_shap_calls_progress_once_per_row(self):
        seen = []
        X = np.random.default_rng(0).normal(size=(7, 5))
        _kernelshap.explain(lambda Z: Z.sum(axis=1) ** 2, X, X[:3], progress=lambda d, n: seen.append((d, n)))
        self.assertEqual(seen, [(i, 7) for i in range(1, 8)])


class RobustnessTest(unittest.TestCase):
    def test_a_missing_target_does_not_fail_the_script_and_permutation_uses_the_known_rows(self):
        # It used to raise "Input contains NaN" from the model's score and fail the run after the attributions.
        from sklearn.ensemble import HistGradientBoostingRegressor
        X, y = houses(200)
        Xf = X[:, :3].astype(float)
        y = y.copy()
        y[5] = np.nan
        model = HistGradientBoostingRegressor(max_iter=30, random_state=0).fit(Xf[~np.isnan(y)], y[~np.isnan(y)])
        res, warned = quiet(lineage.explain, model, Xf, y, pdp_features=0)
        self.assertIn("uses the 199 of 200 rows whose target is known", warned)
        pi = res.manifest["permutation_importance"]
        from sklearn.inspection import permutation_importance
        known = ~np.isnan(y)
        want = permutation_importance(model, Xf[known], y[known], n_repeats=5, random_state=0)
        np.testing.assert_allclose(pi["mean"], want.importances_mean, rtol=0, atol=1e-12)

    def test_an_extra_that_fails_is_a_warning_and_the_attributions_are_still_returned(self):
        from sklearn.linear_model import Ridge
        X, y = houses(80)
        Xf = X[:, :3].astype(float)
        model = Ridge().fit(Xf, y)
        labels = np.array(["a"] * 80, dtype=object)  # a target the model's score cannot use
        res, warned = quiet(lineage.explain, model, Xf, labels, pdp_features=0)
        self.assertIn("permutation importance was skipped", warned)
        self.assertNotIn("permutation_importance", res.manifest)
        self.assertEqual(res.values.shape, (80, 3))

    def test_kernel_shap_explains_500_rows_by_default_and_every_row_when_asked(self):
        from sklearn.neighbors import KNeighborsRegressor
        X, y = houses(700)
        Xf = X[:, :3].astype(float)
        model = KNeighborsRegressor(n_neighbors=5).fit(Xf, y)
        res, warned = quiet(lineage.explain, model, Xf, y, pdp_features=0, permutation=False, background=Xf[:20])
        self.assertEqual(res.method, "kernel")
        self.assertEqual(res.values.shape, (500, 3))
        self.assertEqual((res.manifest["rows"], res.manifest["total_rows"]), (500, 700))
        ids = res.manifest["row_ids"]
        self.assertEqual(len(set(ids)), 500)
        np.testing.assert_array_equal(res.data, Xf[ids])
        self.assertIn("pass max_rows=700 to explain them all", warned)
        res, _ = quiet(lineage.explain, model, Xf, y, pdp_features=0, permutation=False, background=Xf[:20],
                       max_rows=700)
        self.assertEqual(res.values.shape, (700, 3))
        # The exact methods keep the 2,000-row default.
        from sklearn.linear_model import Ridge
        res, _ = quiet(lineage.explain, Ridge().fit(Xf, y), Xf, pdp_features=0)
        self.assertEqual(res.values.shape, (700, 3))


class DispatchTest(unittest.TestCase):
    def test_xgboost_models_get_treeshap_matching_xgboosts_own_contributions(self):
        # Debian's python3-xgboost (CI installs it): lineage.explain dispatches an XGBoost model to TreeSHAP in
        # its margin, and the values equal XGBoost's own pred_contribs (float32 inside XGBoost: compared at
        # the tolerance _treeshap's tests justify).
        import xgboost
        X, y = houses(200)
        Xf = X[:, :3].astype(float)
        model = xgboost.XGBRegressor(n_estimators=40, max_depth=3, learning_rate=0.2).fit(Xf, y)
        res, _ = quiet(lineage.explain, model, Xf, pdp_features=0, permutation=False)
        self.assertEqual((res.method, res.exact), ("tree_path_dependent", True))
        contribs = model.get_booster().predict(xgboost.DMatrix(Xf), pred_contribs=True)
        scale = np.abs(res.output).max()
        np.testing.assert_allclose(res.values, contribs[:, :-1], rtol=0, atol=1e-5 * scale)
        self.assertLess(res.additivity_error, 1e-6 * scale)  # XGBoost's own margin is a float32 sum

        clf = xgboost.XGBClassifier(n_estimators=30, max_depth=3).fit(Xf, (y > np.median(y)).astype(int))
        res, _ = quiet(lineage.explain, clf, Xf, pdp_features=0, permutation=False)
        self.assertEqual((res.manifest["task"], res.manifest["link"]), ("binary", "logit"))
        np.testing.assert_allclose(res.output, clf.predict(Xf, output_margin=True), rtol=0, atol=1e-5)

    def test_tree_models_get_treeshap_on_their_own_columns(self):
        from sklearn.ensemble import RandomForestRegressor
        X, y = houses()
        Xf = X[:, :3].astype(float)
        model = RandomForestRegressor(n_estimators=20, max_depth=4, random_state=0).fit(Xf, y)
        res, _ = quiet(lineage.explain, model, Xf[:50], pdp_features=0)
        self.assertEqual((res.method, res.exact), ("tree_path_dependent", True))
        own = _treeshap.explain(model, Xf[:50])
        np.testing.assert_allclose(res.values, own["values"], rtol=0, atol=0)
        self.assertEqual(res.feature_names, ["x0", "x1", "x2"])
        self.assertEqual(res.manifest["grouped_from"], {})

    def test_any_other_model_gets_kernel_shap_exact_for_four_features(self):
        from sklearn.neighbors import KNeighborsRegressor
        X, y = houses()
        Xf = X[:, :3].astype(float)
        Xf = np.column_stack([Xf, np.arange(len(Xf)) % 7])
        model = KNeighborsRegressor(n_neighbors=5).fit(Xf, y)
        res, _ = quiet(lineage.explain, model, Xf[:10], background=Xf[50:], pdp_features=0)
        self.assertEqual(res.method, "kernel")
        self.assertTrue(res.exact)  # 4 features: every coalition is evaluated
        self.assertEqual(res.stderr.shape, (10, 4))
        B, w = _kernelshap.summarize_background(Xf[50:], k=100, seed=0)
        self.assertEqual(res.manifest["background_rows"], len(B))
        for i in (0, 5):
            phi, _ = interventional_shapley(model.predict, Xf[i], B, w)
            np.testing.assert_allclose(res.values[i], phi, rtol=0, atol=1e-9 * np.abs(res.output).max())

    def test_kernel_shap_explains_a_classifier_in_log_odds(self):
        from sklearn.neighbors import KNeighborsClassifier
        X, price = houses()
        Xf = X[:, :3].astype(float)
        y = (price > np.median(price)).astype(int)
        model = KNeighborsClassifier(n_neighbors=15).fit(Xf, y)
        res, _ = quiet(lineage.explain, model, Xf[:5], pdp_features=0)
        self.assertEqual((res.manifest["task"], res.manifest["link"], res.manifest["positive_class"]),
                         ("binary", "logit", 1))
        p = np.clip(model.predict_proba(Xf[:5])[:, 1], 1e-9, 1 - 1e-9)
        np.testing.assert_allclose(res.output, np.log(p / (1 - p)), atol=1e-9)

    def test_a_forced_method_that_does_not_fit_is_refused(self):
        from sklearn.neighbors import KNeighborsRegressor
        X, y = houses(50)
        Xf = X[:, :3].astype(float)
        model = KNeighborsRegressor().fit(Xf, y)
        with self.assertRaisesRegex(ValueError, "method='tree' does not fit KNeighborsRegressor"):
            quiet(lineage.explain, model, Xf, method="tree")
        with self.assertRaisesRegex(ValueError, "must be 2-D"):
            quiet(lineage.explain, model, Xf[0])
        with self.assertRaisesRegex(ValueError, "name"):
            quiet(lineage.explain, model, Xf, name="../escape")


class GlobalViewsTest(unittest.TestCase):
    def test_permutation_importance_equals_scikit_learns_and_pdp_covers_the_top_features(self):
        from sklearn.ensemble import GradientBoostingRegressor
        from sklearn.inspection import permutation_importance
        X, y = houses(200)
        pipe = house_pipeline(GradientBoostingRegressor(n_estimators=30, random_state=0), scale=False).fit(X, y)
        res, _ = quiet(lineage.explain, pipe, X, y, feature_names=FEATURES, pdp_features=2, seed=3)
        pi = res.manifest["permutation_importance"]
        theirs = permutation_importance(pipe, X, y, n_repeats=5, random_state=3)
        np.testing.assert_allclose(pi["mean"], theirs.importances_mean, rtol=0, atol=1e-12)
        np.testing.assert_allclose(pi["std"], theirs.importances_std, rtol=0, atol=1e-12)
        self.assertEqual((pi["scoring"], pi["n_repeats"], pi["seed"]), ("r2", 5, 3))
        pdp = res.manifest["partial_dependence"]
        top = [FEATURES[j] for j in np.argsort(-np.abs(res.values).mean(axis=0))[:2]]
        self.assertEqual([p["feature"] for p in pdp], top)
        for p in pdp:
            self.assertEqual(len(p["grid"]), len(p["average"]))
            if p["feature"] == "location":
                self.assertEqual(p["grid"], [0.0, 1.0, 2.0])  # codes into categories["location"]

    def test_rows_are_sampled_down_to_max_rows_with_the_seed(self):
        from sklearn.linear_model import Ridge
        X, y = houses()
        pipe = house_pipeline(Ridge()).fit(X, y)
        res, _ = quiet(lineage.explain, pipe, X, feature_names=FEATURES, max_rows=40, seed=5, pdp_features=0)
        m = res.manifest
        self.assertEqual((m["rows"], m["total_rows"], m["seed"]), (40, 300, 5))
        ids = m["row_ids"]
        self.assertEqual(ids, sorted(set(ids)))
        expected = np.random.default_rng(5).choice(300, size=40, replace=False)
        self.assertEqual(ids, sorted(int(i) for i in expected))
        np.testing.assert_array_equal(res.data[:, 1], X[ids, 1].astype(float))
        again, _ = quiet(lineage.explain, pipe, X, feature_names=FEATURES, max_rows=40, seed=5, pdp_features=0)
        self.assertEqual(again.manifest["row_ids"], ids)


class LogExplanationTest(unittest.TestCase):
    def test_a_shap_explanation_like_object_is_taken_as_it_is(self):
        class FakeShapExplanation(object):  # the attributes shap.Explanation has
            def __init__(self):
                rng = np.random.default_rng(0)
                self.values = rng.normal(size=(6, 3))
                self.base_values = np.full(6, 2.5)
                self.data = np.array([[1.0, "a", 3.0]] * 6, dtype=object)
                self.feature_names = ["f1", "kind", "f3"]
        e = FakeShapExplanation()
        res, _ = quiet(lineage.log_explanation, e)
        np.testing.assert_array_equal(res.values, e.values)
        self.assertEqual(res.feature_names, ["f1", "kind", "f3"])
        self.assertEqual(res.manifest["feature_kinds"], ["numeric", "categorical", "numeric"])
        self.assertEqual((res.method, res.exact), ("external", False))
        np.testing.assert_allclose(res.output, 2.5 + e.values.sum(axis=1))

    def test_bad_input_is_refused_with_a_message_that_names_the_problem(self):
        values = np.zeros((4, 2))
        values[2, 1] = np.nan
        with self.assertRaisesRegex(ValueError, r"row 2, feature 'b'"):
            quiet(lineage.log_explanation, values, 0.0, np.zeros((4, 2)), ["a", "b"])
        with self.assertRaisesRegex(ValueError, "base_values has 3 entries for 4 rows"):
            quiet(lineage.log_explanation, np.zeros((4, 2)), np.zeros(3), np.zeros((4, 2)), ["a", "b"])
        with self.assertRaisesRegex(ValueError, "data has shape"):
            quiet(lineage.log_explanation, np.zeros((4, 2)), 0.0, np.zeros((5, 2)), ["a", "b"])
        with self.assertRaisesRegex(ValueError, "unique"):
            quiet(lineage.log_explanation, np.zeros((4, 2)), 0.0, np.zeros((4, 2)), ["a", "a"])
        with self.assertRaisesRegex(ValueError, "2 feature_names for 3 columns"):
            quiet(lineage.log_explanation, np.zeros((4, 3)), 0.0, np.zeros((4, 3)), ["a", "b"])
        with self.assertRaisesRegex(ValueError, "2-D"):
            quiet(lineage.log_explanation, np.zeros((4, 3, 2)), 0.0)
        with self.assertRaisesRegex(ValueError, "name"):
            quiet(lineage.log_explanation, np.zeros((4, 2)), 0.0, name=".hidden")
        with self.assertRaisesRegex(ValueError, "infinite"):
            quiet(lineage.log_explanation, np.full((1, 1), np.inf), 0.0)


# ---------------------------------------------------------------- files and events (real runs)

class StoredTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ws = Workspace()
        cls.out, cls.err = cls.ws.run("""
            import json, numpy as np, lineage
            from sklearn.ensemble import GradientBoostingRegressor
            from test_explain import houses, house_pipeline, FEATURES
            X, y = houses()
            pipe = house_pipeline(GradientBoostingRegressor(n_estimators=20, random_state=0), scale=False).fit(X, y)
            hostile = ["<img src=x onerror=alert(1)>", "a\\"b\\nc", "__proto__", "名前\\u2028"]
            with lineage.start_run(name="explained"):
                lineage.explain(pipe, X, y, feature_names=FEATURES, max_rows=100)
                second = lineage.explain(pipe, X, y, feature_names=FEATURES, max_rows=80, seed=1)
                rng = np.random.default_rng(0)
                lineage.log_explanation(rng.normal(size=(5, 4)), 1.0, rng.normal(size=(5, 4)), hostile, name="ext")
            print(json.dumps({"values": second.values.tolist(), "path": second.path, "hostile": hostile}))
        """)
        cls.result = json.loads(cls.out.strip().splitlines()[-1])
        cls.run_dir = cls.ws.run_dirs()[0]

    @classmethod
    def tearDownClass(cls):
        cls.ws.close()

    def folder(self, name="default"):
        return os.path.join(self.run_dir, "explanations", name)

    def test_every_array_matches_its_manifest_entry(self):
        for name in ("default", "ext"):
            with open(os.path.join(self.folder(name), "explanation.json"), encoding="utf-8") as f:
                m = json.load(f)
            self.assertEqual((m["format"], m["name"]), (1, name))
            for key in ("values", "data", "base", "output"):
                self.assertIn(key, m["arrays"])
            for key, ref in m["arrays"].items():
                with open(os.path.join(self.folder(name), ref["file"]), "rb") as f:
                    data = f.read()
                self.assertEqual(ref["file"], key + ".f64")
                self.assertEqual(ref["dtype"], "float64")
                self.assertEqual(len(data), ref["bytes"])
                self.assertEqual(len(data), 8 * int(np.prod(ref["shape"])))
                self.assertEqual(zlib.crc32(data) & 0xFFFFFFFF, ref["crc32"])
            values = _explain_store.load_array(self.folder(name), m, "values")
            base = _explain_store.load_array(self.folder(name), m, "base")
            output = _explain_store.load_array(self.folder(name), m, "output")
            self.assertEqual(values.shape, (m["rows"], len(m["features"])))
            self.assertLessEqual(np.abs(base + values.sum(1) - output).max(), m["additivity_error"])

    def test_relogging_a_name_replaces_the_folder_and_leaves_no_temporary_one(self):
        m = _explain_store.load_manifest(self.folder())
        self.assertEqual((m["rows"], m["total_rows"], m["seed"]), (80, 300, 1))
        values = _explain_store.load_array(self.folder(), m, "values")
        np.testing.assert_array_equal(values, np.array(self.result["values"]))
        self.assertEqual(sorted(os.listdir(os.path.join(self.run_dir, "explanations"))), ["default", "ext"])
        self.assertEqual(self.result["path"], self.folder())
        self.assertEqual(m["model"], {"file": "model.pkl", "flavor": "sklearn", "input": "ndarray-object"})
        self.assertTrue(os.path.isfile(os.path.join(self.folder(), "model.pkl")))

    def test_one_explanation_event_per_call_after_its_manifest(self):
        lines = [e for e in events(self.run_dir) if e["type"] == "explanation"]
        self.assertEqual([e["name"] for e in lines], ["default", "default", "ext"])
        m = _explain_store.load_manifest(self.folder())
        self.assertEqual(lines[1], {"type": "explanation", "name": "default",
                                    "path": "explanations/default/explanation.json",
                                    "method": "tree_path_dependent", "exact": True, "rows": 80, "features": 4,
                                    "additivity_error": m["additivity_error"]})
        self.assertEqual(lines[2]["method"], "external")
        self.assertFalse(lines[2]["exact"])

    def test_hostile_feature_names_are_stored_as_text(self):
        m = _explain_store.load_manifest(self.folder("ext"))
        self.assertEqual(m["features"], self.result["hostile"])
        self.assertEqual(m["model"], None)

    def test_the_sdk_own_files_are_not_recorded_as_outputs_of_the_script(self):
        outputs = [e for e in events(self.run_dir) if e["type"] == "dataset" and e.get("role") == "output"]
        self.assertEqual(outputs, [])


class WithoutRunTest(unittest.TestCase):
    def test_no_run_warns_once_and_still_returns_the_result(self):
        ws = Workspace()
        self.addCleanup(ws.close)
        out, err = ws.run("""
            import lineage
            from sklearn.linear_model import Ridge
            from test_explain import houses, house_pipeline, FEATURES
            X, y = houses(60)
            pipe = house_pipeline(Ridge()).fit(X, y)
            a = lineage.explain(pipe, X, feature_names=FEATURES)
            b = lineage.log_explanation(a)
            print(a.method, a.values.shape, b.method, a.path)
        """)
        self.assertEqual(out.split(), ["linear_interventional", "(60,", "4)", "external", "None"])
        self.assertEqual(err.count("no active run"), 1)
        self.assertEqual(ws.run_dirs(), [])

    def test_an_unpicklable_model_is_explained_without_model_pkl_and_a_warning(self):
        ws = Workspace()
        self.addCleanup(ws.close)
        out, err = ws.run("""
            import numpy as np, lineage
            class Doubler(object):
                def __init__(self):
                    self.f = lambda X: 2 * np.asarray(X, float).sum(axis=1)
                def predict(self, X):
                    return self.f(X)
            X = np.random.default_rng(0).normal(size=(30, 3))
            with lineage.start_run():
                r = lineage.explain(Doubler(), X, pdp_features=1)
            print(r.method, r.additivity_error < 1e-9)
        """)
        self.assertEqual(out.split(), ["kernel", "True"])
        self.assertIn("could not be pickled", err)
        folder = os.path.join(ws.run_dirs()[0], "explanations", "default")
        m = _explain_store.load_manifest(folder)
        self.assertIsNone(m["model"])
        self.assertEqual(sorted(m["arrays"]), ["background", "background_weights", "base", "data", "ice",
                                               "output", "stderr", "values"])
        self.assertFalse(os.path.exists(os.path.join(folder, "model.pkl")))
        ice = _explain_store.load_array(folder, m, "ice")
        self.assertEqual(ice.shape[0], 1)


if __name__ == "__main__":
    unittest.main()
