"""The what-if scorer (`python -m lineage.serve <run folder>`, docs/explanations-format.md "The scorer"), run as
the extension runs it: a real subprocess of /usr/bin/python3 speaking JSON lines over stdin/stdout, on runs
logged by real scripts (test_explain's fixtures).

Run from the repository root: /usr/bin/python3 -m unittest discover -s test/python -v"""
import json
import os
import pickle
import subprocess
import sys
import time
import unittest

import numpy as np

import test_explain as fx
from lineage import _explain_store


class Scorer(object):
    def __init__(self, run_dir, *extra, env=None):
        self.proc = subprocess.Popen([sys.executable, "-m", "lineage.serve", run_dir] + list(extra),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        self.ready = json.loads(self.proc.stdout.readline())

    def send(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def ask(self, **request):
        return self.send(json.dumps(request))

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.write('{"id":0,"op":"quit"}\n')
            self.proc.stdin.flush()
        code = self.proc.wait(10)
        rest = self.proc.stdout.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.proc.stdin.close()
        return code, rest


class ServeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ws = fx.Workspace()
        out, _ = cls.ws.run("""
            import lineage, numpy as np
            from sklearn.ensemble import GradientBoostingRegressor
            from sklearn.linear_model import LogisticRegression
            from sklearn.neighbors import KNeighborsRegressor
            from test_explain import houses, house_pipeline, FEATURES
            X, y = houses()
            for model, target in ((house_pipeline(GradientBoostingRegressor(n_estimators=200, max_depth=3,
                                                  random_state=0), scale=False), y),
                                  (house_pipeline(LogisticRegression(max_iter=1000)), np.where(y > np.median(y),
                                                  "approved", "declined")),
                                  (house_pipeline(KNeighborsRegressor(n_neighbors=7)), y)):
                model.fit(X, target)
                with lineage.start_run() as run:
                    lineage.explain(model, X[:120], target[:120], feature_names=FEATURES, background=X[120:])
                print(run.dir)
        """)
        cls.gbr, cls.logistic, cls.knn = out.split()  # run ids made in one second do not sort by time
        cls.env = cls.ws.env()
        cls.env.pop("LINEAGE_WORKSPACE")

    @classmethod
    def tearDownClass(cls):
        cls.ws.close()

    def start(self, run_dir, *extra):
        s = Scorer(run_dir, *extra, env=self.env)
        self.addCleanup(lambda: s.proc.poll() is None and s.close())
        return s

    def stored(self, run_dir):
        folder = os.path.join(run_dir, "explanations", "default")
        m = _explain_store.load_manifest(folder)
        arrays = {k: _explain_store.load_array(folder, m, k) for k in ("values", "base", "output", "data")}
        with open(os.path.join(folder, "model.pkl"), "rb") as f:
            model = pickle.load(f)
        return m, arrays, model

    def row(self, m, data, i):
        out = {}
        for j, f in enumerate(m["features"]):
            v = data[i, j]
            out[f] = m["categories"][f][int(v)] if m["feature_kinds"][j] == "categorical" else float(v)
        return out

    def test_explain_answers_the_stored_attributions_for_the_same_row_quickly(self):
        m, a, _ = self.stored(self.gbr)
        self.assertEqual(m["method"], "tree_path_dependent")
        s = self.start(self.gbr)
        self.assertEqual(s.ready, dict(s.ready, ready=True, features=fx.FEATURES, task="regression"))
        scale = float(np.abs(a["output"]).max())
        timings = []
        for i in (0, 17, 99):
            t = time.perf_counter()
            reply = s.ask(id=i, op="explain", row=self.row(m, a["data"], i))
            timings.append(time.perf_counter() - t)
            self.assertEqual(reply["id"], i)
            np.testing.assert_allclose(reply["values"], a["values"][i], rtol=0, atol=1e-9 * scale)
            self.assertAlmostEqual(reply["output"], a["output"][i], delta=1e-9 * scale)
            self.assertAlmostEqual(reply["base"], a["base"][i], delta=1e-9 * scale)
            self.assertEqual(reply["prediction"], reply["output"])
            self.assertLess(reply["additivity_error"], 1e-9 * scale)
            self.assertTrue(reply["exact"])
        self.assertLess(sorted(timings)[1], 0.3, "explain took %s s" % timings)
        self.assertEqual(s.close()[0], 0)

    def test_a_logistic_model_answers_a_probability_and_its_log_odds(self):
        m, a, model = self.stored(self.logistic)
        self.assertEqual(m["method"], "linear_interventional")
        s = self.start(self.logistic)
        self.assertEqual(s.ready["task"], "binary")
        reply = s.ask(id="r", op="explain", row=self.row(m, a["data"], 4))
        self.assertAlmostEqual(reply["output"], a["output"][4], delta=1e-9)
        np.testing.assert_allclose(reply["values"], a["values"][4], rtol=0, atol=1e-9)
        x = np.array([list(self.row(m, a["data"], 4).values())], dtype=object)
        self.assertAlmostEqual(reply["prediction"], model.predict_proba(x)[0, 1], delta=1e-12)
        target = 0.5 if reply["prediction"] < 0.5 else 0.3
        cf = s.ask(id=2, op="counterfactual", row=self.row(m, a["data"], 4), target=target, max_features=2)
        self.assertTrue(cf["found"], cf)
        self.check_counterfactual(m, model, self.row(m, a["data"], 4), cf, target, reply["prediction"] < target,
                                  proba=True)

    def test_a_kernel_shap_model_answers_with_the_same_background_and_budget(self):
        m, a, model = self.stored(self.knn)
        self.assertEqual(m["method"], "kernel")
        s = self.start(self.knn)
        reply = s.ask(id=1, op="explain", row=self.row(m, a["data"], 7))
        scale = float(np.abs(a["output"]).max())
        # Four features: Kernel SHAP evaluates every coalition, so the recomputed values are the stored ones.
        np.testing.assert_allclose(reply["values"], a["values"][7], rtol=0, atol=1e-9 * scale)
        self.assertEqual(len(reply["stderr"]), 4)
        row = self.row(m, a["data"], 5)
        target = float(a["output"][5]) * 1.1
        cf = s.ask(id=2, op="counterfactual", row=row, target=target)
        self.assertTrue(cf["found"], cf)
        self.check_counterfactual(m, model, row, cf, target, True)

    def check_counterfactual(self, m, model, row, cf, target, up, proba=False):
        self.assertLessEqual(len(cf["changes"]), 2)
        self.assertGreater(len(cf["changes"]), 0)
        new = dict(row)
        for c in cf["changes"]:
            f = c["feature"]
            self.assertEqual(c["from"], row[f])
            j = m["features"].index(f)
            if m["feature_kinds"][j] == "categorical":
                self.assertIn(c["to"], m["categories"][f])
            else:
                lo, hi = m["feature_ranges"][f]
                self.assertTrue(lo <= c["to"] <= hi, c)
            new[f] = c["to"]
        x = np.array([[new[f] for f in m["features"]]], dtype=object)
        p = model.predict_proba(x)[0, 1] if proba else model.predict(x)[0]
        self.assertAlmostEqual(cf["prediction"], p, delta=1e-9 * max(1.0, abs(p)))
        if up:
            self.assertGreaterEqual(p, target)
        else:
            self.assertLessEqual(p, target)

    def test_counterfactual_moves_the_prediction_past_the_target_with_at_most_two_changes(self):
        m, a, model = self.stored(self.gbr)
        s = self.start(self.gbr)
        found = 0
        for i, factor in ((3, 1.25), (3, 0.8), (40, 1.4), (5, 1.1)):
            row = self.row(m, a["data"], i)
            target = float(a["output"][i]) * factor
            t = time.perf_counter()
            cf = s.ask(id=i, op="counterfactual", row=row, target=target, max_features=2)
            took = time.perf_counter() - t
            self.assertLess(took, 2.0)
            if cf["found"]:
                found += 1
                self.check_counterfactual(m, model, row, cf, target, factor > 1)
            else:
                self.assertIn("reason", cf)
        self.assertGreaterEqual(found, 2)
        none = s.ask(id=9, op="counterfactual", row=self.row(m, a["data"], 3), target=1e12, max_features=2)
        self.assertEqual(none["found"], False)
        self.assertIn("no change", none["reason"])
        one = s.ask(id=10, op="counterfactual", row=self.row(m, a["data"], 3), target=float(a["output"][3]) * 1.1,
                    max_features=1)
        if one["found"]:
            self.assertEqual(len(one["changes"]), 1)

    def test_bad_requests_are_answered_with_an_error_and_the_scorer_goes_on(self):
        m, a, _ = self.stored(self.gbr)
        s = self.start(self.gbr)
        row = self.row(m, a["data"], 0)
        cases = [
            ("not json at all", None, "not JSON"),
            ('[1, 2]', None, "JSON object"),
            ('{"id": 5, "op": "fly"}', 5, "unknown op"),
            (json.dumps({"id": 6, "op": "explain", "row": dict(row, bedrooms="three")}), 6, "must be a number"),
            (json.dumps({"id": 7, "op": "explain", "row": {"bedrooms": 2}}), 7, "no value for"),
            (json.dumps({"id": 8, "op": "explain", "row": dict(row, extra=1)}), 8, "unknown feature"),
            (json.dumps({"id": 9, "op": "explain"}), 9, "row"),
            (json.dumps({"id": 10, "op": "counterfactual", "row": row, "target": "high"}), 10, "target"),
            (json.dumps({"id": 11, "op": "counterfactual", "row": row, "target": 1, "max_features": 3}), 11,
             "max_features"),
            (json.dumps({"id": 12, "op": "explain", "row": dict(row, location={"$gt": ""})}), 12, "category"),
        ]
        for text, rid, words in cases:
            reply = s.send(text)
            self.assertEqual(reply["id"], rid, text)
            self.assertIn(words, reply["error"], text)
        # An unseen category goes to the model as text (its OneHotEncoder ignores it) and still adds up.
        reply = s.ask(id=13, op="explain", row=dict(row, location="<script>alert(1)</script>"))
        self.assertLess(reply["additivity_error"], 1e-6)
        self.assertEqual(s.ask(id=14, op="explain", row=row)["id"], 14)
        code, rest = s.close()
        self.assertEqual((code, rest), (0, ""))

    def test_stdout_carries_only_protocol_lines_and_quit_exits_zero(self):
        s = self.start(self.gbr)
        s.proc.stdin.write('{"id":1,"op":"quit"}\n')
        s.proc.stdin.flush()
        self.assertEqual(s.proc.wait(10), 0)
        self.assertEqual(s.proc.stdout.read(), "")
        s.close()

    def test_a_run_without_an_explanation_answers_not_ready_and_exits_2(self):
        s = self.start(os.path.join(self.ws.root, "nowhere"))
        self.assertEqual(s.ready["ready"], False)
        self.assertIn("lineage.explain", s.ready["error"])
        self.assertEqual(s.proc.wait(10), 2)
        s.close()


if __name__ == "__main__":
    unittest.main()
