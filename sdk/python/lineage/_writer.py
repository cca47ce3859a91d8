"""The events.jsonl writer (docs/events-format.md): formatted lines go to a list and reach the file in one
write. log_metric is the hot path (budget 2 us a call, see bench/sdk_overhead.py): it reads module globals
only, reuses the escaped key and builds its line with a single %-format."""
import json
import os
import sys
import threading
import time

WRITER = "lineage-python/0.1"
MAX_LINES = 1000
MAX_AGE = 0.5
MAX_KEY = 250
MAX_TEXT = 6000

_buf = []
_append = _buf.append
_lock = threading.RLock()  # re-entrant: the SIGTERM handler may flush while the main thread is flushing
_out = None  # the active run's events.jsonl (binary, unbuffered, append mode); None = no active run
_deadline = 0.0
_keys = {}
_last = {}
_time = time.time
_frepr = float.__repr__
_dumps = json.dumps
_METRIC = '{"type":"metric","key":%s,"value":%s,"step":%d,"ts":%.3f}\n'
_warned = set()
_generation = 0


def warn(message, once=None):
    if once is not None:
        if once in _warned:
            return
        _warned.add(once)
    try:
        sys.stderr.write("lineage: %s\n" % message)
        sys.stderr.flush()
    except Exception:
        pass


def _inactive():
    warn("no active run, so logging calls are ignored (call lineage.start_run() or launch the script "
         "with Lineage)", once="inactive")


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
    k = jstr(check_key(key, "log_metric"))
    if len(_keys) < 100000:
        _keys[key] = k
    return k


def _value(value):
    """log_metric's slow path: anything but a finite float."""
    if type(value) is float:
        return '"NaN"' if value != value else ('"Infinity"' if value > 0 else '"-Infinity"')
    if type(value) is int:
        return int.__repr__(value)  # exact, and float() would overflow past 1e308
    if value is None or isinstance(value, (str, bytes, bytearray)):
        raise TypeError("lineage.log_metric: value must be a number, got %s %r" % (type(value).__name__, value))
    try:
        f = float(value)  # numpy / torch scalars, Decimal, Fraction, bool
    except (TypeError, ValueError, OverflowError):
        raise TypeError("lineage.log_metric: value must be a number, got %s" % type(value).__name__) from None
    return _frepr(f) if f - f == 0 else _value(f)


def log_metric(key, value, step=None):
    """Records one point of the metric series `key`; `step` defaults to the key's previous step + 1."""
    if _out is None:
        return _inactive()
    k = _keys.get(key)
    if k is None:
        k = _key(key)
    if type(value) is float and value - value == 0:
        v = _frepr(value)
    else:
        v = _value(value)
    if step is None:
        step = _last.get(key, -1) + 1
    _last[key] = step
    t = _time()
    _append(_METRIC % (k, v, step, t))
    if t >= _deadline or len(_buf) >= MAX_LINES:
        flush()


def emit(text):
    """Queues one complete line (for the rarer event types)."""
    _append(text)
    if _time() >= _deadline or len(_buf) >= MAX_LINES:
        flush()


def flush():
    """Writes every queued line to events.jsonl."""
    global _deadline
    with _lock:
        _deadline = _time() + MAX_AGE
        n = len(_buf)
        if not n:
            return
        if _out is not None:
            # Other threads only ever append, so the first n lines are exactly what gets written.
            data = memoryview("".join(_buf[:n]).encode("utf-8", "replace"))
            try:
                while data:
                    data = data[_out.write(data):]
            except (OSError, ValueError) as e:
                warn("could not write events.jsonl (%s); some events were lost" % e, once="write")
        del _buf[:n]


def open_events(path):
    global _out, _deadline
    close_events()
    with _lock:
        f = open(path, "ab", buffering=0)
        if os.fstat(f.fileno()).st_size == 0:
            _append(line({"type": "header", "schema": 1, "writer": WRITER}))
        _last.clear()
        _out = f
        _deadline = _time() + MAX_AGE
    _start_flusher()


def close_events():
    global _out, _generation
    with _lock:
        flush()
        f, _out = _out, None
        _generation += 1
        if f is not None:
            try:
                f.close()
            except OSError:
                pass


def _flusher(generation):
    # Without it, the last lines before a long silence (a slow epoch) would wait for the next log call.
    while generation == _generation:
        time.sleep(MAX_AGE / 2)
        if _buf and _time() >= _deadline and generation == _generation:
            try:
                flush()
            except Exception:
                pass


def _start_flusher():
    threading.Thread(target=_flusher, args=(_generation,), name="lineage-flush", daemon=True).start()


def _after_fork_in_child():
    global _lock
    _lock = threading.RLock()  # another thread may have held it at the fork
    del _buf[:]  # the parent flushed before forking; whatever remains is the parent's to write
    if _out is not None:
        _start_flusher()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=flush, after_in_child=_after_fork_in_child)
