#!/usr/bin/python3
"""What an exact explanation costs next to a prediction (issue 12): TreeSHAP (sdk/python/lineage/_treeshap.py)
on 2,000 rows × all features of the house-price example's model, against the model's own `predict` on the same
rows, in the same run; plus a deep random forest, and XGBoost's own TreeSHAP (pred_contribs) as a second anchor.

    /usr/bin/python3 bench/explain_treeshap.py [--repeats 7] [--json bench/results/explain_treeshap.json]

The gbr model is built exactly as examples/house-prices/train.py builds it (its own functions, imported by path,
default arguments: 200 trees of depth 3, learning rate 0.05, seed 42, fitted on its training split); the rows
explained are the pipeline's transformed rows (the estimator's input space), 2,000 drawn with a fixed seed.
Figures are medians over --repeats runs (the forest: over 3), each explanation timed end to end (parsing the
trees, the attributions and the model's own output that `explain` returns)."""
import argparse
import datetime
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def machine():
    model = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name")), "")
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "date": datetime.date.today().isoformat()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--rows", type=int, default=2000)
    p.add_argument("--json", default=os.path.join(ROOT, "bench", "results", "explain_treeshap.json"))
    args = p.parse_args(argv)

    ts = load("lineage_treeshap", os.path.join(ROOT, "sdk", "python", "lineage", "_treeshap.py"))
    train = load("house_prices_train", os.path.join(ROOT, "examples", "house-prices", "train.py"))
    import sklearn
    import xgboost
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.model_selection import train_test_split

    targs = train.parse_args([])  # the example's defaults: gbr, 200 trees, depth 3
    X, y = train.load_csv(targs.data)
    X_tr, _, y_tr, _ = train_test_split(X, y, test_size=targs.test_size, random_state=targs.seed)
    pipe = train.make_pipeline(targs)
    pipe.fit(X_tr, y_tr)
    prep, gbr = pipe[:-1], pipe[-1]
    rng = np.random.default_rng(0)
    pick = rng.choice(len(X), size=args.rows, replace=len(X) < args.rows)
    Z = np.asarray(prep.transform(X[pick]), dtype=np.float64)
    Z_tr = np.asarray(prep.transform(X_tr), dtype=np.float64)
    n, m = Z.shape
    results = {"machine": machine(), "rows": n, "features": m, "data_rows": len(X), "repeats": args.repeats,
               "versions": {"numpy": np.__version__, "sklearn": sklearn.__version__, "xgboost": xgboost.__version__}}

    def case(label, model, repeats, anchor_label, anchor):
        ts.explain(model, Z[:50])  # warm the code paths once
        anchor()
        t_anchor, _ = median_time(anchor, repeats)
        t_explain, r = median_time(lambda: ts.explain(model, Z), repeats)
        err = float(np.abs(r["base"] + r["values"].sum(axis=1) - r["output"]).max())
        scale = float(np.abs(r["output"]).max())
        print("%-44s %9.1f ms   anchor %-34s %8.2f ms   ratio %7.1f×   additivity %.1e (scale %.3g)" % (
            label, t_explain * 1e3, anchor_label, t_anchor * 1e3, t_explain / t_anchor, err, scale), flush=True)
        return {"explain_ms": t_explain * 1e3, "anchor": anchor_label, "anchor_ms": t_anchor * 1e3,
                "ratio": t_explain / t_anchor, "additivity_error": err, "output_scale": scale}, r

    print("machine: %(nproc)s × %(cpu)s, Python %(python)s, %(date)s" % results["machine"])
    print("rows %d × %d features (house prices, %d rows in the file)" % (n, m, len(X)))
    leaves = int(sum(e.tree_.n_leaves for e in gbr.estimators_[:, 0]))
    results["gbr"], _ = case("TreeSHAP gbr (200 trees, depth 3, %d leaves)" % leaves, gbr, args.repeats,
                             "sklearn predict", lambda: gbr.predict(Z))
    results["gbr"]["leaves"] = leaves

    xgb = xgboost.XGBRegressor(n_estimators=200, max_depth=3, learning_rate=0.05, random_state=42).fit(Z_tr, y_tr)
    booster = xgb.get_booster()
    dm = xgboost.DMatrix(Z)
    results["xgb"], r = case("TreeSHAP xgboost (200 trees, depth 3)", xgb, args.repeats,
                             "xgboost pred_contribs (%d thr)" % os.cpu_count(),
                             lambda: booster.predict(dm, pred_contribs=True))
    t_pred, _ = median_time(lambda: xgb.predict(Z), args.repeats)
    contribs = booster.predict(dm, pred_contribs=True)
    results["xgb"]["predict_ms"] = t_pred * 1e3
    results["xgb"]["max_abs_diff_vs_pred_contribs"] = float(np.abs(contribs[:, :-1] - r["values"]).max())
    print("%-44s %9s      xgboost predict %26.2f ms   ours / predict %5.1f×   max |ours − pred_contribs| %.1e" % (
        "", "", t_pred * 1e3, results["xgb"]["explain_ms"] / 1e3 / t_pred, results["xgb"]["max_abs_diff_vs_pred_contribs"]))

    rf = RandomForestRegressor(n_estimators=100, max_depth=None, random_state=42, n_jobs=1).fit(Z_tr, y_tr)
    leaves = int(sum(e.tree_.n_leaves for e in rf.estimators_))
    depth = int(max(e.tree_.max_depth for e in rf.estimators_))
    results["rf"], _ = case("TreeSHAP rf (100 trees, depth ≤ %d, %d leaves)" % (depth, leaves), rf,
                            min(3, args.repeats), "sklearn predict (n_jobs=1)", lambda: rf.predict(Z))
    results["rf"].update(leaves=leaves, max_depth=depth)

    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    print("written", os.path.relpath(args.json, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
