"""A run for a live Jupyter kernel: `lineage.start_run()` in a notebook cell, or `%load_ext lineage`.

Inside IPython, start_run also watches the cells the kernel executes from then on: each one (including
the cell that started the run) is appended to the run's artifact artifacts/cells.jsonl as it finishes,
with its order, In [n], the sha256 of its source, the source itself, whether it raised, and its duration,
and the metric `cells_executed` counts them. So the run knows which code produced its results even when the
notebook was never saved. The run ends with end_run() (which records its own cell as still running), or
when the kernel shuts down (the SDK's exit hook marks it finished). Outside IPython these are the plain
start_run/end_run of _run.

A new event type would be reported as an unknown line by older readers of events.jsonl, so the cells go
into an artifact and a metric, which every reader already indexes."""
import hashlib
import json
import os
import sys
import time

from . import _api, _autolog, _capture, _run, _state
from . import _writer as w

CELLS_ARTIFACT = "cells.jsonl"
MAX_SOURCE = 100000  # characters of a cell's source kept in cells.jsonl (the hash is of all of it)

_shell = None
_run_watched = None
_pending = None  # (source, start time) of the cell running now
_count = 0


def start_run(name=None, experiment=None):
    """lineage.start_run: as _run.start_run, and in a Jupyter kernel the executed cells are recorded too."""
    if experiment is None and not os.environ.get("LINEAGE_RUN_DIR"):
        experiment = _kernel_experiment()
    run = _run.start_run(name=name, experiment=experiment)
    try:
        _watch(run)
    except Exception as e:
        _state.warn("the notebook's cells are not recorded (%s: %s)" % (type(e).__name__, e))
    return run


def _kernel_experiment():
    """A kernel's run belongs to its notebook's folder, as a script's run to its script's folder. The default
    for scripts reads sys.argv[0], which in a kernel is ipykernel_launcher.py (experiment "dist-packages")."""
    ip = _ipython()
    if ip is None:
        return None
    try:
        from . import _record
        notebook = getattr(ip, "user_ns", {}).get("__vsc_ipynb_file__")  # set by VS Code's Jupyter extension
        folder = os.path.dirname(os.path.abspath(notebook)) if notebook else os.getcwd()
        workspace = os.path.abspath(_record.find_workspace(os.getcwd()))
        if os.path.abspath(folder) != workspace and os.path.basename(folder):
            return os.path.basename(folder)
        return os.path.basename(workspace) or "default"
    except Exception:
        return None


def _frameworks(run):
    """A live kernel's run gets framework autolog as a launched script does: when LINEAGE_AUTOLOG_FRAMEWORKS
    is 1 (the lineage.autolog.frameworks setting, passed to kernels started from VS Code's terminals). A
    launched run had it applied when the kernel started (_notebook_kernel)."""
    if run.launched:
        return
    try:
        _autolog.frameworks_from_env()
    except Exception as e:
        _state.warn("framework autolog is off (%s: %s)" % (type(e).__name__, e))


start_run.__doc__ = (_run.start_run.__doc__ or "") + "\n\n    In a Jupyter kernel, every cell executed from then on is recorded (artifacts/cells.jsonl)."


def end_run(status="finished"):
    """lineage.end_run: records the cell that calls it, stops watching cells, then ends the run."""
    try:
        if _pending is not None and _run_watched is not None and _run_watched is _state.run:
            # While a cell runs, IPython's execution_count is that cell's In [n] (it moves on once it ends).
            _record(_pending[0], None, getattr(_shell, "execution_count", None), _pending[1], running=True)
    except Exception:
        pass
    _unwatch()
    return _run.end_run(status)


end_run.__doc__ = _run.end_run.__doc__


def load_ipython_extension(ip):
    """`%load_ext lineage`: starts a run for this kernel (ended by `%unload_ext lineage`, end_run() or
    the kernel's shutdown)."""
    start_run()


def unload_ipython_extension(ip):
    end_run()


def _ipython():
    if "IPython" not in sys.modules:
        return None
    try:
        from IPython import get_ipython
        return get_ipython()
    except Exception:
        return None


def _watch(run):
    global _shell, _run_watched, _pending, _count
    ip = _ipython()
    if ip is None or _run_watched is run:
        return
    _unwatch()
    _shell, _run_watched, _count = ip, run, 0
    # The cell calling start_run started before the hook existed: its source is the one being run now.
    _pending = (_current_source(ip), time.time())
    ip.events.register("pre_run_cell", _pre)
    ip.events.register("post_run_cell", _post)
    notebook = getattr(ip, "user_ns", {}).get("__vsc_ipynb_file__")  # set by VS Code's Jupyter extension
    if notebook and not run.launched:
        _api.set_tag("notebook", _api._workspace_relative(notebook, run.workspace))
    _api.set_tag("kernel", "ipykernel")
    _frameworks(run)
    w.flush()  # the editor tells a live kernel's run by this tag: it shows it in the status bar


def _current_source(ip):
    # IPython keeps the cell being executed as the last input of its history; the raw one, as typed
    # (`%load_ext lineage`, not its Python translation), is what pre_run_cell reports for later cells.
    try:
        return ip.history_manager.input_hist_raw[-1] or ""
    except Exception:
        return ""


def _unwatch():
    global _shell, _run_watched, _pending
    ip = _shell
    _shell, _run_watched, _pending = None, None, None
    if ip is None:
        return
    for event, fn in (("pre_run_cell", _pre), ("post_run_cell", _post)):
        try:
            ip.events.unregister(event, fn)
        except ValueError:
            pass


def _pre(info):
    global _pending
    _pending = (getattr(info, "raw_cell", "") or "", time.time())


def _post(result):
    global _pending
    pending, _pending = _pending, None
    try:
        if _run_watched is None or _run_watched is not _state.run:
            return _unwatch()  # the run was ended some other way
        info = getattr(result, "info", None)
        source = pending[0] if pending else (getattr(info, "raw_cell", "") or "")
        started = pending[1] if pending else time.time()
        _record(source, result, getattr(result, "execution_count", None), started)
    except Exception as e:
        _state.warn("a cell was not recorded (%s: %s)" % (type(e).__name__, e), once="cells")


def _record(source, result, execution_count, started, running=False):
    global _count
    run = _state.run
    if run is None:
        return
    _count += 1
    entry = {"order": _count, "execution_count": execution_count,
             "sha256": hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest(),
             "chars": len(source), "started": round(started, 3)}
    if running:
        entry["running"] = True  # the cell that ended the run: it had not finished yet
    else:
        entry["seconds"] = round(time.time() - started, 3)
        err = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
        entry["success"] = err is None
        if err is not None:
            entry["error"] = "%s: %s" % (type(err).__name__, err)
    entry["source"] = source[:MAX_SOURCE]
    path = os.path.join(run.dir, "artifacts", CELLS_ARTIFACT)
    with _capture.paused():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        first = not os.path.exists(path)
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    if first:
        w.emit(w.line({"type": "artifact", "path": "artifacts/" + CELLS_ARTIFACT}))
    _api.log_metric("cells_executed", _count, step=_count - 1)
    w.flush()  # each cell is on disk when it ends: the editor shows the run's progress live
