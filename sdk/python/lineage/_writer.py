"""The events.jsonl writer (docs/events-format.md): formatted lines go to a list and reach the file in one
write. log_metric is the hot path (budget 2 us a call, see bench/sdk_overhead.py): it reads module globals
only, reuses the line's start per key and the "ts" text per millisecond, and builds the line with one
%-format; float formatting is most of what is left."""
import errno
import json
import os
import threading
import time

from ._state import inactive as _inactive, warn

WRITER = "lineage-python/0.1"
MAX_LINES = 1000
# Lines wait at most MAX_AGE (+ FLUSH_TICK when no further call comes): an open Compare panel must show a
# logged point within 1 s, and the editor's side of that takes ~0.15-0.25 s.
MAX_AGE = 0.25
FLUSH_TICK = 0.1
MAX_KEY = 250
MAX_TEXT = 6000

_buf = []
_append = _buf.append
_lock = threading.RLock()  # re-entrant: the SIGTERM handler may flush while the main thread is flushing
_out = None  # descriptor of the active run's events.jsonl; None = no active run
_deadline = 0.0
_keys = {}  # key -> '{"type":"metric","key":<escaped key>,"value":'
_last = {}
_ts = ""  # the "ts" text, valid while _ts_from <= time.time() < _ts_until
_ts_from = _ts_until = 0.0
_time = time.time
_frepr = float.__repr__
_dumps = json.dumps
_METRIC = '%s%s,"step":%d,"ts":%s}\n'
_POINT = b'{"type":"metric"'  # a metric line's start; inside a key or text the quotes are escaped

# Losses (issue 11 item 9): when events.jsonl cannot be written (a full disk) the lines are dropped, counted,
# and the process says on stderr how many of its points were not written, as the last thing it does.
_points = 0  # metric points this process handed to events.jsonl, written or not
_lost_points = 0
_lost_lines = 0
_lost_reason = ""
_torn = False  # a line was cut short and could not be taken back: the next write starts a new line
_loss_hooks = False
_DISK_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def jslen(s):
    # The reader's limits count UTF-16 units (JavaScript string length), not code points.
    return len(s) if s.isascii() else len(s.encode("utf-16-le", "surrogatepass")) // 2


def jstr(s):
    """A JSON string literal; readable UTF-8, but \\u escapes when s holds lone surrogates."""
    r = _dumps(s, ensure_ascii=False)
    try:
        r.encode("utf-8")
    except UnicodeEncodeError:
        r = _dumps(s)
    return r


def line(obj):
    r = _dumps(obj, ensure_ascii=False, separators=(",", ":"))
    try:
        r.encode("utf-8")
    except UnicodeEncodeError:
        r = _dumps(obj, separators=(",", ":"))
    return r + "\n"


def check_key(key, what):
    if type(key) is not str:
        key = str(key)
    if not key or jslen(key) > MAX_KEY:
        raise ValueError("lineage.%s: key must be 1 to %d characters, got %d" % (what, MAX_KEY, len(key)))
    return key


def clip(text, what):
    if jslen(text) <= MAX_TEXT:
        return text
    warn("%s is over %d characters and was cut; log long text as an artifact" % (what, MAX_TEXT))
    text = text[:MAX_TEXT]
    while jslen(text) > MAX_TEXT:
        text = text[:-1]
    return text


def _key(key):
    k = '{"type":"metric","key":%s,"value":' % jstr(check_key(key, "log_metric"))
    if len(_keys) < 100000:
        _keys[key] = k
    return k


def _stamp(t):
    global _ts, _ts_from, _ts_until
    ms = int(t * 1000.0 + 0.5)
    _ts = "%d.%03d" % divmod(ms, 1000)
    _ts_from = (ms - 0.5) / 1000.0
    _ts_until = (ms + 0.5) / 1000.0
    return _ts


def _value(value):
    """log_metric's slow path: anything but a finite float."""
    if type(value) is float:
        return '"NaN"' if value != value else ('"Infinity"' if value > 0 else '"-Infinity"')
    if type(value) is int:
        return int.__repr__(value)  # exact, and float() would overflow past 1e308
    if value is None or isinstance(value, (str, bytes, bytearray)):
        raise TypeError("lineage.log_metric: value must be a number, got %s %.60r" % (type(value).__name__, value))
    try:
        f = float(value)  # numpy / torch scalars, Decimal, Fraction, bool
    except (TypeError, ValueError, OverflowError):
        raise TypeError("lineage.log_metric: value must be a number, got %s" % type(value).__name__) from None
    return _frepr(f) if f - f == 0 else _value(f)


def log_metric(key, value, step=None):
    """Records one point of the metric series `key`; `step` defaults to the key's previous step + 1."""
    if _out is None:
        return _inactive()
    try:
        k = _keys[key]
    except KeyError:
        k = _key(key)
    if type(value) is float and value - value == 0:
        v = _frepr(value)
    else:
        v = _value(value)
    if step is None:
        step = _last.get(key, -1) + 1
    t = _time()
    if _ts_from <= t < _ts_until:
        text = _METRIC % (k, v, step, _ts)
    else:
        text = _METRIC % (k, v, step, _stamp(t))
    _last[key] = step  # only once "%d" has accepted the step
    _append(text)
    if t >= _deadline or len(_buf) >= MAX_LINES:
        flush()


def emit(text):
    """Queues one complete line (for the rarer event types)."""
    _append(text)
    if _time() >= _deadline or len(_buf) >= MAX_LINES:
        flush()


def flush():
    """Writes every queued line to events.jsonl."""
    _write_out()
    if _flusher is None and _flusher_wanted:
        _start_flusher()


def _write_out():
    global _deadline
    with _lock:
        _deadline = _time() + MAX_AGE
        n = len(_buf)
        if not n:
            return
        if _out is not None:
            # Other threads only ever append, so the first n lines are exactly what gets written.
            _write_bytes("".join(_buf[:n]).encode("utf-8", "replace"))
        del _buf[:n]


def _write_bytes(data):
    global _points, _torn
    _points += data.count(_POINT)
    if _torn:
        data = b"\n" + data
    view = memoryview(data)
    done = 0
    try:
        while done < len(data):
            done += os.write(_out, view[done:])
        _torn = False
    except OSError as e:
        _lose(data, done, e)


def _lose(data, done, err):
    """A write failed after `done` bytes of `data`: takes back a line cut short, counts what was lost, says so."""
    global _lost_points, _lost_lines, _lost_reason, _torn
    start = data.rfind(b"\n", 0, done) + 1  # where the first line that was not written in full begins
    if start < done:
        try:
            # O_APPEND left the offset at the end of what was written; nobody else wrote after it.
            end = os.lseek(_out, 0, os.SEEK_CUR)
            if os.fstat(_out).st_size == end:
                os.ftruncate(_out, end - (done - start))
                _torn = False
            else:
                _torn = True
        except OSError:
            _torn = True
    elif done:
        _torn = False
    rest = data[start:]
    _lost_points += rest.count(_POINT)
    _lost_lines += rest.count(b"\n") + (0 if rest.endswith(b"\n") else 1)
    full = getattr(err, "errno", None) in _DISK_FULL
    _lost_reason = "the disk is full" if full else str(err)
    if full:
        warn("the disk is full: could not write events.jsonl (%s); what the script logs is lost until space "
             "is freed" % err, once="write")
    else:
        warn("could not write events.jsonl (%s); some events were lost" % err, once="write")
    _install_loss_report()


def lost_points():
    """(points this process could not write, points it logged)."""
    return _lost_points, _points


def _report_loss(write=True):
    """The process is ending: writes what is still queued, then says how many of its points were lost."""
    if write:
        try:
            _write_out()
        except Exception:
            pass
    if _lost_points or _lost_lines:
        # The launcher's keeper reads this line (keeper.ts, LOSS_LINE) to mark the run incomplete.
        message = ("lineage: %s: %d of %d points this process logged (pid %d) were not written to events.jsonl%s\n"
                   % (_lost_reason, _lost_points, _points, os.getpid(),
                      "" if _lost_lines == _lost_points else " (and %d other events)" % (_lost_lines - _lost_points)))
        if write:
            warn(message[len("lineage: "):-1])
        else:  # a signal handler: sys.stderr may be in the middle of a write of the interrupted code
            try:
                os.write(2, message.encode("utf-8", "replace"))
            except OSError:
                pass


_kill_once = threading.Lock()
KILLED = "a worker process was terminated"  # the reason keeper.ts recognizes (TERMINATED there)


def flush_at_kill():
    """A Pool worker is being terminated (its SIGTERM handler, so this never blocks): writes the queued lines
    if the lock is free; if not (another thread is writing, or the signal came in the middle of a write) the
    queued points are counted as lost. Either way it then says on stderr what this process lost, as
    _report_loss does at exit, since a process killed by a signal runs no exit hooks."""
    global _points, _lost_points, _lost_lines, _lost_reason
    if not _kill_once.acquire(False):  # the handler and the watcher thread (_run._watch_sigterm): once only
        return
    lock = _lock
    taken = False
    try:
        taken = not lock._is_owned() and lock.acquire(False)
    except Exception:
        pass
    if taken:
        try:
            _write_out()
        except Exception:
            pass
        finally:
            lock.release()
    elif _buf and _out is not None:
        rest = "".join(_buf).encode("utf-8", "replace")
        del _buf[:]
        n = rest.count(_POINT)
        _points += n
        _lost_points += n
        _lost_lines += rest.count(b"\n")
        _lost_reason = _lost_reason or KILLED
    if _lost_points or _lost_lines:
        _report_loss(write=False)


def _install_loss_report():
    """After the first loss: report at exit. Installed only then (nothing is added to a run that loses
    nothing); it runs just before the SDK's own exit hooks, which add no points, only the status line."""
    global _loss_hooks
    if _loss_hooks or _out is None:
        return
    _loss_hooks = True
    import atexit
    atexit.register(_report_loss)
    real_os_exit = os._exit

    def _exit(code):
        try:
            _report_loss()
        except BaseException:
            pass
        real_os_exit(code)

    _exit.__doc__ = real_os_exit.__doc__
    os._exit = _exit


def open_events(path):
    global _out, _deadline, _flusher_wanted
    close_events()
    with _lock:
        # A bare descriptor: O_APPEND keeps lines of several processes whole, and no file object is
        # left for the interpreter to warn about at exit.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        if os.fstat(fd).st_size == 0:
            _append(line({"type": "header", "schema": 1, "writer": WRITER}))
        _last.clear()
        _out = fd
        _deadline = _time() + MAX_AGE
        _flusher_wanted = True
    _start_flusher()


def close_events():
    global _out, _flusher_wanted
    _flusher_wanted = False
    _stop_flusher()
    with _lock:
        _write_out()
        fd, _out = _out, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass


# The flusher thread: without it, the last lines before a long silence (a slow epoch) would wait for the
# next log call. fork() stops it, and the next flush() starts it again, so that Python 3.12+ never sees
# a thread of ours to warn about at a fork.
_flusher = None
_flusher_wanted = False


def _flush_loop(stop):
    while not stop.wait(FLUSH_TICK):
        if _buf and _time() >= _deadline:
            try:
                _write_out()
            except Exception:
                pass


def _start_flusher():
    global _flusher
    with _lock:
        if _flusher is None:
            stop = threading.Event()
            thread = threading.Thread(target=_flush_loop, args=(stop,), name="lineage-flush", daemon=True)
            try:
                thread.start()
            except RuntimeError:  # interpreter shutdown
                return
            _flusher = (thread, stop)


def _stop_flusher():
    global _flusher
    with _lock:
        running, _flusher = _flusher, None
    if running is not None:
        running[1].set()
        if running[0] is not threading.current_thread():
            running[0].join(1.0)


def stop_background():
    """From here on (the process is ending) every flush is done by the caller."""
    global _flusher_wanted
    _flusher_wanted = False
    _stop_flusher()


def _before_fork():
    _write_out()
    _stop_flusher()


def _after_fork_in_child():
    global _lock, _flusher, _points, _lost_points, _lost_lines
    _lock = threading.RLock()  # another thread may have held it at the fork
    del _buf[:]  # the parent wrote them before forking
    _flusher = None
    _points = _lost_points = _lost_lines = 0  # the child counts its own


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
