"""Optuna autolog: every trial of `Study.optimize` becomes an ended child run of the script's run (its
params, its value, its state and duration; status `failed` for a failed trial, `killed` for a pruned one),
and the study's best trial is tagged `lineage.sweep_best` (the tag a `lineage sweep` gives its best run), so the
tree folds the trials under the study's run and Compare opens on them. A callback is appended to the
script's own callbacks; the objective, the sampler and the study are not touched, so the trials are the same
with and without autolog. Patched when the script imports optuna."""
import functools
import json
import os

from . import _autolog_hooks, _capture, _state
from . import _autolog_record as rec
from ._api import log_param, set_tag
from ._writer import log_metric

BEST_TAG = "lineage.sweep_best"
# Optuna's end states as run statuses. A pruned trial was stopped early on purpose, before it ended on its
# own: `killed` (the engine's status for a run stopped from outside) is the closest of the four the engine
# knows, and the tag optuna.state keeps Optuna's exact word.
STATUS = {"COMPLETE": "finished", "FAIL": "failed", "PRUNED": "killed"}

_enabled = False
# (study id, trial number) -> child run id, and each study's best child so far (to move the tag).
_children = {}
_best = {}


def enable(on):
    global _enabled
    _enabled = bool(on)
    if _enabled:
        _autolog_hooks.when_imported("optuna", _patch)


def enabled():
    return _enabled


def _patch(module):
    if module.__name__ != "optuna.study.study":
        return
    cls = getattr(module, "Study", None)
    original = getattr(cls, "optimize", None)
    if original is None or getattr(original, "_lineage", False):
        return
    cls.optimize = _wrap(original)


def _wrap(original):
    @functools.wraps(original)
    def optimize(self, func, *args, **kwargs):
        if not _enabled or _state.run is None:
            return original(self, func, *args, **kwargs)
        # callbacks is the 5th parameter after func (n_trials, timeout, n_jobs, catch, callbacks, …).
        if len(args) >= 5:
            args = list(args)
            args[4] = list(args[4] or []) + [_on_trial]
        else:
            kwargs["callbacks"] = list(kwargs.get("callbacks") or []) + [_on_trial]
        _log_study(self)
        try:
            return original(self, func, *args, **kwargs)
        finally:
            _mark_best(self)

    optimize._lineage = True
    return optimize


def _key(study):
    return (id(study), getattr(study, "study_name", ""))


def _log_study(study):
    try:
        log_param("optuna.study_name", study.study_name)
        directions = [d.name.lower() for d in study.directions]
        log_param("optuna.direction", directions[0] if len(directions) == 1 else directions)
        log_param("optuna.sampler", type(study.sampler).__name__)
        set_tag("autolog.optuna", "study")
    except Exception as e:
        rec.warn("recording the Optuna study", e)


def _on_trial(study, trial):
    """Called by Optuna after each trial, whatever its state; never raises into the study."""
    try:
        if _state.run is None:
            return
        values = trial.values
        metrics = {}
        if values:
            if len(values) == 1:
                metrics["value"] = values[0]
            else:
                for i, v in enumerate(values):
                    metrics["value_%d" % i] = v
        started = trial.datetime_start.timestamp() if trial.datetime_start else None
        ended = trial.datetime_complete.timestamp() if trial.datetime_complete else None
        if started is not None and ended is not None:
            metrics["duration_s"] = max(0.0, ended - started)
        params = {str(k): rec.param_value(v) for k, v in trial.params.items()}
        label = ", ".join("%s=%s" % (k, v) for k, v in params.items())
        tags = [("autolog.optuna_trial", str(trial.number)), ("optuna.state", trial.state.name),
                ("optuna.study_name", study.study_name)]
        state = trial.state.name
        error = None
        if state == "FAIL":  # Optuna before 3 kept the reason; later ones only log it
            error = (getattr(trial, "system_attrs", None) or {}).get("fail_reason") or (
                "Optuna marked the trial FAIL: the objective raised an exception or returned no valid value "
                "(Optuna's warning on stderr says which)")
        run_id = rec.write_child_run(("#%d %s" % (trial.number, label))[:120], params, metrics, tags, (), started, ended,
                                     status=STATUS.get(state, "failed"), error=error)
        _children[(_key(study), trial.number)] = run_id
        set_tag("autolog.children", str(sum(1 for k in _children if k[0] == _key(study))))
    except Exception as e:
        rec.warn("recording an Optuna trial", e)


def _mark_best(study):
    try:
        if len(study.directions) != 1:
            return  # several objectives have a Pareto front, not one best trial
        try:
            best = study.best_trial
        except ValueError:
            return  # no trial completed
        run_id = _children.get((_key(study), best.number))
        if run_id is None:
            return
        runs = os.path.dirname(_state.run.dir)
        previous = _best.get(_key(study))
        if previous and previous != run_id:
            _tag(os.path.join(runs, previous), None)
        _tag(os.path.join(runs, run_id), "true")
        _best[_key(study)] = run_id
        set_tag("optuna.best_run", run_id)
        log_metric("best_value", best.value)
        for k, v in best.params.items():
            log_param("best_%s" % k, rec.param_value(v))
    except Exception as e:
        rec.warn("marking the Optuna study's best trial", e)


def _tag(run_dir, value):
    """The tag in the child's user.json (as the editor and `lineage sweep` set tags on a finished run)."""
    path = os.path.join(run_dir, "user.json")
    with _capture.paused():
        try:
            with open(path, encoding="utf-8") as f:
                edits = json.load(f)
        except (OSError, ValueError):
            edits = {}
        if not isinstance(edits, dict):
            edits = {}
        tags = edits.get("tags") if isinstance(edits.get("tags"), dict) else {}
        tags[BEST_TAG] = value
        edits["tags"] = tags
        tmp = "%s.%d.tmp" % (path, os.getpid())
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(edits, f, indent=2)
        os.replace(tmp, path)
