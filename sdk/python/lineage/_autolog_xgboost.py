"""XGBoost autolog: xgboost.train (and so the sklearn wrappers' fit, which call it) records every eval
metric at every boosting round (a callback appended to the script's own), its params, the booster as a
model (flavor "xgboost", saved with save_model as JSON) and feature importances (weight and gain, JSON
artifacts). The wrappers' fit is recorded like any scikit-learn fit (params, data fingerprint, training
metrics); its booster comes from the train hook. Patched when the script imports xgboost."""
import functools
import sys

from . import _autolog_hooks, _autolog_sklearn, _state
from . import _autolog_record as rec
from ._api import log_param, log_params
from ._writer import log_metric

_enabled = False
_callback_class = []


def enable(on):
    global _enabled
    _enabled = bool(on)
    if _enabled:
        _autolog_hooks.when_imported("xgboost", _patch)


def enabled():
    return _enabled


def _patch(module):
    if module.__name__ != "xgboost":
        return  # the package: once its __init__ has run, xgboost.training and xgboost.sklearn are loaded
    training = sys.modules.get("xgboost.training")
    original = getattr(training, "train", None)
    if original is None or getattr(original, "_lineage", False):
        return
    wrapped = _wrap(original)
    training.train = wrapped
    if getattr(module, "train", None) is original:
        module.train = wrapped
    sk = sys.modules.get("xgboost.sklearn")
    if sk is not None:
        if getattr(sk, "train", None) is original:
            sk.train = wrapped
        for cls in list(vars(sk).values()):
            if isinstance(cls, type) and cls.__module__ == sk.__name__ and "fit" in cls.__dict__:
                _autolog_sklearn.patch_class(cls, enabled)


def _callback():
    if not _callback_class:
        import xgboost.callback

        class LineageCallback(xgboost.callback.TrainingCallback):
            """Logs the last value of every eval metric after each round; never stops training."""

            def after_iteration(self, model, epoch, evals_log):
                try:
                    for data, metrics in evals_log.items():
                        for name, values in metrics.items():
                            if values:
                                v = values[-1]
                                log_metric("%s-%s" % (data, name), float(v[0] if isinstance(v, tuple) else v), epoch)
                except Exception as e:
                    rec.warn("recording round %s's eval metrics" % epoch, e)
                return False

        _callback_class.append(LineageCallback)
    return _callback_class[0]()


def _wrap(original):
    @functools.wraps(original)
    def train(params, dtrain, *args, **kwargs):
        if not _enabled or _state.run is None:
            return original(params, dtrain, *args, **kwargs)
        s = _autolog_sklearn.stack()
        # Called by an XGBoost sklearn wrapper whose fit is the one being recorded (not a CV candidate's).
        via_wrapper = len(s) == 1 and _autolog_sklearn.top_estimator() is s[0]
        top = not via_wrapper and _autolog_sklearn.claim_top()
        if not via_wrapper and not top:
            return original(params, dtrain, *args, **kwargs)
        try:
            try:
                kwargs = dict(kwargs, callbacks=list(kwargs.get("callbacks") or []) + [_callback()])
            except Exception as e:
                rec.warn("adding the per-round metrics callback", e)
            booster = original(params, dtrain, *args, **kwargs)
            _after(booster, params, dtrain, args, kwargs, via_wrapper)
            return booster
        finally:
            if top:
                _autolog_sklearn.release_top()

    train._lineage = True
    return train


def _after(booster, params, dtrain, args, kwargs, via_wrapper):
    if not via_wrapper:
        try:
            log_params({str(k): rec.param_value(v) for k, v in dict(params or {}).items()})
            log_param("num_boost_round", args[0] if args else kwargs.get("num_boost_round", 10))
        except Exception as e:
            rec.warn("recording the XGBoost params", e)
        try:
            fp = rec.fingerprint(dtrain.get_data(), dtrain.get_label())
            rec.log_memory_dataset(fp, "xgboost.train")
        except Exception as e:
            rec.warn("fingerprinting the XGBoost training data", e)
    try:
        for attr in ("best_iteration", "best_score"):
            value = getattr(booster, attr, None)
            if value is not None and rec.finite(value):
                log_metric(attr, float(value))
    except Exception as e:
        rec.warn("recording the best iteration", e)
    try:
        rec.save_file("models/xgboost-booster.json", lambda path: booster.save_model(path), flavor="xgboost")
    except Exception as e:
        rec.warn("saving the XGBoost booster", e)
    try:
        for kind in ("weight", "gain"):
            scores = booster.get_score(importance_type=kind)
            rec.save_json("feature_importance_%s.json" % kind, {str(k): float(v) for k, v in scores.items()})
    except Exception as e:
        rec.warn("recording the feature importances", e)
