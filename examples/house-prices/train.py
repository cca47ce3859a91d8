#!/usr/bin/env python3
"""Step 2 of 2: train a house-price regressor on data/prepared.csv (made by prepare.py from
data/houses.csv) and record the run with Lineage.

    python3 train.py                                  # gradient boosting, defaults
    python3 train.py --model rf --n-estimators 300 --max-depth 0
    python3 train.py --model ridge

After training it logs an explanation of the validation predictions (gbr and rf: exact TreeSHAP;
ridge: exact linear attributions), which the Explain panel and `lineage explain` read.

Deterministic: the split and the model are seeded (--seed, default 42), training runs in one process
(n_jobs=1), and the pickled model has no timestamps or paths in it, so the same code, data and packages give
byte-identical outputs/model.pkl and the same metrics on every run; `lineage reproduce <run>` checks exactly
that (same model sha256).

Runs with or without Lineage: when the `lineage` SDK is not importable, a no-op
shim is used and the script just prints its results (an older SDK without
`lineage.explain` is fine too: the explanation is skipped).
"""

import argparse
import csv
import json
import math
import os
import pickle
import sys
import time

try:
    import lineage
except ImportError:  # running outside Lineage: keep the script working, log nowhere
    lineage = None


class _NoLineage:
    """Tiny stand-in for the lineage SDK: every logging call does nothing."""

    def _noop(self, *args, **kwargs):
        return None

    log_param = log_params = log_metric = log_metrics = _noop
    set_tag = log_artifact = log_model = log_dataset = explain = _noop


if lineage is None:
    lineage = _NoLineage()

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
NUMERIC = ["bedrooms", "floor_area_m2", "age_years"]
CATEGORICAL = ["location"]
TARGET = "price"
# What the report's sentences put after a value ("a floor area of 180 m²", "a price of 254,000 EUR").
UNITS = {"floor_area_m2": "m²", "age_years": "years", TARGET: "EUR"}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Predict house prices (Lineage example).")
    p.add_argument("--model", choices=["gbr", "rf", "ridge"], default="gbr",
                   help="gbr = GradientBoostingRegressor, rf = RandomForestRegressor, ridge = Ridge")
    p.add_argument("--n-estimators", "--epochs", dest="n_estimators", type=int, default=200,
                   help="boosting stages (gbr) or trees (rf); --epochs is an alias")
    p.add_argument("--learning-rate", type=float, default=0.05, help="gbr shrinkage")
    p.add_argument("--max-depth", type=int, default=3, help="tree depth for gbr/rf; 0 = unlimited")
    p.add_argument("--alpha", type=float, default=1.0, help="ridge regularisation strength")
    p.add_argument("--test-size", type=float, default=0.2, help="fraction held out for validation")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--data", default=os.path.join(HERE, "data", "prepared.csv"),
                   help="the cleaned table prepare.py writes (default data/prepared.csv)")
    p.add_argument("--output-dir", default=os.path.join(HERE, "outputs"),
                   help="where model.pkl and metrics.json are written")
    p.add_argument("--log-every", type=int, default=1,
                   help="log per-stage metrics every N stages (the last stage is always logged)")
    p.add_argument("--rf-points", type=int, default=10,
                   help="rf: number of forest sizes at which metrics are reported")
    p.add_argument("--verbose", action="store_true", help="print every logged stage, not every 10%%")
    p.add_argument("--sleep-per-stage", type=float, default=0.0,
                   help="seconds to sleep after each reported stage (to make long runs for tests)")
    p.add_argument("--no-explain", action="store_true", help="train and log without the explanation")
    return p.parse_args(argv)


def load_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit("no rows in %s" % path)
    X = np.empty((len(rows), len(NUMERIC) + len(CATEGORICAL)), dtype=object)
    for i, r in enumerate(rows):
        X[i, :len(NUMERIC)] = [float(r[c]) for c in NUMERIC]
        X[i, len(NUMERIC):] = [r[c] for c in CATEGORICAL]
    y = np.array([float(r[TARGET]) for r in rows])
    return X, y


def one_hot():
    try:
        return OneHotEncoder(handle_unknown="ignore", sparse_output=False)  # sklearn >= 1.2
    except TypeError:
        return OneHotEncoder(handle_unknown="ignore", sparse=False)


def make_pipeline(args):
    num_idx = list(range(len(NUMERIC)))
    cat_idx = list(range(len(NUMERIC), len(NUMERIC) + len(CATEGORICAL)))
    max_depth = args.max_depth if args.max_depth > 0 else None
    if args.model == "gbr":
        reg = GradientBoostingRegressor(n_estimators=args.n_estimators, learning_rate=args.learning_rate,
                                        max_depth=max_depth, random_state=args.seed)
        num = "passthrough"
    elif args.model == "rf":
        reg = RandomForestRegressor(n_estimators=1, max_depth=max_depth, random_state=args.seed,
                                    warm_start=True, n_jobs=1)
        num = "passthrough"
    else:
        reg = Ridge(alpha=args.alpha)
        num = StandardScaler()
    prep = ColumnTransformer([("num", num, num_idx), ("loc", one_hot(), cat_idx)])
    return Pipeline([("prep", prep), ("model", reg)])


def rmse(y, p):
    return math.sqrt(mean_squared_error(y, p))


def report(step, total, y_tr, p_tr, y_va, p_va, args, show=True):
    """Log one point of the learning curve (and print it if `show` or --verbose)."""
    tr, va = rmse(y_tr, p_tr), rmse(y_va, p_va)
    lineage.log_metrics({"train_rmse": tr, "val_rmse": va}, step=step)
    if show or args.verbose:
        print("stage %4d/%d  train_rmse=%10.0f  val_rmse=%10.0f" % (step + 1, total, tr, va), flush=True)
    if args.sleep_per_stage > 0:
        time.sleep(args.sleep_per_stage)
    return va


def train(args, pipe, X_tr, y_tr, X_va, y_va):
    """Fit, logging train/val RMSE per stage. Returns the step of the last logged point.

    Steps are 0-based stage indices: step i means "after i+1 boosting stages / trees",
    so gbr and rf curves line up on the same x axis.
    """
    every = max(1, args.log_every)
    if args.model == "gbr":
        pipe.fit(X_tr, y_tr)
        prep, reg = pipe[:-1], pipe[-1]
        Z_tr, Z_va = prep.transform(X_tr), prep.transform(X_va)
        n = reg.n_estimators_
        stages = zip(reg.staged_predict(Z_tr), reg.staged_predict(Z_va))
        for i, (p_tr, p_va) in enumerate(stages):
            if i % every == 0 or i == n - 1:
                show = (i + 1) % max(1, n // 10) == 0 or i == n - 1  # print ~10 lines
                report(i, n, y_tr, p_tr, y_va, p_va, args, show)
        return n - 1
    if args.model == "rf":
        prep, reg = pipe[:-1], pipe[-1]
        Z_tr = prep.fit_transform(X_tr, y_tr)
        Z_va = prep.transform(X_va)
        n = args.n_estimators
        k = max(1, min(args.rf_points, n))
        sizes = sorted({max(1, round(n * (j + 1) / k)) for j in range(k)})
        for size in sizes:  # grow the same forest with warm_start
            reg.set_params(n_estimators=size)
            reg.fit(Z_tr, y_tr)
            report(size - 1, n, y_tr, reg.predict(Z_tr), y_va, reg.predict(Z_va), args)
        return n - 1
    pipe.fit(X_tr, y_tr)  # ridge: closed form, a single step
    report(0, 1, y_tr, pipe.predict(X_tr), y_va, pipe.predict(X_va), args)
    return 0


def explain(pipe, X_tr, X_va, y_va):
    """Log why the model predicts each validation price. Returns what the SDK returned, or None when there
    is no lineage.explain (outside Lineage, or an SDK older than explanations)."""
    fn = getattr(lineage, "explain", None)
    if fn is None:
        return None
    # The validation rows (600 of the 3,000): predictions on houses the model never saw, with their true
    # prices, so the panel's "largest error" sort finds the houses it gets wrong. The training rows are the
    # background: "compared with an average house" means the houses it learnt from.
    return fn(pipe, X_va, y_va, feature_names=NUMERIC + CATEGORICAL, background=X_tr, categorical=CATEGORICAL,
              units=UNITS, output_name=TARGET, subject="house")


def describe(result):
    """One line about a logged explanation, whatever shape the SDK returned it in (dict or object)."""
    if result is None:
        return None
    get = result.get if isinstance(result, dict) else lambda k, d=None: getattr(result, k, d)
    method, err, rows = get("method"), get("additivity_error"), get("rows")
    if method is None:
        return None
    scale = get("output_scale") or 1.0
    return "explanation: %s, %s rows, additivity error %.2g (%.2g of the output scale)" % (
        method, rows if rows is not None else "?", err if err is not None else float("nan"),
        (err / scale) if err is not None and scale else float("nan"))


def main(argv=None):
    args = parse_args(argv)
    t0 = time.time()

    X, y = load_csv(args.data)
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=args.test_size, random_state=args.seed)

    lineage.set_tag("example", "house-prices")
    lineage.set_tag("model_family", args.model)
    params = {
        "model": args.model,
        "n_estimators": args.n_estimators,
        "learning_rate": args.learning_rate,
        "max_depth": args.max_depth,
        "test_size": args.test_size,
        "seed": args.seed,
        "n_train": len(y_tr),
        "n_val": len(y_va),
    }
    if args.model == "ridge":
        params["alpha"] = args.alpha
    lineage.log_params(params)
    # No log_dataset call needed: under Lineage every file the script reads (the CSV above) is recorded
    # as an input with its fingerprint. lineage.log_dataset(path, role="train") names a role explicitly.

    pipe = make_pipeline(args)
    last_step = train(args, pipe, X_tr, y_tr, X_va, y_va)

    p_va = pipe.predict(X_va)
    metrics = {
        "val_rmse": rmse(y_va, p_va),
        "val_mae": mean_absolute_error(y_va, p_va),
        "val_r2": r2_score(y_va, p_va),
    }
    # The learning curve's last point (step last_step) already is the final val_rmse of this
    # very model, so it is not logged twice; val_mae and val_r2 get one point at that step.
    lineage.log_metrics({"val_mae": metrics["val_mae"], "val_r2": metrics["val_r2"]}, step=last_step)

    os.makedirs(args.output_dir, exist_ok=True)
    model_path = os.path.join(args.output_dir, "model.pkl")
    with open(model_path, "wb") as f:
        pickle.dump(pipe, f)
    lineage.log_model(model_path, flavor="sklearn")
    metrics_path = os.path.join(args.output_dir, "metrics.json")
    with open(metrics_path, "w", encoding="utf-8") as f:
        json.dump(dict(metrics, model=args.model, seed=args.seed), f, indent=2, sort_keys=True)
        f.write("\n")
    lineage.log_artifact(metrics_path)

    t_explain = time.time()
    line = None if args.no_explain else describe(explain(pipe, X_tr, X_va, y_va))
    t_explain = time.time() - t_explain

    print("model=%s  rows=%d (train %d / val %d)  %.1fs" % (
        args.model, len(y), len(y_tr), len(y_va), time.time() - t0))
    print("val_rmse=%.0f EUR  val_mae=%.0f EUR  val_r2=%.4f" % (
        metrics["val_rmse"], metrics["val_mae"], metrics["val_r2"]))
    if line:
        print("%s  %.2fs" % (line, t_explain))
    print("model saved to %s" % model_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
