"""Imported at interpreter start because the Lineage launcher puts this folder on PYTHONPATH.

Under the launcher (LINEAGE_RUN_DIR set) it joins the run: events.jsonl, exit and exception hooks, argparse
capture. In every case it first runs the sitecustomize this file shadows (Debian's, a virtualenv's...), and
no failure of its own may stop the user's script."""


def _lineage_chain_next():
    import importlib.machinery
    import importlib.util
    import os
    import sys

    here = os.path.normcase(os.path.realpath(os.path.dirname(os.path.abspath(__file__))))

    def is_here(entry):
        try:
            return os.path.normcase(os.path.realpath(entry or os.getcwd())) == here
        except (OSError, ValueError, TypeError):
            return False

    entries = [e for e in sys.path if isinstance(e, str)]
    ours = [i for i, e in enumerate(entries) if is_here(e)]
    later = [e for e in entries[ours[0] + 1 if ours else 0:] if not is_here(e)]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", later)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    me = sys.modules.get("sitecustomize")
    sys.modules["sitecustomize"] = module  # what the shadowed file expects to see while it runs
    try:
        spec.loader.exec_module(module)
    finally:
        if me is not None:
            sys.modules["sitecustomize"] = me


def _lineage_start():
    import os
    if os.environ.get("LINEAGE_RUN_DIR"):
        import lineage  # noqa: F401  (joins the run on import, and reports its own failures)


def _lineage_warn(what, err):
    import sys
    try:
        sys.stderr.write("lineage: %s (%s: %s)\n" % (what, type(err).__name__, err))
    except Exception:
        pass


try:
    _lineage_chain_next()
except Exception as _lineage_err:
    _lineage_warn("error in the next sitecustomize", _lineage_err)
try:
    _lineage_start()
except Exception as _lineage_err:
    _lineage_warn("run tracking is off for this script", _lineage_err)
del _lineage_chain_next, _lineage_start, _lineage_warn
