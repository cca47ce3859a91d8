#!/usr/bin/env python3
"""Train a loan-approval classifier on data/applications.csv, record the run with Lineage, and log an
explanation of every validation decision (why was this person approved or refused?).

    python3 train.py                     # logistic regression (scaled numbers + one-hot categories)
    python3 train.py --model gbc         # gradient-boosted trees
    python3 train.py --model gbc --n-estimators 300 --max-depth 2

Both models are explained in log-odds of approval, exactly: the logistic regression by its linear
attributions, the boosted trees by TreeSHAP. Runs with or without Lineage: when the `lineage` SDK is not
importable (or is too old to explain), the script still trains and prints its results.
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
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
NUMERIC = ["age", "income", "credit_history_years", "debt_to_income", "late_payments_2y", "existing_loans",
           "loan_amount", "loan_term_months"]
CATEGORICAL = ["employment", "home_ownership"]
FEATURES = NUMERIC + CATEGORICAL
TARGET = "approved"
# What the report's sentences put after a value ("an income of 32,000 EUR").
UNITS = {"income": "EUR", "loan_amount": "EUR", "credit_history_years": "years", "age": "years",
         "loan_term_months": "months"}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Decide loan applications (Lineage example).")
    p.add_argument("--model", choices=["logistic", "gbc"], default="logistic",
                   help="logistic = LogisticRegression, gbc = GradientBoostingClassifier")
    p.add_argument("--C", type=float, default=1.0, help="logistic: inverse regularisation strength")
    p.add_argument("--n-estimators", type=int, default=150, help="gbc: boosting stages")
    p.add_argument("--learning-rate", type=float, default=0.1, help="gbc: shrinkage")
    p.add_argument("--max-depth", type=int, default=3, help="gbc: tree depth")
    p.add_argument("--test-size", type=float, default=0.2, help="fraction held out for validation")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--data", default=os.path.join(HERE, "data", "applications.csv"))
    p.add_argument("--output-dir", default=os.path.join(HERE, "outputs"),
                   help="where model.pkl and metrics.json are written")
    p.add_argument("--no-explain", action="store_true", help="train and log without the explanation")
    return p.parse_args(argv)


def load_csv(path):
    """The applications as an object array in FEATURES order (numbers as floats, categories as text): the
    same rows the explanation records, so the what-if scorer rebuilds them the same way."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit("no rows in %s" % path)
    X = np.empty((len(rows), len(FEATURES)), dtype=object)
    for i, r in enumerate(rows):
        X[i, :len(NUMERIC)] = [float(r[c]) for c in NUMERIC]
        X[i, len(NUMERIC):] = [r[c] for c in CATEGORICAL]
    y = np.array([int(r[TARGET]) for r in rows])
    return X, y


def one_hot():
    try:
        return OneHotEncoder(handle_unknown="ignore", sparse_output=False)  # sklearn >= 1.2
    except TypeError:
        return OneHotEncoder(handle_unknown="ignore", sparse=False)


def make_pipeline(args):
    num_idx = list(range(len(NUMERIC)))
    cat_idx = list(range(len(NUMERIC), len(FEATURES)))
    if args.model == "logistic":
        clf = LogisticRegression(C=args.C, max_iter=1000)
        num = StandardScaler()
    else:
        clf = GradientBoostingClassifier(n_estimators=args.n_estimators, learning_rate=args.learning_rate,
                                         max_depth=args.max_depth, random_state=args.seed)
        num = "passthrough"  # trees need no scaling, and raw thresholds read better in a dependence plot
    prep = ColumnTransformer([("num", num, num_idx), ("cat", one_hot(), cat_idx)])
    return Pipeline([("prep", prep), ("model", clf)])


def log_curve(pipe, X_tr, y_tr, X_va, y_va):
    """gbc: the log loss after each boosting stage (one point per stage). Returns the last step."""
    prep, clf = pipe[:-1], pipe[-1]
    Z_tr, Z_va = prep.transform(X_tr), prep.transform(X_va)
    n = clf.n_estimators_
    for i, (p_tr, p_va) in enumerate(zip(clf.staged_predict_proba(Z_tr), clf.staged_predict_proba(Z_va))):
        lineage.log_metrics({"train_log_loss": log_loss(y_tr, p_tr[:, 1]),
                             "val_log_loss": log_loss(y_va, p_va[:, 1])}, step=i)
    return n - 1


def explain(pipe, X_tr, X_va, y_va):
    """Log why the model decided each validation application, in log-odds of approval. Returns what the
    SDK returned, or None when the SDK has no explain (outside Lineage, or an older SDK)."""
    fn = getattr(lineage, "explain", None)
    if fn is None:
        return None
    # Validation rows: decisions on applications the model never saw, as the lender would face them. The
    # training rows are the background, so "compared with an average applicant" means the ones it learnt from.
    return fn(pipe, X_va, y_va, feature_names=FEATURES, background=X_tr, categorical=CATEGORICAL, units=UNITS,
              output_name=TARGET, subject="applicant")


def describe(result):
    """One line about a logged explanation, whatever shape the SDK returned it in."""
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
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=args.test_size, random_state=args.seed, stratify=y)

    lineage.set_tag("example", "credit-decisions")
    lineage.set_tag("model_family", args.model)
    params = {"model": args.model, "test_size": args.test_size, "seed": args.seed,
              "n_train": len(y_tr), "n_val": len(y_va)}
    if args.model == "logistic":
        params["C"] = args.C
    else:
        params.update(n_estimators=args.n_estimators, learning_rate=args.learning_rate, max_depth=args.max_depth)
    lineage.log_params(params)

    pipe = make_pipeline(args)
    pipe.fit(X_tr, y_tr)
    last_step = log_curve(pipe, X_tr, y_tr, X_va, y_va) if args.model == "gbc" else 0

    p_va = pipe.predict_proba(X_va)[:, 1]
    metrics = {
        "val_auc": roc_auc_score(y_va, p_va),
        "val_accuracy": accuracy_score(y_va, (p_va >= 0.5).astype(int)),
        "val_log_loss": log_loss(y_va, p_va),
    }
    # gbc's curve already ends with this very val_log_loss; logistic gets its single point here.
    final = metrics if args.model == "logistic" else {k: v for k, v in metrics.items() if k != "val_log_loss"}
    lineage.log_metrics(final, step=last_step)

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

    print("model=%s  rows=%d (train %d / val %d, %.0f%% approved)  %.1fs" % (
        args.model, len(y), len(y_tr), len(y_va), 100.0 * y.mean(), time.time() - t0))
    print("val_auc=%.4f  val_accuracy=%.4f  val_log_loss=%.4f" % (
        metrics["val_auc"], metrics["val_accuracy"], metrics["val_log_loss"]))
    if line:
        print("%s  %.2fs" % (line, t_explain))
    print("model saved to %s" % model_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
