"""The public logging calls (log_param(s), log_metric(s), set_tag, log_artifact, log_model, log_dataset,
flush), re-exported by lineage/__init__.py. Each works on the active run (_state.run); without one it warns
once and does nothing, so a script never fails because tracking is off.

The run lifecycle (start_run, end_run, the exit hooks) is in _run, automatic logging in _autolog, the
line format and buffering in _writer. New event types get their public call here, e.g. log_explanation
(see the end of this file)."""
import os
import stat

from . import _capture, _state
from ._writer import MAX_TEXT, check_key, clip, emit, flush, jslen, jstr, line, log_metric

__all__ = ["log_param", "log_params", "log_metric", "log_metrics", "set_tag", "log_artifact", "log_model",
           "log_dataset", "flush"]

# log_metric is _writer.log_metric itself, not a wrapper: it is the hot path (about 1 us a call, see
# bench/sdk_overhead.py), and one more Python call would add a good part of that.

_NONFINITE = {"nan": '"NaN"', "inf": '"Infinity"', "-inf": '"-Infinity"'}


def log_metrics(metrics, step=None):
    """Logs several metrics; each key's step defaults to its own previous step + 1."""
    for key, value in metrics.items():
        log_metric(key, value, step)


_MAX_DEPTH = 32  # a list or dict nested deeper is recorded as the text "[...]" / "{...}" (the reader takes 100)


def _scalar_json(value):
    """JSON text of None/bool/int/float (numpy scalars too), or None for anything else."""
    if getattr(value, "shape", None) == () and hasattr(value, "item"):
        value = value.item()  # numpy scalars and 0-d arrays become plain Python values
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(int(value))  # every digit: the reader keeps an integer past 2**53 as a string
    if isinstance(value, float):
        f = float(value)
        return float.__repr__(f) if f - f == 0 else _NONFINITE[float.__repr__(f)]
    return None


def _items(value):
    """The items of a dict (pairs), list or tuple, or of a small numpy array (as plain values); else None."""
    if isinstance(value, dict):
        return value.items()
    if isinstance(value, (list, tuple)):
        return value
    if getattr(value, "ndim", 0) and hasattr(value, "tolist") and getattr(value, "size", MAX_TEXT) < MAX_TEXT:
        return value.tolist()
    return None


def _json_parts(value, out, size, depth):
    """Appends the JSON text of value to out; returns the running length (UTF-16 units, as the reader
    counts), and stops early once it is over MAX_TEXT so a huge list costs no more than its first part."""
    text = _scalar_json(value)
    if text is None and depth < _MAX_DEPTH:
        items = _items(value)
        if items is not None:
            is_dict = isinstance(value, dict)
            out.append("{" if is_dict else "[")
            size += 1
            for n, item in enumerate(items):
                if size > MAX_TEXT:
                    return size
                if n:
                    out.append(",")
                    size += 1
                if is_dict:
                    k, item = item
                    k = jstr(k if isinstance(k, str) else "null" if k is None else str(k).lower() if isinstance(k, bool) else str(k))
                    out.append(k + ":")
                    size += jslen(k) + 1
                size = _json_parts(item, out, size, depth + 1)
            out.append("}" if is_dict else "]")
            return size + 1
    if text is None:
        if depth >= _MAX_DEPTH and _items(value) is not None:
            text = '"{...}"' if isinstance(value, dict) else '"[...]"'  # as repr() shows a list inside itself
        else:
            text = jstr(value if isinstance(value, str) else str(value))
    out.append(text)
    return size + jslen(text)


def _param_json(value):
    text = _scalar_json(value)
    if text is not None:
        return text
    if _items(value) is not None:
        out = []
        if _json_parts(value, out, 0, 0) <= MAX_TEXT:
            return "".join(out)  # lists, tuples and dicts stay JSON arrays and objects
        value = "".join(out)  # over the limit: its text, cut below (with a warning)
    if type(value) is not str:
        value = str(value)
    return jstr(clip(value, "a param value"))


# Values of params whose names look secret are recorded as MASK (issue 11 item 4): a name is split into
# words at '-', '_', '.', spaces and camelCase humps, and one of the words must be in SECRET_WORDS, so
# api_key, hf_token, dbPassword are secret and keyframes, monkey are not. src/core/launcher/secrets.ts has
# the same rule for the command line the launcher records. Off with LINEAGE_MASK_SECRETS=0 (the
# lineage.maskSecrets setting in the editor).
MASK = "\u2022\u2022\u2022\u2022"
SECRET_WORDS = frozenset((
    "key", "token", "secret", "secrets", "password", "passwords", "passwd", "credential",
    "credentials", "apikey", "apikeys", "accesskey", "secretkey", "privatekey", "authtoken", "accesstoken",
    "apitoken"))
_patterns = []  # compiled on first use: `import lineage` does not import re


def secret_name(name):
    """True when a param or option name looks like it holds a secret (see SECRET_WORDS)."""
    if not _patterns:
        import re
        _patterns[:] = [re.compile(r"([a-z0-9])([A-Z])|([A-Z]+)([A-Z][a-z])"), re.compile(r"[^a-z0-9]+")]
    _HUMP, _WORD_SEP = _patterns
    text = _HUMP.sub(lambda m: "%s %s" % (m.group(1) or m.group(3), m.group(2) or m.group(4)), str(name))
    return any(w in SECRET_WORDS for w in _WORD_SEP.split(text.lower()))


def masking_secrets():
    return os.environ.get("LINEAGE_MASK_SECRETS", "1").strip().lower() not in ("0", "false", "no", "off")


def log_param(key, value):
    """Records a hyper-parameter. str/int/float/bool/None are kept as they are, lists, tuples and dicts as
    JSON arrays and objects (of the same kinds of values), anything else as str(); at most 6,000 characters
    of JSON (a longer value is recorded as its text, cut, with a warning).
    The value of a param whose name looks secret (api_key, hf_token, db-password...) is recorded as
    "\u2022\u2022\u2022\u2022" unless LINEAGE_MASK_SECRETS=0."""
    if _state.run_or_warn() is None:
        return
    key = check_key(key, "log_param")
    if value is not None and not isinstance(value, bool) and secret_name(key) and masking_secrets():
        value = MASK
    emit('{"type":"param","key":%s,"value":%s}\n' % (jstr(key), _param_json(value)))


def log_params(params):
    for key, value in params.items():
        log_param(key, value)


def set_tag(key, value):
    if _state.run_or_warn() is None:
        return
    key = check_key(key, "set_tag")
    emit(line({"type": "tag", "key": key, "value": clip(str(value), "a tag value")}))


def _artifact_name(name):
    text = os.fspath(name)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    norm = text.replace("\\", "/")
    if not norm or "\0" in norm or norm.startswith("/") or norm[1:2] == ":" or os.path.isabs(text):
        raise ValueError("lineage: artifact name %r must be a relative path inside the run folder" % text)
    parts = [p for p in norm.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise ValueError("lineage: artifact name %r must not be empty or contain '..'" % text)
    return "/".join(parts)


def log_artifact(path, name=None):
    """Copies a file or folder into <run>/artifacts/<name> (default: its own name); returns the path
    relative to the run folder, e.g. "artifacts/model.pkl"."""
    run = _state.run_or_warn()
    if run is None:
        return None
    import shutil
    src = os.fspath(path)
    rel = _artifact_name(os.path.basename(os.path.normpath(src)) if name is None else name)
    root = os.path.realpath(os.path.join(run.dir, "artifacts"))
    dest = os.path.join(root, *rel.split("/"))
    if not os.path.realpath(dest).startswith(root + os.sep):  # e.g. a symlinked sub-folder
        raise ValueError("lineage: artifact name %r leads outside the run folder" % (name,))
    if not os.path.exists(src):
        raise FileNotFoundError("lineage.log_artifact: %s does not exist" % src)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with _capture.paused():  # reading src to copy it is no input of the script's
        if os.path.realpath(src) == os.path.realpath(dest):
            pass  # the script saved it straight into the run's artifacts folder
        elif os.path.isdir(src):
            shutil.copytree(src, dest, dirs_exist_ok=True)
        else:
            shutil.copyfile(src, dest)
    rel = "artifacts/" + rel
    emit(line({"type": "artifact", "path": rel}))
    return rel


def log_model(path, flavor="pickle", name=None):
    """log_artifact plus a model event, e.g. log_model("model.pkl", flavor="sklearn")."""
    rel = log_artifact(path, name)
    if rel is not None:
        emit(line({"type": "model", "path": rel, "flavor": str(flavor)}))
    return rel


def log_dataset(path, role="train"):
    """Records data the run read or wrote: relative to the workspace when inside it, else absolute. For a
    file, its size and mtime now are recorded too."""
    run = _state.run_or_warn()
    if run is None:
        return None
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    st = None
    if "://" not in text:  # URLs (s3://, https://) are kept as given
        full = os.path.abspath(text)
        text = _workspace_relative(full, run.workspace)
        try:
            st = os.stat(full)
        except (OSError, ValueError):
            pass
    event = {"type": "dataset", "path": text, "role": str(role)}
    if st is not None and stat.S_ISREG(st.st_mode):
        event["size"], event["mtime"] = st.st_size, st.st_mtime
    emit(line(event))
    return text


def _workspace_relative(path, workspace):
    for p, ws in ((path, os.path.abspath(workspace)), (os.path.realpath(path), os.path.realpath(workspace))):
        try:
            if os.path.commonpath([p, ws]) == ws:
                return os.path.relpath(p, ws).replace(os.sep, "/")
        except ValueError:  # different drives on Windows
            pass
    return path


# Explanations (issue 12) are logged by lineage.explain / lineage.log_explanation, which live in _explain
# (computing, numpy imported inside the calls) and _explain_store (the files and the `explanation` line, written
# with _capture.paused() and emit(line(...)) like log_artifact above): `import lineage` stays cheap and
# dependency-free, so they are exported from __init__.py, not from this module.
