"""Run lifecycle: joining the launcher's run, start_run/end_run outside the launcher, and the hooks that
record how the script ended (normal exit, sys.exit(n), an exception, Ctrl-C, SIGTERM)."""
import atexit
import os
import sys

from . import _autolog, _capture, _state
from . import _writer as w
from ._state import warn

# Set in the environment by the first process that joins a launcher run, so that Python subprocesses
# (multiprocessing spawn workers, helper scripts) add their metrics to the run but never end it.
OWNER_ENV = "LINEAGE_SDK_OWNER_PID"
MAX_ERROR = 20000


class Run(object):
    """The active run: `.id`, `.dir` (absolute path of the run folder) and `.workspace`."""

    def __init__(self, run_id, run_dir, workspace, launched, record=None):
        self.id = run_id
        self.dir = run_dir
        self.workspace = workspace
        self.launched = launched  # True: the launcher owns run.json and ends the run with the process
        self._record = record

    def __repr__(self):
        return "Run(id=%r, dir=%r)" % (self.id, self.dir)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if self is not _state.run:
            return False
        if self.launched:
            w.flush()
        elif exc_type is None:
            _finish("finished", None, 0)
        elif issubclass(exc_type, SystemExit):
            code = exc.code
            _finish("finished" if code in (0, None) else "failed", _exit_error(code), _exit_number(code))
        elif issubclass(exc_type, KeyboardInterrupt):
            _finish("killed", None, 130)
        else:
            _finish("failed", _format(exc_type, exc, tb), 1)
        return False


# The active run and whether this process owns it are _state.run and _state.owner.
_status_written = False
_exit_code = None
_hooks_installed = False
_atexit_installed = False
_prev_excepthook = None


def activate_from_env():
    """Joins the launcher's run (LINEAGE_RUN_DIR); called from sitecustomize at interpreter start."""
    run_dir = os.environ.get("LINEAGE_RUN_DIR")
    if not run_dir or _state.run is not None:
        return _state.run
    run_dir = os.path.abspath(run_dir)
    pid = str(os.getpid())
    owner = os.environ.get(OWNER_ENV, pid) == pid
    os.environ[OWNER_ENV] = os.environ.get(OWNER_ENV, pid)
    workspace = os.environ.get("LINEAGE_WORKSPACE") or os.path.dirname(os.path.dirname(os.path.dirname(run_dir)))
    run = Run(os.environ.get("LINEAGE_RUN_ID") or os.path.basename(run_dir), run_dir, workspace, True)
    _begin(run, owner)
    if owner and os.environ.get("LINEAGE_AUTOLOG_ARGS", "1") != "0":
        _autolog.autolog(args=True)
    if owner:
        try:
            _autolog.frameworks_from_env()
        except Exception as e:
            warn("framework autolog is off (%s: %s)" % (type(e).__name__, e))
    return run


def activate_on_import():
    """`import lineage` under the launcher: sitecustomize normally joined the run already, but it may have
    been skipped (python -S, a sitecustomize earlier on sys.path), and the import is then the next best
    moment. Never raises: tracking off must not stop the script."""
    if os.environ.get("LINEAGE_RUN_DIR") and _state.run is None:
        try:
            activate_from_env()
        except Exception as e:
            warn("run tracking is off for this script (%s: %s)" % (type(e).__name__, e))


def start_run(name=None, experiment=None):
    """Starts a run for a script not started by Lineage (under the launcher: returns the launcher's run).

    Use as `with lineage.start_run(name=...) as run:` or call end_run() when done (else it ends at exit)."""
    if _state.run is None and os.environ.get("LINEAGE_RUN_DIR"):
        try:
            activate_from_env()
        except Exception as e:
            warn("could not join the launcher's run (%s: %s); starting a separate one" % (type(e).__name__, e))
    active = _state.run
    if active is not None:
        if active.launched:
            return active
        raise RuntimeError("lineage: run %s is still active; call lineage.end_run() first" % active.id)
    from . import _record
    workspace = _record.find_workspace(os.getcwd())
    run_id, run_dir, record = _record.create_run(workspace, name, experiment)
    run = Run(run_id, run_dir, workspace, False, record)
    _begin(run, True)
    return run


def end_run(status="finished"):
    """Ends a run made by start_run with `status` ("finished", "failed" or "killed"). The launcher's run
    ends with the process, so under the launcher this only flushes."""
    if status not in ("finished", "failed", "killed"):
        raise ValueError("lineage.end_run: status must be 'finished', 'failed' or 'killed', got %r" % (status,))
    if _state.run is None:
        return
    if _state.run.launched:
        w.flush()
    else:
        _finish(status, None, 0 if status == "finished" else 1)


def _begin(run, owner):
    global _status_written
    w.open_events(os.path.join(run.dir, "events.jsonl"))
    _state.run, _state.owner, _status_written = run, owner, False
    if owner:
        _state.owner_pid = os.getpid()
    if owner:
        w.emit(w.line({"type": "env", "python": sys.executable,
                       "python_version": sys.version.split()[0], "pid": os.getpid()}))
    w.flush()
    _install_hooks(owner)
    try:
        _watch_pools()
    except Exception as e:
        warn("metrics of multiprocessing.Pool workers may be lost (%s: %s)" % (type(e).__name__, e))
    try:
        _capture.start(run, owner)
    except Exception as e:
        warn("files the script reads and writes are not recorded (%s: %s)" % (type(e).__name__, e))


def _finish(status, error, exit_code):
    """Writes the status line once (owner process only), flushes, and closes an SDK-made run."""
    global _status_written
    run = _state.run
    if run is None:
        return
    _capture.flush_outputs()  # before the status line, which stays the last
    if not run.launched:
        _capture.stop()
    if _owns_run() and not _status_written:
        _status_written = True
        event = {"type": "status", "status": status}
        if error:
            event["error"] = error[-MAX_ERROR:]
        w.emit(w.line(event))
    w.flush()
    if not run.launched:
        _state.run = None
        w.close_events()
        if _owns_run():
            from . import _record
            _record.end(run, status, exit_code, error)


def _owns_run():
    """Only the run's main process reports how the run ended; a forked copy of it never does, even one
    made by a fork that ran no at-fork hooks."""
    return _state.owner and _state.owner_pid == os.getpid()


# multiprocessing.Pool workers (issue 11 item 16). `with Pool() as p: p.map(...)` ends by terminate(): the
# workers get SIGTERM and die at once, and whatever they logged since their last flush was lost. Each
# worker now writes its lines before it hands a task's result back, so a result the parent has seen
# never outruns the metrics of its task. multiprocessing.pool.worker is wrapped as the module is imported
# (in the parent for fork, and in spawn and forkserver children too, where unpickling the process object
# imports it), so no import of multiprocessing is added to `import lineage`.
class _PoolFinder(object):
    def find_spec(self, name, path=None, target=None):
        if name != "multiprocessing.pool":
            return None
        import importlib.machinery
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _PoolLoader(spec.loader)
        return spec

    def invalidate_caches(self):
        pass


class _PoolLoader(object):
    def __init__(self, inner):
        self._inner = inner

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module):
        self._inner.exec_module(module)
        try:
            _patch_pool(module)
        except Exception:
            pass

    def __getattr__(self, name):
        return getattr(self._inner, name)


def _watch_pools():
    module = sys.modules.get("multiprocessing.pool")
    if module is not None:
        _patch_pool(module)
    elif not any(isinstance(f, _PoolFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _PoolFinder())


def _patch_pool(module):
    import functools
    original = getattr(module, "worker", None)
    if not callable(original) or getattr(original, "_lineage", False):
        return

    @functools.wraps(original)  # pickled by name (spawn): multiprocessing.pool.worker is this function
    def worker(inqueue, outqueue, *args, **kwargs):
        try:
            put = outqueue.put

            def put_after_flush(obj):
                if _state.run is not None:
                    try:
                        w.flush()
                    except Exception:
                        pass
                return put(obj)

            outqueue.put = put_after_flush  # the worker loop sends each task's result with it
        except Exception:
            pass
        _on_worker_start()
        return original(inqueue, outqueue, *args, **kwargs)

    worker._lineage = True
    module.worker = worker


# Pool.terminate() (also the exit of `with Pool() as p:`) SIGTERMs workers that may be in the middle of a
# task, with points still queued. In a worker, SIGTERM first writes them if the writer's lock is free at once
# (a signal handler must never wait: issue 11 item 15), else counts them as lost and says so on stderr for
# the keeper; then the worker dies by SIGTERM, exactly as in plain Python.
# A Python handler runs only in the main thread, between bytecodes: a SIGTERM that lands just before the main
# thread blocks (on the pool's queue lock, a pipe) or that the kernel hands to another thread would leave the
# worker blocked for good, and its parent waiting for it. So the handler is installed only together with a
# watcher thread, woken through signal.set_wakeup_fd, that sends SIGTERM to the main thread itself until the
# handler has run: that interrupts the blocking call. A main thread stuck in C code for over a second is
# killed by SIGKILL after two seconds, its queued points counted as lost.
_wakeup = None  # (read end, write end) of the worker's wakeup pipe
_worker_killing = False


def _on_worker_start():
    global _wakeup
    try:
        import signal
        import threading
        if (_state.run is None or _wakeup is not None or threading.current_thread() is not threading.main_thread()
                or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL):
            return
        r, wr = os.pipe()
        os.set_blocking(wr, False)
        try:
            old = signal.set_wakeup_fd(wr, warn_on_full_buffer=False)
        except (ValueError, OSError, TypeError):
            old = None
        if old != -1:  # someone else's wakeup fd (or none possible): keep plain Python's SIGTERM
            if old is not None:
                signal.set_wakeup_fd(old)
            os.close(r)
            os.close(wr)
            return
        _wakeup = (r, wr)
        threading.Thread(target=_watch_sigterm, args=(r, threading.get_ident()), name="lineage-sigterm",
                         daemon=True).start()
        signal.signal(signal.SIGTERM, _on_worker_sigterm)
    except Exception:
        pass


def _reset_wakeup():
    global _wakeup
    import signal
    r, wr = _wakeup
    _wakeup = None
    old = signal.set_wakeup_fd(-1)
    if old not in (wr, -1):
        signal.set_wakeup_fd(old)  # not ours any more: leave it
    for fd in (r, wr):
        try:
            os.close(fd)
        except OSError:
            pass


def _watch_sigterm(fd, main):
    import signal
    import time
    try:
        while signal.SIGTERM not in os.read(fd, 512):
            pass
        deadline = time.time() + 2.0
        while time.time() < deadline or _worker_killing:  # once the handler has started, it ends the worker
            signal.pthread_kill(main, signal.SIGTERM)
            time.sleep(0.01)
        w.flush_at_kill()
        os.kill(os.getpid(), signal.SIGKILL)
    except Exception:
        pass


def _on_worker_sigterm(signum, frame):
    global _worker_killing
    import signal
    _worker_killing = True
    try:
        if _state.run is not None:
            w.flush_at_kill()
    finally:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def _format(exc_type, exc, tb):
    import traceback  # only needed when the script fails; it is slow to import
    return "".join(traceback.format_exception(exc_type, exc, tb))


def _exit_number(code):
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _exit_error(code):
    if code in (0, None):
        return None
    return "exit code %s" % code if isinstance(code, int) else str(code)


def _at_exit():
    if _state.run is None:
        return
    w.stop_background()
    if _status_written:
        _capture.flush_outputs()  # files written after the excepthook reported the failure
        w.flush()
        return
    last = getattr(sys, "last_value", None)
    if last is not None and sys.excepthook is not _excepthook and not hasattr(sys, "ps1"):
        # Someone replaced our excepthook; the interpreter still records the fatal exception here.
        if isinstance(last, KeyboardInterrupt):
            return _finish("killed", None, 130)
        return _finish("failed", _format(type(last), last, last.__traceback__), 1)
    code = _exit_code
    _finish("finished" if code in (0, None) else "failed", _exit_error(code), _exit_number(code))


def _at_os_exit(code):
    w.stop_background()
    if _state.run is not None and _owns_run() and not _status_written:
        _finish("finished" if code == 0 else "failed", None if code == 0 else "os._exit(%s)" % code, code)
    else:
        if _state.run is not None:
            _capture.flush_outputs()
        w.flush()


def _excepthook(exc_type, exc, tb):
    try:
        if _state.run is not None and not _status_written:
            if issubclass(exc_type, KeyboardInterrupt):
                _finish("killed", None, 130)
            else:
                _finish("failed", _format(exc_type, exc, tb), 1)
    except Exception:
        pass
    (_prev_excepthook or sys.__excepthook__)(exc_type, exc, tb)


def _on_sigterm(signum, frame):
    import signal
    if _state.run is None or not _owns_run():  # a forked child: what plain Python does, die by the signal
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    w.stop_background()
    _finish("killed", "terminated by signal %d" % signum, 128 + signum)
    if _in_startup(frame):
        # Still inside the interpreter's start-up (sitecustomize joining the run): a SystemExit raised here
        # escapes site's initialisation as an error and the process exits 1. Die by the signal instead, as plain
        # Python does; the status line is already written (issue 11 item 19).
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise SystemExit(128 + signum)


def _in_startup(frame):
    """Whether the signal came while site.py (or a sitecustomize it runs) was still on the stack."""
    while frame is not None:
        name = frame.f_code.co_filename
        if name == "<frozen site>" or os.path.basename(name) in ("site.py", "sitecustomize.py"):
            return True
        frame = frame.f_back
    return False


class _Quitter(object):
    """Wraps the exit()/quit() builtins so that the code reaches the status line."""

    def __init__(self, inner):
        self._inner = inner

    def __repr__(self):
        return repr(self._inner)

    def __call__(self, code=None):
        _record_exit(code)
        return self._inner(code)


def _record_exit(code):
    global _exit_code
    import threading
    if threading.current_thread() is threading.main_thread():  # elsewhere it only ends that thread
        _exit_code = code


def _install_hooks(owner):
    global _atexit_installed, _hooks_installed, _prev_excepthook
    if not _atexit_installed:
        _atexit_installed = True
        atexit.register(_at_exit)
        # os._exit skips atexit; multiprocessing's forked workers always leave through it.
        real_os_exit = os._exit

        def _exit(code):
            try:
                _at_os_exit(code)
            except BaseException:
                pass
            real_os_exit(code)

        _exit.__doc__ = real_os_exit.__doc__
        os._exit = _exit
    if _hooks_installed or not owner:
        return
    _hooks_installed = True
    _prev_excepthook = sys.excepthook
    sys.excepthook = _excepthook

    # SystemExit never reaches excepthook and atexit cannot see the code, so remember it on the way out.
    real_exit = sys.exit

    def exit(status=None):
        _record_exit(status)
        real_exit(status)

    exit.__doc__ = real_exit.__doc__
    sys.exit = exit
    import builtins
    for name in ("exit", "quit"):
        inner = getattr(builtins, name, None)
        if inner is not None and not isinstance(inner, _Quitter):
            setattr(builtins, name, _Quitter(inner))

    try:
        import signal
        import threading
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL):
            signal.signal(signal.SIGTERM, _on_sigterm)
    except (ImportError, ValueError, AttributeError, OSError):
        pass
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                            after_in_child=_after_fork_in_child)


# A forked child must behave like plain Python: SIGTERM (multiprocessing's Pool.terminate) kills it. It is
# born with our handler installed, and a SIGTERM that came before _after_fork_in_child put SIG_DFL back ran
# our handler inside an at-fork hook, where its SystemExit is swallowed: the worker lived on and its parent
# waited for it forever (issue 11 item 15). So SIGTERM is blocked in the forking thread across the fork;
# the child unblocks it only once SIG_DFL is in place, and a SIGTERM that came meanwhile then kills it.
_blocked_for_fork = []


def _before_fork():
    try:
        import signal
        if signal.getsignal(signal.SIGTERM) is _on_sigterm and hasattr(signal, "pthread_sigmask"):
            old = signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
            _blocked_for_fork.append(signal.SIGTERM not in old)
        else:
            _blocked_for_fork.append(False)
    except Exception:
        _blocked_for_fork.append(False)


def _unblock_after_fork():
    try:
        if _blocked_for_fork.pop():
            import signal
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    except Exception:
        pass


def _after_fork_in_parent():
    _unblock_after_fork()


def _after_fork_in_child():
    _state.owner = False  # a forked worker adds metrics; the parent alone reports how the run ended
    try:
        import signal
        if signal.getsignal(signal.SIGTERM) in (_on_sigterm, _on_worker_sigterm):
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if _wakeup is not None:  # a worker's own child: plain Python (its watcher thread did not survive the fork)
            _reset_wakeup()
    except Exception:
        pass
    _unblock_after_fork()
