#!/usr/bin/env python3
"""Kernel SHAP cost per explained row (issue 12), each figure next to its anchors measured in the same run:

* the model's own predict time on as many rows as Kernel SHAP made it score (same batch sizes), so the ratio
  is Kernel SHAP's overhead beyond the model calls it cannot avoid;
* one predict call on one row, the cost of the prediction being explained.

Models: the house-price example's pipeline built as examples/house-prices/train.py builds it (its own functions,
default arguments: 200-stage gradient boosting on 4 mixed columns, object rows) — 4 features, so every coalition
is enumerated (exact); and an MLP on 20 numeric features (the default budget, 2·20 + 2048 coalitions, sampled).
Background: summarize_background(X_train, k=100). Median of repeats.

    /usr/bin/python3 bench/explain_kernel.py [--repeats 3] [--out bench/results/explain_kernel.json]
"""
import argparse
import datetime
import json
import os
import statistics
import sys
import time
import warnings

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "sdk", "python"))
sys.path.insert(0, os.path.join(REPO, "examples", "house-prices"))

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.neural_network import MLPRegressor  # noqa: E402

from lineage import _kernelshap as ks  # noqa: E402
import train as house  # noqa: E402  (the example's own loading and pipeline code)


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "python": sys.version.split()[0], "numpy": np.__version__,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "load_average_1min": os.getloadavg()[0]}


def house_model():
    args = house.parse_args([])
    X, y = house.load_csv(args.data)
    X_tr, X_va, y_tr, _ = train_test_split(X, y, test_size=args.test_size, random_state=args.seed)
    pipe = house.make_pipeline(args)
    pipe.fit(X_tr, y_tr)
    return "house prices: %s, 4 features (object rows)" % type(pipe[-1]).__name__, pipe.predict, X_tr, X_va


def mlp_model():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 20))
    y = X[:, :5] @ np.arange(1.0, 6.0) + np.sin(2 * X[:, 5]) * X[:, 6] + X[:, 7] * X[:, 8] + 0.1 * rng.normal(size=3000)
    X_tr, X_va, y_tr, _ = train_test_split(X, y, test_size=0.2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPRegressor(hidden_layer_sizes=(64, 32), max_iter=200, random_state=0).fit(X_tr, y_tr)
    return "MLPRegressor(64, 32), 20 numeric features", mlp.predict, X_tr, X_va


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def measure(name, predict, X_tr, X_va, rows, repeats):
    B, w = ks.summarize_background(X_tr, k=100, seed=0)
    X = X_va[:rows]
    batch = np.tile(X_tr, (-(-ks.MAX_BATCH // len(X_tr)), 1))[:ks.MAX_BATCH]  # real rows, of X's dtype
    runs, anchor = [], []
    for _ in range(repeats):  # alternate the two so a busy machine slows both alike
        seconds, result = timed(lambda: ks.explain(predict, X, B, w, seed=0))
        runs.append(seconds)
        # the anchor: as many rows as Kernel SHAP had scored, in the same batch sizes, through predict alone
        left, t = result["model_rows"], time.perf_counter()
        while left > 0:
            predict(batch[:min(left, len(batch))])
            left -= min(left, len(batch))
        anchor.append(time.perf_counter() - t)
    model_rows = result["model_rows"]
    one = []
    for i in range(50):
        t = time.perf_counter()
        predict(X_va[i % len(X_va):i % len(X_va) + 1])
        one.append(time.perf_counter() - t)
    kernel = statistics.median(runs)
    model = statistics.median(anchor)
    return {
        "model": name,
        "features": int(X.shape[1]),
        "rows_explained": int(rows),
        "background_rows": result["background_rows"],
        "exact": result["exact"],
        "coalitions_per_row": result["samples_per_row"],
        "model_rows_per_row": model_rows / rows,
        "kernel_shap_s_per_row": kernel / rows,
        "predict_same_rows_s_per_row": model / rows,
        "overhead_ratio": kernel / model,
        "one_predict_s": statistics.median(one),
        "per_row_vs_one_predict": kernel / rows / statistics.median(one),
        "repeats": repeats,
        "runs_s": runs,
        "anchor_runs_s": anchor,
        "max_stderr": float(result["stderr"].max()),
        "additivity_error": float(np.abs(result["base"] + result["values"].sum(1) - result["output"]).max()),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--house-rows", type=int, default=100)
    p.add_argument("--mlp-rows", type=int, default=10)
    p.add_argument("--out", default=os.path.join(REPO, "bench", "results", "explain_kernel.json"))
    args = p.parse_args(argv)
    info = machine()
    print("machine: %(nproc)s CPUs, %(cpu)s; Python %(python)s, numpy %(numpy)s; %(date)s; load %(load_average_1min).1f"
          % info)
    results = []
    for build, rows in ((house_model, args.house_rows), (mlp_model, args.mlp_rows)):
        name, predict, X_tr, X_va = build()
        r = measure(name, predict, X_tr, X_va, rows, args.repeats)
        results.append(r)
        print("\n%s — %d rows explained, background %d, %s, %d coalitions/row, %d model rows/row" % (
            r["model"], r["rows_explained"], r["background_rows"], "exact" if r["exact"] else "sampled",
            r["coalitions_per_row"], r["model_rows_per_row"]))
        print("  Kernel SHAP          %9.2f ms / row   (median of %d)"
              % (1e3 * r["kernel_shap_s_per_row"], r["repeats"]))
        print("  anchor: predict on the same rows %9.2f ms / row   -> Kernel SHAP / predict = %.2f×" % (
            1e3 * r["predict_same_rows_s_per_row"], r["overhead_ratio"]))
        print("  anchor: one predict on one row   %9.3f ms         -> one explained row = %.0f one-row predicts" % (
            1e3 * r["one_predict_s"], r["per_row_vs_one_predict"]))
        print("  additivity error %.2e, largest stderr %.3g" % (r["additivity_error"], r["max_stderr"]))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"benchmark": "explain_kernel", "machine": info, "results": results}, f, indent=2)
        f.write("\n")
    print("\nwritten %s" % os.path.relpath(args.out, REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
