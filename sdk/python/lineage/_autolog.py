"""argparse capture: the parsed command-line arguments of the top-level parse become params."""
import functools
import threading

_enabled = False
_depth = threading.local()


def autolog(args=True):
    """Turns logging of argparse results as params on or off (on by default under the launcher)."""
    global _enabled
    _enabled = bool(args)
    if _enabled:
        _patch()


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
    from . import _run, log_param
    if _run.active_run() is None:
        return
    try:
        items = sorted(vars(namespace).items())
    except TypeError:
        return
    for key, value in items:
        try:
            log_param(key, value)
        except Exception as e:
            from ._writer import warn
            warn("argument %r was not logged (%s)" % (key, e))
