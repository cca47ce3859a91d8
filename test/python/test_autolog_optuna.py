"""Optuna autolog (issue 16 section 2) with Debian's real python3-optuna: a study of 20 trials in a script
under the launcher's environment gives 20 child runs (params, value, state, duration) and the best trial
tagged; a pruned trial's run is `killed`, a failed one's `failed`; the trials are the same without autolog.

Run from the repository root: /usr/bin/python3 -m unittest discover -s test/python -v"""
import glob
import json
import os
import unittest

from test_sdk import SdkTestCase

try:
    import optuna  # noqa: F401
except ImportError as e:  # needed, not skipped: say how to get it
    raise ImportError("test_autolog_optuna needs optuna (python3-optuna on Debian); run it with /usr/bin/python3: %s" % e)

STUDY = """
import json, sys
import lineage
AUTOLOG = lineage.autolog(optuna=True) if sys.argv[1:] == ["on"] else None
import optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
seen = []
def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    k = trial.suggest_categorical("k", ["a", "b"])
    if trial.number == 3:
        raise optuna.TrialPruned()
    if trial.number == 5:
        raise ValueError("trial 5 fails on purpose")
    return (x - 2) ** 2 + (1 if k == "b" else 0)
def mine(study, trial):
    seen.append(trial.number)
study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=7))
study.optimize(objective, n_trials=20, callbacks=[mine], catch=(ValueError,))
print(json.dumps({"trials": [{"n": t.number, "params": t.params, "value": t.value, "state": t.state.name}
                             for t in study.trials], "best": study.best_trial.number, "mine": seen}))
"""


class OptunaAutologTest(SdkTestCase):
    def children(self):
        out = []
        for folder in sorted(glob.glob(os.path.join(self.ws, ".lineage", "runs", "*"))):
            if folder == self.run_dir:
                continue
            with open(os.path.join(folder, "run.json")) as f:
                record = json.load(f)
            tags = {e["key"]: e["value"] for e in self.events(folder) if e["type"] == "tag"}
            user = {}
            if os.path.exists(os.path.join(folder, "user.json")):
                with open(os.path.join(folder, "user.json")) as f:
                    user = json.load(f)
            out.append((os.path.basename(folder), record, self.events(folder), tags, user))
        return out

    def test_twenty_trials_are_twenty_child_runs_and_the_best_is_tagged(self):
        proc = self.run_script(STUDY, args=["on"])
        self.assertOk(proc)
        truth = json.loads(proc.stdout.strip().splitlines()[-1])
        self.assertEqual(truth["mine"], list(range(20)), "the script's own callback still runs, for every trial")
        children = self.children()
        self.assertEqual(len(children), 20)
        by_trial = {}
        for run_id, record, events, tags, user in children:
            self.assertEqual(record["parentRunId"], os.path.basename(self.run_dir))
            n = int(tags["autolog.optuna_trial"])
            by_trial[n] = (run_id, record, events, tags, user)
        self.assertEqual(sorted(by_trial), list(range(20)))
        for t in truth["trials"]:
            run_id, record, events, tags, user = by_trial[t["n"]]
            params = {e["key"]: e["value"] for e in events if e["type"] == "param"}
            metrics = {e["key"]: e["value"] for e in events if e["type"] == "metric"}
            self.assertEqual(params, t["params"])
            self.assertEqual(tags["optuna.state"], t["state"])
            status = {"COMPLETE": "finished", "FAIL": "failed", "PRUNED": "killed"}[t["state"]]
            self.assertEqual(record["status"], status)
            ends = [e for e in events if e["type"] == "status"]
            self.assertEqual([e["status"] for e in ends], [status])
            self.assertEqual(record["exitCode"], 0 if status == "finished" else None)
            self.assertEqual("error" in ends[0], status == "failed")
            if t["state"] == "COMPLETE":
                self.assertAlmostEqual(metrics["value"], t["value"])
            else:
                self.assertNotIn("value", metrics)
            self.assertGreaterEqual(metrics["duration_s"], 0.0)
            self.assertTrue(record["name"].startswith("#%d " % t["n"]), record["name"])
            self.assertEqual(user.get("tags", {}).get("lineage.sweep_best"), "true" if t["n"] == truth["best"] else None)
        self.assertEqual(by_trial[3][3]["optuna.state"], "PRUNED")
        self.assertEqual(by_trial[5][3]["optuna.state"], "FAIL")
        self.assertEqual(by_trial[5][1]["status"], "failed")
        self.assertEqual(by_trial[3][1]["status"], "killed")
        events = self.events()
        tags = {e["key"]: e["value"] for e in events if e["type"] == "tag"}
        params = {e["key"]: e["value"] for e in events if e["type"] == "param"}
        self.assertEqual(tags["optuna.best_run"], by_trial[truth["best"]][0])
        self.assertEqual(tags["autolog.children"], "20")
        self.assertEqual(params["optuna.direction"], "minimize")
        self.assertEqual(params["best_x"], truth["trials"][truth["best"]]["params"]["x"])

    def test_the_study_is_the_same_without_autolog(self):
        on = self.run_script(STUDY, args=["on"])
        off = self.run_script(STUDY, args=["off"], launcher=False)
        self.assertOk(on)
        self.assertOk(off)
        self.assertEqual(json.loads(on.stdout.strip().splitlines()[-1]), json.loads(off.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    unittest.main()
