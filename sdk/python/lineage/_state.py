"""Process-wide SDK state: the active run and the warnings printed to stderr.

A leaf module: it imports no other lineage module (test/python/test_sdk_imports.py checks it), so every other
module can ask "is a run active?" or warn without importing the module that starts runs (_run), which
itself imports the writer, capture and autolog. That keeps the import graph free of cycles:

    _state  <-  _writer  <-  _capture  <-  _api  <-  _autolog  <-  _run  <-  __init__
    (a module imports only modules to its left; _record, for run.json, imports _state, and only _run
    imports it, lazily, for runs made by start_run)

Only _run assigns `run` and `owner`; read them as `_state.run` at call time (a `from` import would
copy the value of the moment)."""
import sys

run = None  # the active Run (see _run.Run), or None
owner = False  # this process reports how the run ended (False in subprocesses and forked workers)
owner_pid = None  # the pid of that process: no other process may write the run's status (issue 11 item 15)

_warned = set()


def active_run():
    """The active run (an object with `.id`, `.dir` and `.workspace`), or None."""
    return run


def run_or_warn():
    """The active run; without one, warns once that logging calls are ignored and returns None."""
    if run is None:
        inactive()
    return run


def warn(message, once=None):
    """Writes "lineage: <message>" to stderr; with `once`, only the first time for that key. Never raises."""
    if once is not None:
        if once in _warned:
            return
        _warned.add(once)
    try:
        sys.stderr.write("lineage: %s\n" % message)
        sys.stderr.flush()
    except Exception:
        pass


def inactive():
    warn("no active run, so logging calls are ignored (call lineage.start_run() or launch the script "
         "with Lineage)", once="inactive")
