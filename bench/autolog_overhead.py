"""Overhead of framework autolog on a ~1-second scikit-learn fit, end to end (issue 16: goal <= 2 %).

Run with /usr/bin/python3 bench/autolog_overhead.py [pairs] [target_seconds] [forced_pairs], e.g. 40 1.0 10;
on a shared machine under `flock /tmp/lineage-build.lock` so no build runs at the same time.

One process, in a run joined as under the launcher (LINEAGE_RUN_DIR). A RandomForestRegressor(n_estimators=50)
is fitted on the same synthetic data (sized so a fit takes about target_seconds), `pairs` times with autolog off
and `pairs` times on, interleaved in pairs (off-on, then on-off, so drift lands on both sides), a new estimator
each time (random_state = pair). Off is lineage.autolog(sklearn=False): the class stays patched and its wrapper
calls the original at once; that is the anchor, measured in the same run. Each timing is the `fit` call as the
script sees it, so it includes everything autolog does synchronously: the fingerprint, params, the
training-metrics decision and the model's pickle written to the run folder.

Clocks: this process's CPU time (user + system of all its threads, from getrusage; it includes writing the
model file) is the primary one, since other processes' load moves a 1-s fit's wall time by tens of per cent on a
shared 2-core machine; wall time is taken from the same fits. The figure is the median of the pair ratios
(on / off of the two fits run back to back) with a bootstrap 95 % interval over the pairs.

During the autolog-on fits each part of autolog's work is timed where it runs (CPU time), so the end-to-end
excess can be set against the sum of its parts. Then a predict over the training data is timed (what the
training metrics would cost), and a shorter A/B runs with training metrics forced on (mlflow.sklearn.autolog's
behaviour). The last line is JSON with every figure; it is also written to bench/results/autolog_overhead.json."""
import gc
import json
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time

PAIRS = int(sys.argv[1]) if len(sys.argv) > 1 else 40
TARGET = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
FORCED_PAIRS = int(sys.argv[3]) if len(sys.argv) > 3 else 10
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = tempfile.mkdtemp(prefix="lineage-bench-autolog-")
RUN_DIR = os.path.join(ROOT, ".lineage", "runs", "20260101-000000-000000")
os.makedirs(os.path.join(RUN_DIR, "artifacts"))
os.environ.update(LINEAGE_RUN_DIR=RUN_DIR, LINEAGE_RUN_ID=os.path.basename(RUN_DIR), LINEAGE_WORKSPACE=ROOT)
sys.path.insert(0, os.path.join(HERE, "..", "sdk", "python"))

import lineage  # noqa: E402  (joins the run in LINEAGE_RUN_DIR on import, as under the launcher)
from lineage import _autolog_sklearn  # noqa: E402

lineage.autolog(sklearn=True)
from sklearn.datasets import make_regression  # noqa: E402
from sklearn.ensemble import RandomForestRegressor  # noqa: E402

N_FEATURES = 20
N_TREES = 50
BOOT = 10000


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# --- the parts, timed inside the real fits --------------------------------------------------------------

PARTS = {}  # name -> CPU seconds in the current fit


def _timed_part(name, fn):
    def timed(*args, **kwargs):
        c0 = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            PARTS[name] = PARTS.get(name, 0.0) + time.process_time() - c0
    return timed


# The wrapper looks these up in its module at each call, so timing them there times them in the fit itself.
_autolog_sklearn._before = _timed_part("fingerprint", _autolog_sklearn._before)
_autolog_sklearn._after = _timed_part("after the fit, all", _autolog_sklearn._after)
_autolog_sklearn._training_metrics = _timed_part("training metrics", _autolog_sklearn._training_metrics)
_autolog_sklearn._save_model = _timed_part("model pickle written", _autolog_sklearn._save_model)


def data(n):
    return make_regression(n_samples=n, n_features=N_FEATURES, noise=10.0, random_state=0)


def one_fit(X, y, seed, on):
    _autolog_sklearn.enable(on)
    model = RandomForestRegressor(n_estimators=N_TREES, random_state=seed)
    gc.collect()  # the previous fit's garbage is not this fit's cost, on either side
    PARTS.clear()
    c0, t0 = cpu(), time.perf_counter()
    model.fit(X, y)
    wall, spent = time.perf_counter() - t0, cpu() - c0
    parts = dict(PARTS)
    if parts:
        after = parts.pop("after the fit, all")
        parts["params, tags, dataset line"] = after - parts["training metrics"] - parts["model pickle written"]
    return {"cpu": spent, "wall": wall, "parts": parts}


def calibrate():
    n = 400
    X, y = data(n)
    seconds = one_fit(X, y, 0, False)["cpu"]
    n = max(200, int(n * TARGET / max(seconds, 1e-3)))
    return n, data(n)


# --- statistics ------------------------------------------------------------------------------------------

def bootstrap_median(values, seed=1):
    """The median and a 95 % percentile-bootstrap interval of it (resampling the pairs)."""
    rng = random.Random(seed)
    n = len(values)
    meds = sorted(statistics.median(rng.choices(values, k=n)) for _ in range(BOOT))
    return statistics.median(values), meds[int(0.025 * BOOT)], meds[int(0.975 * BOOT) - 1]


def summarize(off, on, clock):
    a = [f[clock] for f in off]
    b = [f[clock] for f in on]
    ratios = [y / x for x, y in zip(a, b)]  # each pair's two fits ran back to back
    med, lo, hi = bootstrap_median(ratios)
    excess_ms = bootstrap_median([(y - x) * 1000 for x, y in zip(a, b)])
    return {"off_median_s": statistics.median(a), "on_median_s": statistics.median(b),
            "off_range_s": [min(a), max(a)], "ratio_of_medians": statistics.median(b) / statistics.median(a),
            "pair_ratio_median": med, "pair_ratio_ci95": [lo, hi], "excess_ms_median": excess_ms[0],
            "excess_ms_ci95": list(excess_ms[1:]), "pair_ratios": ratios}


def compare(X, y, pairs, label):
    off, on = [], []
    for pair in range(pairs):
        for flag in ((False, True) if pair % 2 == 0 else (True, False)):
            (on if flag else off).append(one_fit(X, y, pair, flag))
    out = {"pairs": pairs}
    for clock in ("cpu", "wall"):
        s = out[clock] = summarize(off, on, clock)
        print("%-34s %-4s off %.3f s (%.3f-%.3f)  on %.3f s  median pair ratio %.4f [95 %% CI %.4f-%.4f]  "
              "excess %.1f ms [%.1f-%.1f]  ratio of medians %.4f"
              % (label, clock, s["off_median_s"], s["off_range_s"][0], s["off_range_s"][1], s["on_median_s"],
                 s["pair_ratio_median"], s["pair_ratio_ci95"][0], s["pair_ratio_ci95"][1], s["excess_ms_median"],
                 s["excess_ms_ci95"][0], s["excess_ms_ci95"][1], s["ratio_of_medians"]))
    names = sorted({k for f in on for k in f["parts"]})
    out["parts_ms"] = {k: statistics.median(f["parts"].get(k, 0.0) for f in on) * 1000 for k in names}
    total = [sum(f["parts"].values()) * 1000 for f in on]
    out["parts_sum_ms"] = statistics.median(total)
    fit_ms = out["cpu"]["off_median_s"] * 1000
    for k in names:
        print("  %-32s %7.2f ms  (%.2f %% of the fit)" % (k, out["parts_ms"][k], out["parts_ms"][k] / fit_ms * 100))
    print("  %-32s %7.2f ms  (%.2f %% of the fit)  vs the end-to-end CPU excess %.1f ms"
          % ("sum of the parts (median)", out["parts_sum_ms"], out["parts_sum_ms"] / fit_ms * 100,
             out["cpu"]["excess_ms_median"]))
    return out


def predict_cost(X, y):
    model = RandomForestRegressor(n_estimators=N_TREES, random_state=99)
    _autolog_sklearn.enable(False)
    model.fit(X, y)
    best = []
    for _ in range(3):
        c0 = cpu()
        model.predict(X)
        best.append(cpu() - c0)
    return min(best)


def main():
    load0 = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    try:
        n, (X, y) = calibrate()
        print("RandomForestRegressor(n_estimators=%d) on %d x %d synthetic rows; %d pairs; load average %.2f %.2f %.2f"
              % (N_TREES, n, N_FEATURES, PAIRS, *load0))
        default = compare(X, y, PAIRS, "autolog defaults")
        pred = predict_cost(X, y)
        print("a predict over the %d training rows: %.1f ms CPU = %.2f %% of the fit (what training metrics need)"
              % (n, pred * 1000, pred / default["cpu"]["off_median_s"] * 100))
        forced = None
        if FORCED_PAIRS:
            _autolog_sklearn.TRAINING_METRICS = True
            forced = compare(X, y, FORCED_PAIRS, "training metrics forced on")
            _autolog_sklearn.TRAINING_METRICS = "auto"
        load1 = os.getloadavg()
        print("load average at the end %.2f %.2f %.2f" % load1)
        result = {"started": started, "python": sys.version.split()[0], "rows": n, "features": N_FEATURES,
                  "trees": N_TREES, "loadavg_start": load0, "loadavg_end": load1, "default": default,
                  "predict_training_rows_cpu_s": pred, "training_metrics_forced": forced}
        os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
        with open(os.path.join(HERE, "results", "autolog_overhead.json"), "w") as f:
            json.dump(result, f, indent=1)
        print(json.dumps(result))
    finally:
        lineage.end_run()
        shutil.rmtree(ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
