"""scikit-learn autolog: each top-level fit of an estimator records its params, fit time, the fingerprint of
its training data, training metrics (named as mlflow.sklearn.autolog names them) and the fitted model; a
GridSearchCV/RandomizedSearchCV also writes one child run per candidate. See docs/autolog.md.

Classes are patched module by module as the script imports them (_autolog_hooks): each class of a
sklearn.* module that derives from BaseEstimator and defines fit, fit_transform or fit_predict itself.
Fits inside a fit (a Pipeline's steps, a search's candidates, an ensemble's trees, in this thread or in
the worker threads of n_jobs) are nested and not recorded: a fit is top-level when none is running in
its thread and no top-level fit is running in another."""
import functools
import sys
import threading
import time
import types

from . import _autolog_hooks, _state
from . import _autolog_record as rec
from ._api import log_param, log_params, set_tag
from ._writer import log_metric

FIT_METHODS = ("fit", "fit_transform", "fit_predict")
MAX_SCORE_ROWS = 100000  # training metrics need a full predict; above this many rows they are skipped
# Training metrics: True always (mlflow.sklearn.autolog's behaviour), False never, "auto" when their predict
# is cheap: predicts on 2 % and 1 % of the rows, scaled up, must cost under BUDGET of the fit's CPU time (or
# MIN_COST).
# A forest's predict over its training data is 2-4 % of its fit, too much for the 2 % overhead goal.
TRAINING_METRICS = "auto"
BUDGET = 0.01
MIN_COST = 0.01

_enabled = False
_local = threading.local()  # .stack: the estimators whose patched fit is running in this thread
_top_lock = threading.Lock()
_top = [0]  # top-level fits running, in any thread


def enable(on):
    global _enabled
    _enabled = bool(on)
    if _enabled:
        _autolog_hooks.when_imported("sklearn", _patch_module)


def enabled():
    return _enabled


def _patch_module(module):
    base = sys.modules.get("sklearn.base")
    if base is None:
        return
    for obj in list(vars(module).values()):
        if isinstance(obj, type) and obj.__module__ == module.__name__ and issubclass(obj, base.BaseEstimator):
            patch_class(obj)


def patch_class(cls, gate=enabled):
    """gate() says at each call whether to record (the XGBoost wrappers follow xgboost=, not sklearn=)."""
    for name in FIT_METHODS:
        original = cls.__dict__.get(name)
        # Only plain functions: descriptors such as available_if decide whether the method exists at all.
        if isinstance(original, types.FunctionType) and not getattr(original, "_lineage", False):
            setattr(cls, name, _wrap(original, name, gate))


def stack():
    s = getattr(_local, "stack", None)
    if s is None:
        s = _local.stack = []
    return s


def _claim():
    with _top_lock:
        if _top[0]:
            return False
        _top[0] += 1
        return True


def _release():
    with _top_lock:
        _top[0] -= 1


def claim_top():
    """For the XGBoost hook: whether a call starting now in this thread is top-level (and if so it is
    counted as running until release_top())."""
    return not stack() and _claim()


release_top = _release


def top_estimator():
    """The estimator whose recorded (top-level) fit is running in this thread, or None."""
    return getattr(_local, "top", None)


def _wrap(original, method, gate):
    @functools.wraps(original)
    def fit(self, *args, **kwargs):
        if _state.run is None or not gate():
            return original(self, *args, **kwargs)
        s = stack()
        top = not s and _claim()
        s.append(self)
        if top:
            _local.top = self
        try:
            if not top:  # nested (a forest's trees, a pipeline's steps): nothing else is done for it
                return original(self, *args, **kwargs)
            before = _before(self, args, kwargs)
            c0, t0 = time.process_time(), time.perf_counter()
            result = original(self, *args, **kwargs)
            _after(self, method, before, time.perf_counter() - t0, args, kwargs, time.process_time() - c0)
            return result
        finally:
            s.pop()
            if top:
                _local.top = None
                _release()

    fit._lineage = True
    return fit


def _xy(args, kwargs):
    X = args[0] if args else kwargs.get("X")
    y = args[1] if len(args) > 1 else kwargs.get("y")
    return X, y


def _before(est, args, kwargs):
    """Before the fit: the training data's fingerprint (the fit could change arrays it was given)."""
    X, y = _xy(args, kwargs)
    fp = None
    if X is not None:
        try:
            fp = rec.fingerprint(X, y)
        except Exception as e:
            rec.warn("fingerprinting the training data of %s" % type(est).__name__, e)
    return {"fp": fp, "started": time.time()}


def _after(est, method, before, seconds, args, kwargs, cpu_seconds):
    """seconds: the fit's wall time (the fit_time metric); cpu_seconds: this process's CPU time during it, which
    the training-metrics decision compares a predict's CPU time with (a busy machine moves both alike)."""
    name = type(est).__name__
    X, y = _xy(args, kwargs)
    try:
        log_params(rec.estimator_params(est))
        set_tag("estimator_name", name)
        set_tag("estimator_class", "%s.%s" % (type(est).__module__, type(est).__qualname__))
        log_metric("fit_time", seconds)
    except Exception as e:
        rec.warn("recording the params of %s" % name, e)
    fp = before["fp"]
    if fp is not None:
        try:
            rec.log_memory_dataset(fp, "%s.%s" % (name, method))
        except Exception as e:
            rec.warn("recording the training data of %s" % name, e)
    if _is_search(est):
        try:
            _log_search(est, fp, before["started"])
        except Exception as e:
            rec.warn("recording the candidates of %s" % name, e)
    if y is not None and X is not None and TRAINING_METRICS:
        try:
            _training_metrics(est, X, y, cpu_seconds)
        except Exception as e:
            rec.warn("computing the training metrics of %s" % name, e)
    if not type(est).__module__.startswith("xgboost"):  # XGBoost's booster is saved by the train hook
        try:
            _save_model(est)
        except Exception as e:
            rec.warn("saving the fitted %s" % name, e)


def _save_model(est):
    import pickle

    def write(path):
        with open(path, "wb") as f:
            pickle.dump(est, f, protocol=pickle.HIGHEST_PROTOCOL)
    rec.save_file("models/%s.pkl" % type(est).__name__, write, flavor="sklearn")


def _n_rows(X):
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape):
        return int(shape[0])
    try:
        return len(X)
    except TypeError:
        return None


def _head(X, k):
    return X.iloc[:k] if hasattr(X, "iloc") else X[:k]


def _too_costly(est, X, n, fit_seconds):
    """In "auto" mode: the reason to skip, when a predict over all n rows would cost more than the budget.
    Predicts on 2k and then k rows (k = 1 % of them) give the per-call and the per-row cost, so a model with a
    large fixed cost per call (a forest's trees, XGBoost's DMatrix) is not judged by its first rows alone.

    Both are timed in this process's CPU time, as fit_seconds is: wall time on a busy machine moved the estimate
    by several times either way. The larger predict runs first, so the first call's extra cost after the fit
    (cold caches, about 0.5 ms for a forest) adds to it and errs towards skipping; the other way round it lowered
    the per-row cost to nothing and let a predict of twice the budget through."""
    k = max(20, n // 100)
    if 2 * k >= n:
        return None

    def timed(rows):
        c0 = time.process_time()
        est.predict(_head(X, rows))
        return time.process_time() - c0

    proba = 2 if hasattr(est, "predict_proba") else 1
    limit = max(MIN_COST, BUDGET * fit_seconds)
    t2 = timed(2 * k)
    if t2 * n / (2 * k) * proba <= limit:  # even with no fixed cost per call (the most it could be): cheap
        return None
    t1 = timed(k)
    per_row = max(t2 - t1, 0.0) / k
    cost = (max(t1 - per_row * k, 0.0) + per_row * n) * proba
    if cost <= limit:
        return None
    return ("skipped: predicting the %d training rows would take about %.2g s of CPU time, %.1f %% of the fit's "
            "%.2g s; lineage.autolog(training_metrics=True) records them anyway"
            % (n, cost, cost / max(fit_seconds, 1e-9) * 100, fit_seconds))


def _training_metrics(est, X, y, fit_seconds):
    """mlflow.sklearn.autolog's training_* metrics, from one predict over the training data (and one
    predict_proba for classifiers that have it)."""
    from sklearn import base, metrics
    n = _n_rows(X)
    if n is None or n > MAX_SCORE_ROWS:
        set_tag("autolog.training_metrics", "skipped: %s training rows, more than %d" % (n, MAX_SCORE_ROWS))
        return
    kind = getattr(est, "_estimator_type", None)
    if kind not in ("classifier", "regressor") or not hasattr(est, "predict"):
        return
    if TRAINING_METRICS == "auto":
        reason = _too_costly(est, X, n, fit_seconds)
        if reason:
            set_tag("autolog.training_metrics", reason)
            return
    y_pred = est.predict(X)
    out = {}
    if kind == "classifier":
        out["training_accuracy_score"] = metrics.accuracy_score(y, y_pred)
        out["training_precision_score"] = metrics.precision_score(y, y_pred, average="weighted", zero_division=0)
        out["training_recall_score"] = metrics.recall_score(y, y_pred, average="weighted", zero_division=0)
        out["training_f1_score"] = metrics.f1_score(y, y_pred, average="weighted", zero_division=0)
        if hasattr(est, "predict_proba"):
            try:
                proba = est.predict_proba(X)
                out["training_log_loss"] = metrics.log_loss(y, proba, labels=est.classes_)
                if proba.shape[1] == 2:
                    out["training_roc_auc"] = metrics.roc_auc_score(y, proba[:, 1])
                else:
                    out["training_roc_auc"] = metrics.roc_auc_score(y, proba, multi_class="ovr", average="weighted",
                                                                    labels=est.classes_)
            except Exception:
                pass  # e.g. a class missing from y; the other metrics stand
        same = type(est).score is base.ClassifierMixin.score
        out["training_score"] = out["training_accuracy_score"] if same else est.score(X, y)
    else:
        mse = metrics.mean_squared_error(y, y_pred)
        out["training_mean_squared_error"] = mse
        out["training_root_mean_squared_error"] = mse ** 0.5
        out["training_mean_absolute_error"] = metrics.mean_absolute_error(y, y_pred)
        out["training_r2_score"] = metrics.r2_score(y, y_pred)
        same = type(est).score is base.RegressorMixin.score
        out["training_score"] = out["training_r2_score"] if same else est.score(X, y)
    for key, value in out.items():
        log_metric(key, float(value))


def _is_search(est):
    return hasattr(est, "cv_results_") and any(c.__name__ == "BaseSearchCV" for c in type(est).__mro__)


def _log_search(search, fp, started):
    """One finished child run per candidate (its params as cv_results_['params'] has them, its mean/std
    scores and times and rank); the best params and score on the search's own run."""
    cv = search.cv_results_
    candidates = cv["params"]
    splits = int(getattr(search, "n_splits_", 1) or 1)
    keys = [k for k in cv if k.startswith(("mean_", "std_", "rank_"))]
    inner = getattr(search, "estimator", None)
    tags = [("autolog.search", type(search).__name__)]
    if inner is not None:
        tags += [("estimator_name", type(inner).__name__),
                 ("estimator_class", "%s.%s" % (type(inner).__module__, type(inner).__qualname__))]
    events = [rec.dataset_event(fp, source="%s.fit" % type(search).__name__)] if fp is not None else []
    if fp is not None:
        rec.write_version_file(_state.run, fp)
    for i, params in enumerate(candidates):
        values = {str(k): rec.param_value(v) for k, v in params.items()}
        label = ", ".join("%s=%s" % (k, v) for k, v in values.items())
        metrics = {}
        for k in keys:
            try:
                metrics[k] = float(cv[k][i])
            except (TypeError, ValueError):
                pass
        # A candidate's duration: its fits and scorings over every split (the search ran them interleaved).
        seconds = (metrics.get("mean_fit_time", 0.0) + metrics.get("mean_score_time", 0.0)) * splits
        begin = started + i * 0.001
        rec.write_child_run(("#%d %s" % (i + 1, label))[:120], values, metrics,
                            tags + [("autolog.candidate", str(i))], events, begin, begin + seconds)
    set_tag("autolog.children", str(len(candidates)))
    best = getattr(search, "best_params_", None)
    if best:
        for k, v in best.items():
            log_param("best_%s" % k, rec.param_value(v))
    score = getattr(search, "best_score_", None)
    if score is not None and rec.finite(score):
        log_metric("best_cv_score", float(score))
