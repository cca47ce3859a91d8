"""Automatic capture of the files a run reads and writes (docs/events-format.md, `dataset` with `"auto":true`).

A PEP 578 audit hook (sys.addaudithook) sees every `open` event of the interpreter: builtins.open, io.open,
os.open, io.open_code, and so everything built on them (csv, pickle, numpy.loadtxt/np.load, pandas'
read_csv, PIL, torch.load...). Files opened by C code that bypasses Python's open (sqlite3, HDF5, Arrow's
own filesystem) are not seen.

  * a file under the workspace opened for reading -> one `input` line at once, with the size and mtime
    the file had at that moment (the audit event comes before the open itself);
  * opened for writing, appending or creating (any of O_WRONLY, O_RDWR, O_APPEND, O_CREAT, O_TRUNC) ->
    an `output` line written when the process ends (or when the run ends), with the size and mtime the
    file has then. A file renamed into the workspace (os.rename/os.replace, shutil.move) is an output
    too; one written and then removed before the end is not recorded. A process killed with SIGKILL
    records none of its outputs. Subprocesses and workers (not the process that owns the run), which
    are often ended by a signal (multiprocessing.Pool.terminate), also write an output line without
    size and mtime at once; their end-of-process line then supplies them.
  * a file this process wrote is never also recorded as its input (reading back a checkpoint).

Left out: Python sources and compiled modules, site-packages/dist-packages, the interpreter's prefixes,
temp folders, .lineage (so the run folder), __pycache__, .git and a few other tool folders, /proc, /dev,
/sys, anything that is not a regular file, files the SDK opens itself, and all paths outside the
workspace. At most CAP files per role are recorded by one process.

The hook is called for every audit event of the interpreter (imports, exec, sys._getframe...), so it
returns at once unless the event is "open", and an open of a path it has already decided on costs one
set lookup. Audit hooks cannot be removed: switching capture off makes the hook a no-op."""
import os
import sys
from _thread import get_ident

from . import _state
from ._writer import emit, flush, line

CAP = 1000  # files per role and process; past it a warning, and no more lines of that role
_MAX_SEEN = 100000

_WRITE = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_SKIP_EXT = (".py", ".pyc", ".pyo", ".pyi", ".pyd", ".so")
_SKIP_PARTS = frozenset(("__pycache__", ".git", ".hg", ".svn", ".lineage", "site-packages", "dist-packages",
                         ".ipynb_checkpoints", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".cache"))
_OTHER_EVENTS = frozenset(("os.chdir", "os.rename", "os.remove"))
_SEP = os.sep
_nc = os.path.normcase if os.name == "nt" else None  # case-insensitive comparisons on Windows only
_abspath = os.path.abspath
_stat = os.stat

_on = False          # recording: a run is active and capture is wanted
_wanted = None       # autolog(data=...) if called, else None: the environment decides
_installed = False
_configured_for = None  # the run the settings below were made for
_seen = set()        # raw (path, mode, flags) tuples already decided; cleared on chdir/rename/remove
_busy = set()        # ids of the threads inside the hook or inside an SDK file operation
_inputs = set()      # absolute paths recorded as inputs
_outputs = {}        # absolute path -> workspace-relative path: written, line still to come
_done = set()        # absolute paths whose output line was written
_count = [0, 0]      # files recorded per role: [inputs, outputs]
_ws = ()             # the workspace as given and resolved, each with a trailing separator
_roots = ()          # folders to leave out (as given and resolved), each with a trailing separator
_tempdir = None      # tempfile.tempdir last seen (set once the script calls tempfile.gettempdir())
_early = False        # also an output line (no size/mtime) at the open: worker processes may be killed
_emit = None
_line = None
_flush = None


def _hook(event, args):
    if event != "open":
        if _on and event in _OTHER_EVENTS:
            _other(event, args)
        return
    if _on:
        try:
            if args in _seen:
                return
        except TypeError:  # an unhashable path-like object
            pass
        try:
            _open(args)
        except Exception:
            pass


def _open(args):
    path, _mode, flags = args
    write = 1 if flags & _WRITE else 0
    if _count[write] >= CAP:
        return
    tid = get_ident()
    if tid in _busy:
        return  # our own stat/realpath, or a file the SDK opens
    _busy.add(tid)
    try:
        if type(path) is not str:
            if isinstance(path, int):  # open(fd): the file was seen when the fd was opened
                return _remember(args)
            path = os.fspath(path)
            if isinstance(path, bytes):
                path = os.fsdecode(path)
        p = _abspath(path)
        rel = _relative(p)
        if rel is None:
            return _remember(args)
        if write:
            if p not in _outputs and p not in _done:
                _add_output(p, rel)
            return _remember(args)
        if p in _inputs or p in _outputs or p in _done:
            return _remember(args)
        try:
            st = _stat(p)
        except OSError:
            return  # the open fails too; not remembered, since the file may exist later
        if st.st_mode & 0o170000 == 0o100000:  # a regular file (not a folder, FIFO or device)
            _inputs.add(p)
            _count[0] += 1
            _emit(_line({"type": "dataset", "path": rel, "role": "input", "size": st.st_size,
                         "mtime": st.st_mtime, "auto": True}))
            _flush()  # rare, and a worker process may well end by a signal
            if _count[0] >= CAP:
                _cap_reached("read")
        _remember(args)
    finally:
        _busy.discard(tid)


def _remember(args):
    if len(_seen) >= _MAX_SEEN:
        _seen.clear()
    try:
        _seen.add(args)
    except TypeError:
        pass


def _add_output(p, rel):
    _outputs[p] = rel
    _count[1] += 1
    if _early:
        _emit(_line({"type": "dataset", "path": rel, "role": "output", "auto": True}))
        _flush()
    if _count[1] >= CAP:
        _cap_reached("written")


def _cap_reached(what):
    _state.warn("%d files %s by this process were recorded as datasets; further ones are not (log them with "
         "lineage.log_dataset)" % (CAP, what))


def _other(event, args):
    """os.chdir: relative paths change meaning. os.rename/os.replace: the destination is an output, the
    source no longer is. os.remove: a file written and removed is no output."""
    try:
        tid = get_ident()
        if tid in _busy:
            return
        _busy.add(tid)
    except Exception:
        return
    try:
        if event == "os.chdir":
            _seen.clear()
        elif event == "os.remove":
            if _outputs and args[1] in (-1, None) and not isinstance(args[0], int):
                if _outputs.pop(_abspath(_text(args[0])), None) is not None:
                    _count[1] -= 1
                    _seen.clear()
        elif args[2] in (-1, None) and args[3] in (-1, None):  # os.rename, also raised by os.replace
            src = _abspath(_text(args[0]))
            if _outputs.pop(src, None) is not None:
                _count[1] -= 1
            dst = _abspath(_text(args[1]))
            rel = _relative(dst)
            if rel is not None and dst not in _outputs and dst not in _done and _count[1] < CAP:
                _add_output(dst, rel)
            _seen.clear()
    except Exception:
        pass
    finally:
        _busy.discard(tid)


def _text(path):
    path = os.fspath(path)
    return os.fsdecode(path) if isinstance(path, bytes) else path


def _relative(p):
    """The workspace-relative path (forward slashes) of the absolute, normalised path p, or None when p is
    outside the workspace or left out."""
    c = p if _nc is None else _nc(p)
    if c.endswith(_SKIP_EXT):
        return None
    for ws in _ws:
        if c.startswith(ws):
            break
    else:
        return None
    for root in _roots:
        if c.startswith(root):
            return None
    if _tempdir is not _tempdir_now():
        _note_tempdir()
        for root in _roots:
            if c.startswith(root):
                return None
    if not _SKIP_PARTS.isdisjoint(c[len(ws):].split(_SEP)):
        return None
    rel = p[len(ws):]
    return rel if _SEP == "/" else rel.replace(_SEP, "/")


def _tempdir_now():
    return getattr(sys.modules.get("tempfile"), "tempdir", None)


def _note_tempdir():
    """tempfile.gettempdir() caches its answer in tempfile.tempdir (the script may also set it)."""
    global _tempdir, _roots
    _tempdir = t = _tempdir_now()
    if isinstance(t, str) and t:
        _roots = _roots + tuple(r for r in _prefixes([t]) if r not in _roots and not _within(r))


def _prefixes(folders):
    out = []
    for f in folders:
        if not f or not isinstance(f, str):
            continue
        for g in (os.path.abspath(f), os.path.realpath(f)):
            g = g if _nc is None else _nc(g)
            g = g.rstrip(_SEP) + _SEP
            if g not in out:
                out.append(g)
    return out


def _within(root):
    """True when the workspace is inside root (or is root): leaving root out would leave out everything."""
    return any(ws.startswith(root) for ws in _ws)


def _temp_candidates():
    """tempfile's candidate list, without importing tempfile (10 ms) or writing probe files as
    tempfile.gettempdir() does."""
    out = [os.environ.get(name) for name in ("TMPDIR", "TEMP", "TMP")]
    if os.name == "nt":
        out += [os.path.expanduser(r"~\AppData\Local\Temp"), os.path.expandvars(r"%SYSTEMROOT%\Temp"),
                r"c:\temp", r"c:\tmp", r"\temp", r"\tmp"]
    else:
        out += ["/tmp", "/var/tmp", "/usr/tmp"]
    t = _tempdir_now()
    if t:
        out.append(t)
    return out


def env_wants_capture():
    return os.environ.get("LINEAGE_CAPTURE_DATA", "1").strip().lower() not in ("0", "false", "no", "off")


def start(run, owner=True):
    """Called when a run becomes active in this process (launcher or start_run); owner: the process that
    reports how the run ended (not a subprocess or worker)."""
    global _on, _configured_for, _ws, _roots, _tempdir, _emit, _line, _flush, _early
    _on = False
    _configured_for = None
    want = env_wants_capture() if _wanted is None else _wanted
    if not want or not hasattr(sys, "addaudithook"):
        return
    _emit, _line, _flush = emit, line, flush
    _early = not owner
    _configured_for = run
    _seen.clear()
    _inputs.clear()
    _outputs.clear()
    _done.clear()
    _count[0] = _count[1] = 0
    _ws = tuple(_prefixes([run.workspace]))
    roots = [run.dir, sys.prefix, sys.base_prefix, sys.exec_prefix, getattr(sys, "base_exec_prefix", None)]
    roots += _temp_candidates()
    if os.name != "nt":
        roots += ["/proc", "/dev", "/sys"]
    _roots = tuple(r for r in _prefixes(roots) if not _within(r))
    _tempdir = _tempdir_now()
    _install()
    _on = True


def _install():
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True


def set_wanted(on):
    """autolog(data=...): on or off from here on, for this process and the Python processes it starts."""
    global _wanted, _on
    _wanted = bool(on)
    os.environ["LINEAGE_CAPTURE_DATA"] = "1" if on else "0"
    if not on:
        _on = False  # outputs already seen are still written at the end
        return
    run = _state.run
    if run is None or _on:
        return
    if _configured_for is run and hasattr(sys, "addaudithook"):
        _install()
        _on = True
    else:
        start(run, _state.owner)


def flush_outputs():
    """Writes the output lines (size and mtime as the files are now). Called when the run or the process
    ends; files written after that are recorded at the next call."""
    if not _outputs or _line is None:
        return
    tid = get_ident()
    mine = tid not in _busy  # a SIGTERM handler may run this while the hook is busy in the same thread
    _busy.add(tid)
    try:
        for p in list(_outputs):
            rel = _outputs.pop(p, None)
            if rel is None:
                continue
            _done.add(p)
            try:
                st = _stat(p)
            except OSError:
                continue  # gone (or the open failed): nothing was produced
            if st.st_mode & 0o170000 == 0o100000:
                _emit(_line({"type": "dataset", "path": rel, "role": "output", "size": st.st_size,
                             "mtime": st.st_mtime, "auto": True}))
    except Exception:
        pass
    finally:
        if mine:
            _busy.discard(tid)


def stop():
    """The run ended (end_run of a start_run run): nothing more is recorded until the next run."""
    global _on
    _on = False
    _outputs.clear()


class paused(object):
    """`with paused():` - the files the SDK itself opens in this thread are not recorded."""

    def __enter__(self):
        self.tid = get_ident()
        self.mine = self.tid not in _busy
        _busy.add(self.tid)
        return self

    def __exit__(self, *exc):
        if self.mine:
            _busy.discard(self.tid)
        return False


def _after_fork_in_child():
    global _early
    _outputs.clear()  # the parent writes the lines of what it wrote; the child records its own
    _busy.clear()
    _early = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
