"""What framework autolog writes, shared by the scikit-learn and XGBoost patches: the fingerprint of
in-memory training data, params made JSON-safe, model files in the run folder, child runs (one folder
each, written whole and renamed into place), and warnings that never reach the user's code.

numpy, pandas and scipy are only touched through the objects the script passed in (their modules are
already imported by then); `import lineage` imports none of them."""
import hashlib
import json
import math
import os
import sys
import time

from . import _capture, _state
from ._api import _param_json, log_artifact, log_model, set_tag
from ._writer import emit, jstr, line

MEMORY_PREFIX = "memory:sha256:"


def warn(what, exc):
    """An autolog step failed: said on stderr and as the run's `autolog.warning` tag; never raised."""
    message = "autolog: %s failed (%s: %s); the script's own work is unaffected" % (what, type(exc).__name__, exc)
    _state.warn(message)
    try:
        if _state.run is not None:
            set_tag("autolog.warning", message[:500])
    except Exception:
        pass


# --- fingerprints ------------------------------------------------------------------------------------

def _update_array(h, a):
    """Hashes one numpy array: its dtype and shape, then its bytes in C order (object arrays item by item,
    as text: their bytes are pointers)."""
    import numpy as np
    a = np.asarray(a)
    h.update(("%s|%s|" % (a.dtype.str, ",".join(str(n) for n in a.shape))).encode())
    if a.dtype.hasobject:
        for item in a.ravel(order="C"):
            text = repr(item).encode("utf-8", "replace")
            h.update(b"%d:" % len(text))
            h.update(text)
    else:
        h.update(np.ascontiguousarray(a).reshape(-1).view(np.uint8) if a.size else b"")


def _update(h, label, x):
    """Hashes one training argument; returns (shape, dtype text, columns or None, bytes seen)."""
    h.update(("\n%s:" % label).encode())
    mod = type(x).__module__ or ""
    if mod.startswith("pandas") and hasattr(x, "columns") and hasattr(x, "dtypes"):  # DataFrame
        columns = [str(c) for c in x.columns]
        h.update(("dataframe|%s|" % json.dumps(columns)).encode())
        nbytes = 0
        for i in range(x.shape[1]):
            col = x.iloc[:, i].to_numpy()
            _update_array(h, col)
            nbytes += col.nbytes
        dtypes = sorted(set(str(t) for t in x.dtypes))
        return list(x.shape), ",".join(dtypes), columns, nbytes
    if mod.startswith("pandas") and hasattr(x, "to_numpy"):  # Series, Index
        h.update(("series|%s|" % json.dumps(str(getattr(x, "name", "")))).encode())
        arr = x.to_numpy()
        _update_array(h, arr)
        return list(arr.shape), str(arr.dtype), None, arr.nbytes
    if mod.startswith("scipy") and hasattr(x, "tocsr") and hasattr(x, "nnz"):
        csr = x.tocsr()  # a CSR matrix is returned as it is; other layouts are converted
        h.update(("sparse|%s|" % ",".join(str(n) for n in csr.shape)).encode())
        for part in (csr.data, csr.indices, csr.indptr):
            _update_array(h, part)
        return list(csr.shape), str(csr.dtype), None, csr.data.nbytes + csr.indices.nbytes + csr.indptr.nbytes
    import numpy as np
    arr = np.asarray(x)
    _update_array(h, arr)
    return list(arr.shape), str(arr.dtype), None, arr.nbytes


def fingerprint(X, y=None):
    """sha256 of X (and y) with their shapes and dtypes: equal data gives the equal hash whatever the
    process, one changed value a different one. Returns a dict, or None when X cannot be read as an array."""
    h = hashlib.sha256(b"lineage-memory-dataset/1")
    shape, dtype, columns, nbytes = _update(h, "X", X)
    info = {"shape": shape, "dtype": dtype, "bytes": nbytes}
    if columns is not None:
        info["columns"] = columns[:200]
    if y is not None:
        y_shape, y_dtype, _, y_bytes = _update(h, "y", y)
        info.update(y_shape=y_shape, y_dtype=y_dtype)
        info["bytes"] += y_bytes
    info["sha256"] = h.hexdigest()
    return info


def dataset_event(fp, role="train", source=None):
    """The `dataset` line for in-memory data: its path names the content (memory:sha256:<hex>), so two runs
    that trained on the same arrays name the same dataset."""
    event = {"type": "dataset", "path": MEMORY_PREFIX + fp["sha256"], "role": role, "size": fp["bytes"],
             "auto": True, "sha256": fp["sha256"], "shape": fp["shape"], "dtype": fp["dtype"]}
    for k in ("columns", "y_shape", "y_dtype"):
        if k in fp:
            event[k] = fp[k]
    if source:
        event["source"] = source
    return event


def log_memory_dataset(fp, source):
    emit(line(dataset_event(fp, source=source)))
    write_version_file(_state.run, fp)


_versions_written = set()


def write_version_file(run, fp):
    """The dataset version's details, as the engine writes them for files (src/core/datasets/versionFiles.ts:
    .lineage/fingerprints/<sha256>.json.gz), so the index knows the in-memory data's size without reading
    anything; written once, never replaced."""
    sha = fp["sha256"]
    folder = os.path.join(os.path.dirname(os.path.dirname(run.dir)), "fingerprints")
    path = os.path.join(folder, sha + ".json.gz")
    if sha in _versions_written or os.path.exists(path):
        return
    import gzip
    from . import _record
    body = {"schema": 1, "sha256": sha, "kind": "file", "size": fp["bytes"], "fileCount": 1, "mtimeMs": 0,
            "takenAt": _record.now_iso(), "warnings": []}
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with _capture.paused():
        os.makedirs(folder, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(gzip.compress(json.dumps(body).encode("utf-8")))
        os.replace(tmp, path)
    _versions_written.add(sha)


# --- params ------------------------------------------------------------------------------------------

def param_value(v, depth=0):
    """A get_params() value as JSON: estimators by class name, functions and classes by name, containers
    element by element, anything else as text (never a repr holding a memory address)."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if getattr(v, "shape", None) == () and hasattr(v, "item"):
        return v.item()
    if depth > 8:
        return str(type(v).__name__)
    if isinstance(v, (list, tuple)):
        return [param_value(x, depth + 1) for x in v]
    if isinstance(v, dict):
        return {str(k): param_value(x, depth + 1) for k, x in v.items()}
    if hasattr(v, "get_params") and not isinstance(v, type):
        return type(v).__name__
    if isinstance(v, type) or callable(v):
        return getattr(v, "__qualname__", None) or getattr(v, "__name__", None) or type(v).__name__
    if hasattr(v, "tolist") and getattr(v, "size", 1000) <= 100:
        return param_value(v.tolist(), depth + 1)
    text = str(v)
    return type(v).__name__ if " at 0x" in text else text


def estimator_params(estimator):
    try:
        params = estimator.get_params(deep=True)
    except Exception:
        params = estimator.get_params(deep=False)
    return {str(k): param_value(v) for k, v in sorted(params.items())}


# --- files -------------------------------------------------------------------------------------------

def _free_name(run_dir, rel):
    base, ext = os.path.splitext(rel)
    n = 1
    while os.path.exists(os.path.join(run_dir, "artifacts", rel)):
        n += 1
        rel = "%s-%d%s" % (base, n, ext)
    return rel


def save_file(rel, write, flavor=None):
    """Writes artifacts/<rel> (a new name when taken) with write(path) and records it as an artifact, or a
    model when flavor is given. Returns the recorded path."""
    run = _state.run
    rel = _free_name(run.dir, rel)
    path = os.path.join(run.dir, "artifacts", *rel.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with _capture.paused():
        write(path)
    return log_model(path, flavor, name=rel) if flavor else log_artifact(path, name=rel)


def save_json(rel, obj):
    def write(path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=1, sort_keys=True)
    return save_file(rel, write)


# --- child runs --------------------------------------------------------------------------------------

def _metric_value(v):
    f = float(v)
    if f - f == 0:
        return f
    return "NaN" if f != f else ("Infinity" if f > 0 else "-Infinity")


def parent_record(run):
    record = getattr(run, "_record", None)
    if record:
        return record
    try:
        with open(os.path.join(run.dir, "run.json"), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def write_child_run(name, params, metrics, tags=(), events=(), started=None, ended=None, status="finished", error=None):
    """An ended run under the active run (run.json says parentRunId), written whole in a hidden folder of
    the parent and renamed into .lineage/runs, so no reader sees it half made. status is one the engine
    knows for an ended run (finished, failed, killed; src/core/runs/runRecord.ts); error, the failure's
    text, goes on the status line as a script's traceback does. Returns its id."""
    if status not in ("finished", "failed", "killed"):
        raise ValueError("write_child_run: status must be finished, failed or killed, got %r" % (status,))
    parent = _state.run
    from . import _record
    info = parent_record(parent)
    runs = os.path.dirname(parent.dir)
    started = time.time() if started is None else started
    ended = started if ended is None else ended
    staging = os.path.join(parent.dir, ".autolog-children")
    os.makedirs(staging, exist_ok=True)
    for _ in range(100):
        run_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime(started)) + "-" + os.urandom(3).hex()
        if not os.path.exists(os.path.join(runs, run_id)):
            break
    tmp = os.path.join(staging, run_id)
    os.makedirs(os.path.join(tmp, "artifacts"))
    lines = [line({"type": "header", "schema": 1, "writer": "lineage-python/0.1 autolog"})]
    for key, value in params.items():
        lines.append('{"type":"param","key":%s,"value":%s}\n' % (jstr(str(key)), _param_json(value)))
    for key, value in metrics.items():
        lines.append(line({"type": "metric", "key": key, "value": _metric_value(value), "step": 0, "ts": round(ended, 3)}))
    for key, value in tags:
        lines.append(line({"type": "tag", "key": key, "value": str(value)}))
    lines.extend(line(e) for e in events)
    end = {"type": "status", "status": status}
    if error and status != "finished":
        end["error"] = str(error)[:4000]
    lines.append(line(end))
    with _capture.paused():
        with open(os.path.join(tmp, "events.jsonl"), "w", encoding="utf-8") as f:
            f.write("".join(lines))
        record = {
            "schema": 1, "id": run_id, "name": name,
            "experiment": info.get("experiment") or _record.default_experiment(parent.workspace),
            "status": status, "startedAt": _record.now_iso(started), "endedAt": _record.now_iso(ended),
            "exitCode": 0 if status == "finished" else None, "command": info.get("command") or list(sys.argv), "cwd": info.get("cwd") or os.getcwd(),
            "createdBy": "python-sdk-autolog", "pid": os.getpid(), "parentRunId": parent.id,
        }
        links = [{"path": e["path"], "role": e["role"], "sha256": e["sha256"]} for e in events
                 if e.get("type") == "dataset" and e.get("sha256")]
        if links:  # the run is never finished by a launcher, which would write this after fingerprinting
            with open(os.path.join(tmp, "datasets.json"), "w", encoding="utf-8") as f:
                json.dump({"schema": 1, "datasets": links}, f, indent=2)
        _record.write_atomic(os.path.join(tmp, "run.json"), record)
        os.rename(tmp, os.path.join(runs, run_id))
    try:
        os.rmdir(staging)
    except OSError:
        pass
    return run_id


def finite(v):
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False
