"""Framework autolog (issue 16 section 2) with real scikit-learn and XGBoost: real scripts in subprocesses
under the launcher's environment, their events and child run folders read back.

Run from the repository root: /usr/bin/python3 -m unittest discover -s test/python -v"""
import glob
import json
import os
import pickle
import sys
import unittest

from test_sdk import SDK, SdkTestCase

sys.path.insert(0, SDK)
from lineage import _autolog_record  # noqa: E402

try:
    import numpy as np
    import sklearn  # noqa: F401
    import xgboost  # noqa: F401
except ImportError as e:  # the tests need them; say which is missing rather than skip
    raise ImportError("test_autolog_frameworks needs numpy, scikit-learn and xgboost (python3-sklearn, "
                      "python3-xgboost on Debian); run it with /usr/bin/python3: %s" % e)

HEADER = """
import json, sys
import lineage
lineage.autolog(sklearn=True, xgboost=True)
import numpy as np
from sklearn.datasets import make_classification, make_regression
X, y = make_regression(n_samples=300, n_features=6, noise=5.0, random_state=0)
Xc, yc = make_classification(n_samples=300, n_features=6, random_state=0)
"""


class AutologCase(SdkTestCase):
    def run_ok(self, body, **env):
        proc = self.run_script(HEADER + body, **env)
        self.assertOk(proc)
        return proc

    def params(self, events):
        return {e["key"]: e["value"] for e in events if e["type"] == "param"}

    def tags(self, events):
        return {e["key"]: e["value"] for e in events if e["type"] == "tag"}

    def children(self):
        out = []
        for folder in sorted(glob.glob(os.path.join(self.ws, ".lineage", "runs", "*"))):
            if folder == self.run_dir:
                continue
            with open(os.path.join(folder, "run.json")) as f:
                record = json.load(f)
            out.append((record, self.events(folder)))
        return out


class SklearnFitTest(AutologCase):
    def test_a_fit_records_params_time_fingerprint_metrics_and_model(self):
        self.run_ok("""
            from sklearn.ensemble import RandomForestRegressor
            lineage.autolog(training_metrics=True)
            m = RandomForestRegressor(n_estimators=7, max_depth=4, random_state=0).fit(X, y)
            np.save("pred.npy", m.predict(X))
        """.replace("\n            ", "\n"))
        events = self.events()
        params = self.params(events)
        self.assertEqual(params["n_estimators"], 7)
        self.assertEqual(params["max_depth"], 4)
        self.assertEqual(params["criterion"], "squared_error")
        tags = self.tags(events)
        self.assertEqual(tags["estimator_name"], "RandomForestRegressor")
        self.assertEqual(tags["estimator_class"], "sklearn.ensemble._forest.RandomForestRegressor")
        metrics = {e["key"]: e["value"] for e in events if e["type"] == "metric"}
        for key in ("fit_time", "training_mean_squared_error", "training_root_mean_squared_error",
                    "training_mean_absolute_error", "training_r2_score", "training_score"):
            self.assertIn(key, metrics)
        self.assertEqual(sum(1 for e in events if e["type"] == "metric" and e["key"] == "fit_time"), 1,
                         "the forest's trees are fitted inside its fit: one fit recorded, not 8")
        pred = np.load(os.path.join(self.ws, "pred.npy"))
        r2 = 1 - ((pred - _y()) ** 2).sum() / ((_y() - _y().mean()) ** 2).sum()
        self.assertAlmostEqual(metrics["training_r2_score"], r2, places=10)
        self.assertAlmostEqual(metrics["training_root_mean_squared_error"] ** 2, metrics["training_mean_squared_error"])
        datasets = [d for d in self.of_type(events, "dataset") if d["path"].startswith("memory:")]
        self.assertEqual(len(datasets), 1, "pred.npy is a captured output; the training arrays are one dataset")
        fp = _autolog_record.fingerprint(_x(), _y())
        self.assertEqual(datasets[0]["path"], "memory:sha256:" + fp["sha256"])
        self.assertEqual(datasets[0]["sha256"], fp["sha256"], "the same arrays hash the same in another process")
        self.assertEqual(datasets[0]["shape"], [300, 6])
        self.assertEqual(datasets[0]["dtype"], "float64")
        self.assertEqual(datasets[0]["role"], "train")
        models = self.of_type(events, "model")
        self.assertEqual([(m["path"], m["flavor"]) for m in models],
                         [("artifacts/models/RandomForestRegressor.pkl", "sklearn")])
        with open(os.path.join(self.run_dir, models[0]["path"]), "rb") as f:
            model = pickle.load(f)
        np.testing.assert_array_equal(model.predict(_x()), pred)

    def test_a_pipeline_is_recorded_once_with_prefixed_params_and_classifier_metrics(self):
        self.run_ok("""
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler
            from sklearn.linear_model import LogisticRegression
            lineage.autolog(training_metrics=True)
            make_pipeline(StandardScaler(), LogisticRegression(C=0.5)).fit(Xc, yc)
        """.replace("\n            ", "\n"))
        events = self.events()
        params = self.params(events)
        self.assertEqual(params["logisticregression__C"], 0.5)
        self.assertEqual(params["standardscaler__with_mean"], True)
        self.assertEqual(params["steps"], [["standardscaler", "StandardScaler"], ["logisticregression", "LogisticRegression"]])
        self.assertEqual(params["logisticregression"], "LogisticRegression")
        self.assertEqual(self.tags(events)["estimator_name"], "Pipeline")
        self.assertEqual(len(self.metric_values(events, "fit_time")), 1, "the steps' fits are nested")
        self.assertEqual(len(self.of_type(events, "dataset")), 1)
        self.assertEqual(len(self.of_type(events, "model")), 1)
        metrics = {e["key"] for e in events if e["type"] == "metric"}
        self.assertTrue({"training_accuracy_score", "training_precision_score", "training_recall_score",
                         "training_f1_score", "training_log_loss", "training_roc_auc", "training_score"} <= metrics, metrics)

    def test_fits_in_worker_threads_are_nested(self):
        self.run_ok("""
            from sklearn.ensemble import RandomForestClassifier
            RandomForestClassifier(n_estimators=8, n_jobs=2, random_state=0).fit(Xc, yc)
        """.replace("\n            ", "\n"))
        events = self.events()
        self.assertEqual(len(self.metric_values(events, "fit_time")), 1)
        self.assertEqual(self.tags(events)["estimator_name"], "RandomForestClassifier")

    def test_two_top_level_fits_are_two_points(self):
        self.run_ok("""
            from sklearn.linear_model import Ridge
            Ridge(alpha=1).fit(X, y)
            Ridge(alpha=2).fit(X[:100], y[:100])
        """.replace("\n            ", "\n"))
        events = self.events()
        self.assertEqual([s for s, _ in self.metric_values(events, "training_r2_score")], [0, 1])
        self.assertEqual(self.params(events)["alpha"], 2, "a later value replaces the earlier (events format)")
        self.assertEqual(len({d["sha256"] for d in self.of_type(events, "dataset")}), 2)
        self.assertEqual([m["path"] for m in self.of_type(events, "model")],
                         ["artifacts/models/Ridge.pkl", "artifacts/models/Ridge-2.pkl"])

    def test_an_autolog_failure_never_breaks_the_fit(self):
        proc = self.run_ok("""
            from sklearn.linear_model import Ridge
            m = Ridge()
            m.unpicklable = lambda: 0   # pickling the fitted model fails inside autolog
            m.fit(X, y)
            print("fitted", m.coef_.shape)
        """.replace("\n            ", "\n"))
        self.assertIn("fitted (6,)", proc.stdout)
        self.assertIn("autolog: saving the fitted Ridge failed", proc.stderr)
        events = self.events()
        self.assertIn("saving the fitted Ridge failed", self.tags(events)["autolog.warning"])
        self.assertEqual(self.of_type(events, "model"), [])
        self.assertIn("training_r2_score", {e["key"] for e in events if e["type"] == "metric"})

    def test_training_metrics_auto_records_cheap_ones_and_skips_costly_ones_saying_why(self):
        self.run_ok("""
            from sklearn.linear_model import Ridge
            from sklearn.ensemble import RandomForestRegressor
            import lineage._autolog_sklearn as s
            Ridge().fit(X, y)                      # a predict costs microseconds: recorded
            s.BUDGET, s.MIN_COST = 1e-6, 0.0       # now no predict is cheap enough
            RandomForestRegressor(n_estimators=5, random_state=0).fit(X, y)
        """.replace("\n            ", "\n"))
        events = self.events()
        self.assertEqual([s for s, _ in self.metric_values(events, "training_r2_score")], [0], "only Ridge's")
        self.assertEqual(len(self.metric_values(events, "fit_time")), 2)
        self.assertRegex(self.tags(events)["autolog.training_metrics"],
                         r"^skipped: predicting the 300 training rows would take about .* s of CPU time, .* % of the fit's .* s; "
                         r"lineage.autolog\(training_metrics=True\) records them anyway$")

    def test_the_decision_weighs_the_predict_against_the_fits_cpu_time_not_its_wall_time(self):
        # A fit that waits 1.5 s (I/O, a busy machine) but computes little: 1 % of its wall time would let a
        # 12 ms predict through; in CPU time the budget is the 10 ms floor and the predict is skipped.
        self.run_ok("""
            import time
            from sklearn.base import BaseEstimator, RegressorMixin
            import lineage._autolog_sklearn as s
            class Waits(RegressorMixin, BaseEstimator):
                def fit(self, X, y):
                    time.sleep(1.5)
                    return self
                def predict(self, X):
                    end = time.process_time() + 0.002 + 10e-6 * len(X)
                    while time.process_time() < end:
                        pass
                    return np.zeros(len(X))
            s.patch_class(Waits)
            Waits().fit(np.zeros((1000, 2)), np.zeros(1000))
        """.replace("\n            ", "\n"))
        events = self.events()
        self.assertGreaterEqual(self.metric_values(events, "fit_time")[0][1], 1.5, "fit_time stays the wall time")
        self.assertNotIn("training_r2_score", {e["key"] for e in events if e["type"] == "metric"})
        self.assertRegex(self.tags(events)["autolog.training_metrics"], r"^skipped: predicting the 1000 training rows ")

    def test_large_training_sets_skip_the_training_metrics(self):
        self.run_ok("""
            from sklearn.linear_model import LinearRegression
            import lineage._autolog_sklearn as s
            s.MAX_SCORE_ROWS = 100
            LinearRegression().fit(X, y)
        """.replace("\n            ", "\n"))
        events = self.events()
        self.assertNotIn("training_r2_score", {e["key"] for e in events if e["type"] == "metric"})
        self.assertEqual(self.tags(events)["autolog.training_metrics"], "skipped: 300 training rows, more than 100")

    def test_off_by_default_on_with_the_launcher_setting_and_lazy(self):
        code = """
            import sys, lineage
            print("sklearn" in sys.modules, "numpy" in sys.modules)
            from sklearn.linear_model import Ridge
            from sklearn.datasets import make_regression
            X, y = make_regression(50, 3, random_state=0)
            Ridge().fit(X, y)
        """
        proc = self.run_script(code)
        self.assertOk(proc)
        self.assertEqual(proc.stdout.split(), ["False", "False"], "import lineage imports neither")
        self.assertEqual(self.metric_values(self.events(), "fit_time"), [])
        proc = self.run_script(code, LINEAGE_AUTOLOG_FRAMEWORKS="1")
        self.assertOk(proc)
        self.assertEqual(proc.stdout.split(), ["False", "False"], "autolog on still imports nothing until the script does")
        self.assertEqual(len(self.metric_values(self.events(), "fit_time")), 1)

    def test_autolog_called_after_the_script_imported_sklearn(self):
        proc = self.run_script("""
            from sklearn.linear_model import Ridge
            from sklearn.datasets import make_regression
            import lineage
            lineage.autolog(sklearn=True)
            lineage.autolog(sklearn=True)   # twice: still one record per fit
            X, y = make_regression(50, 3, random_state=0)
            Ridge().fit(X, y)
        """)
        self.assertOk(proc)
        self.assertEqual(len(self.metric_values(self.events(), "fit_time")), 1)

    def test_without_a_run_nothing_is_recorded_and_the_fit_works(self):
        proc = self.run_script(HEADER + "from sklearn.linear_model import Ridge\nprint(Ridge().fit(X, y).coef_.shape)\n",
                               launcher=False)
        self.assertOk(proc)
        self.assertIn("(6,)", proc.stdout)
        self.assertEqual(glob.glob(os.path.join(self.ws, ".lineage", "runs", "*", "artifacts", "*")), [])


class SearchTest(AutologCase):
    def test_grid_search_writes_one_child_run_per_candidate(self):
        proc = self.run_ok("""
            from sklearn.pipeline import Pipeline
            from sklearn.preprocessing import StandardScaler
            from sklearn.linear_model import Ridge
            from sklearn.model_selection import GridSearchCV
            pipe = Pipeline([("scale", StandardScaler()), ("ridge", Ridge())])
            grid = {"ridge__alpha": [0.01, 1.0, 100.0], "scale__with_mean": [True, False]}
            search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
            cv = search.cv_results_
            print(json.dumps({"params": cv["params"], "rank": cv["rank_test_score"].tolist(),
                              "mean": cv["mean_test_score"].tolist(), "best": search.best_params_,
                              "best_score": search.best_score_}))
        """.replace("\n            ", "\n"))
        truth = json.loads(proc.stdout)
        events = self.events()
        self.assertEqual(len(self.metric_values(events, "fit_time")), 1, "the candidates' and the refit's fits are nested")
        self.assertEqual(self.tags(events)["autolog.children"], "6")
        params = self.params(events)
        self.assertEqual(params["best_ridge__alpha"], truth["best"]["ridge__alpha"])
        self.assertEqual(params["best_scale__with_mean"], truth["best"]["scale__with_mean"])
        self.assertEqual(params["estimator__ridge__alpha"], 1.0)
        self.assertEqual(params["param_grid"], {"ridge__alpha": [0.01, 1.0, 100.0], "scale__with_mean": [True, False]})
        self.assertAlmostEqual(self.metric_values(events, "best_cv_score")[0][1], truth["best_score"])
        children = self.children()
        self.assertEqual(len(children), 6)
        seen = []
        for record, child_events in children:
            self.assertEqual(record["parentRunId"], os.path.basename(self.run_dir))
            self.assertEqual(record["status"], "finished")
            i = int(self.tags(child_events)["autolog.candidate"])
            seen.append(i)
            self.assertEqual(self.params(child_events), truth["params"][i])
            metrics = {e["key"]: e["value"] for e in child_events if e["type"] == "metric"}
            self.assertEqual(metrics["rank_test_score"], truth["rank"][i])
            self.assertAlmostEqual(metrics["mean_test_score"], truth["mean"][i])
            for key in ("std_test_score", "mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time"):
                self.assertIn(key, metrics)
            self.assertEqual(child_events[-1], {"type": "status", "status": "finished"})
            self.assertEqual(self.of_type(child_events, "dataset")[0]["path"], self.of_type(events, "dataset")[0]["path"])
            self.assertTrue(record["name"].startswith("#%d " % (i + 1)), record["name"])
        self.assertEqual(sorted(seen), list(range(6)))
        self.assertEqual(os.listdir(self.run_dir).count(".autolog-children"), 0, "the staging folder is removed")

    def test_randomized_search_children(self):
        self.run_ok("""
            from sklearn.tree import DecisionTreeClassifier
            from sklearn.model_selection import RandomizedSearchCV
            s = RandomizedSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": [1, 2, 3, 4, 5, 6],
                                   "min_samples_leaf": [1, 5, 10]}, n_iter=4, cv=3, random_state=0).fit(Xc, yc)
            print(json.dumps([dict(p) for p in s.cv_results_["params"]]))
        """.replace("\n            ", "\n"))
        children = self.children()
        self.assertEqual(len(children), 4)
        self.assertEqual(self.tags(self.events())["estimator_name"], "RandomizedSearchCV")


class XGBoostTest(AutologCase):
    def test_train_records_every_eval_metric_per_round_keeps_user_callbacks(self):
        proc = self.run_ok("""
            import xgboost as xgb
            class Count(xgb.callback.TrainingCallback):
                n = 0
                def after_iteration(self, model, epoch, log):
                    Count.n += 1
                    return False
            dtrain = xgb.DMatrix(X[:200], label=y[:200])
            dvalid = xgb.DMatrix(X[200:], label=y[200:])
            result = {}
            booster = xgb.train({"max_depth": 3, "eta": 0.3, "eval_metric": ["rmse", "mae"]}, dtrain, 7,
                                evals=[(dtrain, "train"), (dvalid, "valid")], evals_result=result,
                                verbose_eval=False, callbacks=[Count()])
            print(json.dumps({"result": result, "count": Count.n}))
        """.replace("\n            ", "\n"))
        out = json.loads(proc.stdout)
        self.assertEqual(out["count"], 7, "the script's own callback still runs every round")
        events = self.events()
        points = [e for e in events if e["type"] == "metric" and "-" in e["key"]]
        self.assertEqual(len(points), 7 * 2 * 2, "rounds x evals x metrics")
        for data in ("train", "valid"):
            for metric in ("rmse", "mae"):
                got = self.metric_values(events, "%s-%s" % (data, metric))
                self.assertEqual([s for s, _ in got], list(range(7)))
                for (_, v), want in zip(got, out["result"][data][metric]):
                    self.assertAlmostEqual(v, want, places=12)
        params = self.params(events)
        self.assertEqual(params["max_depth"], 3)
        self.assertEqual(params["eval_metric"], ["rmse", "mae"])
        self.assertEqual(params["num_boost_round"], 7)
        self.assertEqual([(m["path"], m["flavor"]) for m in self.of_type(events, "model")],
                         [("artifacts/models/xgboost-booster.json", "xgboost")])
        import xgboost as xgb
        saved = xgb.Booster(model_file=os.path.join(self.run_dir, "artifacts", "models", "xgboost-booster.json"))
        self.assertEqual(saved.num_boosted_rounds(), 7)
        with open(os.path.join(self.run_dir, "artifacts", "feature_importance_gain.json")) as f:
            gain = json.load(f)
        self.assertTrue(gain and set(gain) <= {"f%d" % i for i in range(6)}, gain)
        self.assertEqual(len(self.of_type(events, "dataset")), 1)

    def test_sklearn_wrapper_fit(self):
        self.run_ok("""
            from xgboost import XGBClassifier
            lineage.autolog(training_metrics=True)
            m = XGBClassifier(n_estimators=6, max_depth=2).fit(Xc, yc, eval_set=[(Xc[:100], yc[:100])], verbose=False)
        """.replace("\n            ", "\n"))
        events = self.events()
        self.assertEqual([s for s, _ in self.metric_values(events, "validation_0-logloss")], list(range(6)))
        self.assertEqual(self.params(events)["n_estimators"], 6)
        self.assertEqual(self.tags(events)["estimator_name"], "XGBClassifier")
        self.assertEqual([m["flavor"] for m in self.of_type(events, "model")], ["xgboost"], "the booster, not also a pickle")
        self.assertEqual(len(self.metric_values(events, "fit_time")), 1)
        self.assertIn("training_accuracy_score", {e["key"] for e in events if e["type"] == "metric"})

    def test_a_grid_search_over_xgboost_logs_no_per_round_points_of_candidates(self):
        self.run_ok("""
            from xgboost import XGBRegressor
            from sklearn.model_selection import GridSearchCV
            GridSearchCV(XGBRegressor(n_estimators=3), {"max_depth": [2, 3]}, cv=2).fit(X, y)
        """.replace("\n            ", "\n"))
        self.assertEqual(len(self.children()), 2)
        self.assertEqual(self.of_type(self.events(), "model")[0]["flavor"], "sklearn")
        self.assertFalse([e for e in self.events() if e["type"] == "metric" and e["key"].startswith("validation_0")])


class SameResultsTest(AutologCase):
    SCRIPT = """
import json, sys
import numpy as np
if sys.argv[1] == "on":
    import lineage
    lineage.autolog(sklearn=True, xgboost=True)
np.random.seed(123)
from sklearn.datasets import make_regression
from sklearn.ensemble import RandomForestRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.linear_model import SGDRegressor
import xgboost as xgb
X, y = make_regression(n_samples=400, n_features=5, noise=3.0, random_state=1)
out = {}
out["rf"] = RandomForestRegressor(n_estimators=10).fit(X, y).predict(X).tolist()   # global RNG
out["sgd"] = GridSearchCV(SGDRegressor(), {"alpha": [1e-4, 1e-2]}, cv=3).fit(X, y).predict(X).tolist()
out["xgb"] = xgb.XGBRegressor(n_estimators=5, subsample=0.8).fit(X, y, eval_set=[(X, y)], verbose=False).predict(X).tolist()
b = xgb.train({"max_depth": 2}, xgb.DMatrix(X, label=y), 4, evals=[(xgb.DMatrix(X, label=y), "t")], verbose_eval=False)
out["booster"] = b.predict(xgb.DMatrix(X)).tolist()
out["rng_after"] = np.random.random(3).tolist()
print(json.dumps(out))
"""

    def test_predictions_and_the_global_rng_are_the_same_with_and_without_autolog(self):
        results = {}
        for mode in ("off", "on"):
            proc = self.run_script(self.SCRIPT, args=[mode])
            self.assertOk(proc)
            results[mode] = json.loads(proc.stdout)
        self.assertGreater(len(self.metric_values(self.events(), "fit_time")), 0, "autolog was on in the second run")
        for key in ("rf", "sgd", "xgb", "booster", "rng_after"):
            self.assertEqual(results["on"][key], results["off"][key], key)


class FingerprintTest(unittest.TestCase):
    def test_equal_data_equal_hash_and_one_changed_value_changes_it(self):
        fp = _autolog_record.fingerprint
        rng = np.random.default_rng(0)
        X = rng.normal(size=(50, 4))
        y = rng.normal(size=50)
        a = fp(X, y)["sha256"]
        self.assertEqual(fp(X, y)["sha256"], a)
        self.assertEqual(fp(X.copy(), y.copy())["sha256"], a)
        self.assertEqual(fp(np.asfortranarray(X), y)["sha256"], a, "memory layout is not content")
        self.assertEqual(fp(X.tolist(), y.tolist())["sha256"], a, "lists of the same floats")
        X2 = X.copy()
        X2[17, 2] += 1e-12
        self.assertNotEqual(fp(X2, y)["sha256"], a)
        y2 = y.copy()
        y2[0] = -y2[0]
        self.assertNotEqual(fp(X, y2)["sha256"], a)
        self.assertNotEqual(fp(X)["sha256"], a, "y is part of it")
        self.assertNotEqual(fp(X.astype(np.float32), y)["sha256"], a, "the dtype is part of it")
        self.assertNotEqual(fp(X.reshape(25, 8), y)["sha256"], a, "the shape is part of it")
        self.assertEqual(fp(X, y)["shape"], [50, 4])

    def test_pandas_and_sparse(self):
        import pandas as pd
        from scipy import sparse
        fp = _autolog_record.fingerprint
        df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "z"]})
        h = fp(df)["sha256"]
        self.assertEqual(fp(df.copy())["sha256"], h)
        self.assertNotEqual(fp(df.rename(columns={"b": "c"}))["sha256"], h, "column names are part of it")
        df2 = df.copy()
        df2.loc[1, "b"] = "q"
        self.assertNotEqual(fp(df2)["sha256"], h)
        self.assertEqual(fp(df)["columns"], ["a", "b"])
        m = sparse.random(30, 10, density=0.2, random_state=0, format="csr")
        s = fp(m)["sha256"]
        self.assertEqual(fp(m.tocoo())["sha256"], s, "the same matrix in another layout")
        m2 = m.copy()
        m2.data[0] += 1
        self.assertNotEqual(fp(m2)["sha256"], s)


def _spin(seconds):
    """Burns this process's CPU time (the clock the decision reads), whatever the machine's load."""
    import time
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


class _SlowFirstPredict(object):
    """A model whose predict costs 2 ms per call plus 20 us per row, and 3 ms more on its first call after the
    fit (a forest's cold caches, exaggerated): predicting 2,000 rows costs 42 ms."""

    def __init__(self):
        self.calls = []

    def predict(self, X):
        first = not self.calls
        self.calls.append(len(X))
        _spin(0.002 + 20e-6 * len(X) + (0.003 if first else 0.0))
        return np.zeros(len(X))


class TrainingMetricsDecisionTest(unittest.TestCase):
    def setUp(self):
        from lineage import _autolog_sklearn
        self.s = _autolog_sklearn
        self.X = np.zeros((2000, 3))

    def test_a_slow_first_predict_errs_towards_skipping(self):
        # Timed small-then-large, the first call's extra cost made the larger predict look no dearer per row,
        # and a 42 ms predict passed as 5 ms under a 10 ms budget; the larger one now runs first.
        model = _SlowFirstPredict()
        reason = self.s._too_costly(model, self.X, 2000, 0.3)
        self.assertIsNotNone(reason, "a 42 ms predict is over max(10 ms, 1 % of 0.3 s)")
        self.assertEqual(model.calls, [40, 20], "2 % of the rows first, then 1 %")
        self.assertRegex(reason, r"^skipped: predicting the 2000 training rows would take about .* s of CPU time, ")

    def test_a_predict_cheap_even_with_no_fixed_cost_is_decided_in_one_call(self):
        class Cheap(object):
            calls = []

            def predict(self, X):
                self.calls.append(len(X))
                return np.zeros(len(X))
        model = Cheap()
        self.assertIsNone(self.s._too_costly(model, self.X, 2000, 0.3))
        self.assertEqual(model.calls, [40])

    def test_the_budget_is_a_share_of_the_fits_cpu_time(self):
        model = _SlowFirstPredict()
        self.assertIsNone(self.s._too_costly(model, self.X, 2000, 100.0), "1 % of 100 s is 1 s: a 42 ms predict fits")


def _data():
    from sklearn.datasets import make_regression
    return make_regression(n_samples=300, n_features=6, noise=5.0, random_state=0)


def _x():
    return _data()[0]


def _y():
    return _data()[1]


if __name__ == "__main__":
    unittest.main()
