"""Post-import hooks: run a callback on a module right after it is imported, so that framework autolog
patches scikit-learn or XGBoost when the script imports them, and `import lineage` imports neither.

A finder at the front of sys.meta_path asks the other finders for the spec of a watched module and wraps
that spec's loader's exec_module on the loader instance (its class is untouched, so isinstance checks and
importlib.resources keep working). Modules already imported are handed to the callback at once."""
import sys
import threading

_watches = []  # (prefix, callback): a module named prefix or prefix.<anything> is handed to callback
_lock = threading.Lock()
_resolving = threading.local()


def _matches(name, prefix):
    return name == prefix or name.startswith(prefix + ".")


def when_imported(prefix, callback):
    """Calls callback(module) for every module under `prefix` (the package and its submodules): now for
    those already imported, later right after each further import. A failing callback is ignored."""
    with _lock:
        if (prefix, callback) in _watches:  # autolog() called again: already watched, already handed over
            return
        _watches.append((prefix, callback))
        if not any(isinstance(f, _Finder) for f in sys.meta_path):
            sys.meta_path.insert(0, _Finder())
    for name, module in list(sys.modules.items()):
        if module is not None and _matches(name, prefix):
            _call(callback, module)


def _call(callback, module):
    try:
        callback(module)
    except Exception:
        pass


class _Finder(object):
    def find_spec(self, name, path=None, target=None):
        callbacks = [cb for prefix, cb in _watches if _matches(name, prefix)]
        if not callbacks or getattr(_resolving, "name", None) == name:
            return None
        _resolving.name = name  # the other finders are asked below; this one must not answer them
        try:
            spec = None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
        finally:
            _resolving.name = None
        loader = getattr(spec, "loader", None)
        inner = getattr(loader, "exec_module", None)
        if inner is None or isinstance(loader, type):  # a class (builtin, frozen): shared by every module
            return spec

        def exec_module(module):
            inner(module)
            for cb in callbacks:
                _call(cb, module)

        try:
            loader.exec_module = exec_module
        except (AttributeError, TypeError):  # a loader without an instance __dict__: left as it is
            pass
        return spec

    def invalidate_caches(self):
        pass
