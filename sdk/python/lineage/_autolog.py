"""lineage.autolog(): argparse capture (the parsed command-line arguments of the top-level parse become
params), data capture (_capture), and framework autolog for scikit-learn, XGBoost, Optuna and PyTorch
(_autolog_sklearn, _autolog_xgboost, _autolog_optuna, _autolog_torch, patched only when the script imports
them)."""
import functools
import threading

from . import _capture, _state
from ._api import log_param

_enabled = False
_depth = threading.local()


FRAMEWORKS_ENV = "LINEAGE_AUTOLOG_FRAMEWORKS"


def autolog(args=None, data=None, sklearn=None, xgboost=None, training_metrics=None, optuna=None, pytorch=None):
    """Turns automatic logging on or off; an argument left out (None) keeps its setting, and autolog()
    turns all of them on. args and data are on by default under the launcher; the frameworks when
    LINEAGE_AUTOLOG_FRAMEWORKS=1 (the lineage.autolog.frameworks setting in the editor).

    args: argparse results become params (off with LINEAGE_AUTOLOG_ARGS=0).
    data: the files under the workspace the script reads and writes become `dataset` events with roles
    "input" and "output" (off with LINEAGE_CAPTURE_DATA=0). Turning it off stops further recording in
    this process and in the Python processes it starts from then on.
    sklearn: each top-level fit records params, fit time, the training data's fingerprint, training
    metrics and the fitted model; a grid or randomized search one child run per candidate.
    xgboost: xgboost.train and the sklearn wrappers record every eval metric per round, params, the
    booster and feature importances.
    optuna: each trial of Study.optimize a child run (params, value, state, duration), the best tagged.
    pytorch: torch.save of an nn.Module or a state_dict to a file path records it as a model (flavor
    pytorch), once per path, the last save's bytes kept. See docs/autolog.md.
    training_metrics: scikit-learn's training_* metrics: "auto" (the default) when a predict over the
    training data costs under 1 % of the fit, True always (as mlflow.sklearn.autolog), False never."""
    global _enabled
    if args is None and data is None and sklearn is None and xgboost is None and optuna is None and pytorch is None:
        args = data = sklearn = xgboost = optuna = pytorch = True
    if training_metrics is not None:
        if training_metrics not in (True, False, "auto"):
            raise ValueError("lineage.autolog: training_metrics must be True, False or 'auto', got %r" % (training_metrics,))
        from . import _autolog_sklearn
        _autolog_sklearn.TRAINING_METRICS = training_metrics
    if sklearn is not None:
        from . import _autolog_sklearn
        _autolog_sklearn.enable(sklearn)
    if xgboost is not None:
        from . import _autolog_xgboost
        _autolog_xgboost.enable(xgboost)
    if optuna is not None:  # optuna: each trial of Study.optimize a child run, the best tagged
        from . import _autolog_optuna
        _autolog_optuna.enable(optuna)
    if pytorch is not None:  # torch.save only: training loops are never patched
        from . import _autolog_torch
        _autolog_torch.enable(pytorch)
    if args is not None:
        _enabled = bool(args)
        if _enabled:
            _patch()
    if data is not None:
        _capture.set_wanted(data)


def frameworks_from_env():
    """Under the launcher: framework autolog for every run when LINEAGE_AUTOLOG_FRAMEWORKS is 1."""
    import os
    if os.environ.get(FRAMEWORKS_ENV, "0").strip().lower() in ("1", "true", "yes", "on"):
        autolog(sklearn=True, xgboost=True, optuna=True, pytorch=True)


def _patch():
    import argparse
    cls = argparse.ArgumentParser
    # parse_args and sub-parsers go through parse_known_args; intermixed parsing may bypass it (3.13).
    for name in ("parse_known_args", "parse_known_intermixed_args"):
        original = getattr(cls, name, None)
        if original is not None and not getattr(original, "_lineage", False):
            setattr(cls, name, _wrap(original))


def _wrap(original):
    @functools.wraps(original)
    def wrapper(self, *args, **kwargs):
        depth = getattr(_depth, "n", 0)
        _depth.n = depth + 1
        try:
            result = original(self, *args, **kwargs)
        finally:
            _depth.n = depth
        if depth == 0 and _enabled:  # sub-parsers recurse; their values land in the top-level namespace
            _log(result[0])
        return result

    wrapper._lineage = True
    return wrapper


def _log(namespace):
    if _state.run is None:
        return
    try:
        items = sorted(vars(namespace).items())
    except TypeError:
        return
    for key, value in items:
        try:
            log_param(key, value)
        except Exception as e:
            _state.warn("argument %r was not logged (%s)" % (key, e))
