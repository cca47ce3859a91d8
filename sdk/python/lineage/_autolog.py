"""argparse capture: the parsed command-line arguments of the top-level parse become params."""
import functools
import threading

from . import _capture, _state
from ._api import log_param

_enabled = False
_depth = threading.local()


def autolog(args=None, data=None):
    """Turns automatic logging on or off; an argument left out (None) keeps its setting, and autolog()
    turns both on. Both are on by default under the launcher.

    args: argparse results become params (off with LINEAGE_AUTOLOG_ARGS=0).
    data: the files under the workspace the script reads and writes become `dataset` events with roles
    "input" and "output" (off with LINEAGE_CAPTURE_DATA=0). Turning it off stops further recording in
    this process and in the Python processes it starts from then on."""
    global _enabled
    if args is None and data is None:
        args = data = True
    if args is not None:
        _enabled = bool(args)
        if _enabled:
            _patch()
    if data is not None:
        _capture.set_wanted(data)


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
