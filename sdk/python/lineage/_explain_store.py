"""Writing and reading one explanation in a run folder, exactly as docs/explanations-format.md says: raw
little-endian float64 arrays with their byte length and zlib CRC-32 in explanation.json, the manifest last,
then one `explanation` line in events.jsonl.

A re-logged name replaces the old folder without a moment where a reader could see a manifest pointing at
half-written arrays: everything is written into a hidden sibling folder (".<name>.tmp-…", which no reader
takes for an explanation since names never start with "."), then the old folder is renamed away and the new
one renamed into place. numpy is imported by the caller's arrays only; this module needs nothing beyond the
standard library plus the arrays' own tobytes()."""
import json
import math
import os
import re
import time
import zlib

from . import _capture, _state
from ._writer import emit, line

FORMAT = 1
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# The optional arrays and their ranks; the four required ones come first. background_weights is an addition
# to the contract made with this writer (Kernel SHAP's k-means background has weighted rows).
ARRAY_RANKS = {"values": 2, "data": 2, "base": 1, "output": 1, "stderr": 2, "target": 1, "ice": 3,
               "background": 2, "background_weights": 1}
REQUIRED = ("values", "data", "base", "output")


def check_name(name):
    """The explanation's name as stored, or a ValueError that says what a valid one looks like."""
    text = name if isinstance(name, str) else str(name)
    if not _NAME.match(text) or text.startswith("."):
        raise ValueError("lineage: explanation name %r must be 1 to 64 letters, digits, '_', '.' or '-', not "
                         "starting with '.' (e.g. name=\"default\")" % (text[:80],))
    return text


def finite_or_none(value):
    """JSON has no NaN or infinity: such a number is written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _plain(obj):
    """obj with numpy scalars made Python numbers and non-finite floats made null, recursively."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if getattr(obj, "shape", None) == () and hasattr(obj, "item"):
        obj = obj.item()
    if isinstance(obj, bool) or obj is None or isinstance(obj, (int, str)):
        return obj
    if isinstance(obj, float):
        return finite_or_none(obj)
    return str(obj)


def manifest_text(manifest):
    """The manifest as JSON text (readable UTF-8; \\u escapes where a hostile name holds lone surrogates)."""
    plain = _plain(manifest)
    text = json.dumps(plain, ensure_ascii=False, indent=1, allow_nan=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(plain, indent=1, allow_nan=False)
    return text + "\n"


def _array_bytes(array):
    import numpy as np
    a = np.ascontiguousarray(array, dtype="<f8")
    data = a.tobytes()
    return data, {"dtype": "float64", "shape": [int(s) for s in a.shape], "bytes": len(data),
                  "crc32": zlib.crc32(data) & 0xFFFFFFFF}


def _write_file(path, data):
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def save(run_dir, name, manifest, arrays, model_bytes=None):
    """Writes <run_dir>/explanations/<name>/ (arrays, model.pkl when given, the manifest last) and returns the
    manifest as written. `manifest` is completed here with format, name, created and arrays."""
    name = check_name(name)
    for key in REQUIRED:
        if key not in arrays:
            raise ValueError("lineage: explanation array %r is missing" % key)
    parent = os.path.join(run_dir, "explanations")
    final = os.path.join(parent, name)
    tmp = os.path.join(parent, ".%s.tmp-%d-%x" % (name, os.getpid(), int(time.time() * 1e6)))
    manifest = dict(manifest)
    manifest.update(format=FORMAT, name=name, created=time.time())
    refs = {}
    with _capture.paused():  # the SDK's own files are no outputs of the script's
        os.makedirs(tmp)
        try:
            for key, array in arrays.items():
                if array is None:
                    continue
                if key not in ARRAY_RANKS:
                    raise ValueError("lineage: unknown explanation array %r" % key)
                data, ref = _array_bytes(array)
                if len(ref["shape"]) != ARRAY_RANKS[key]:
                    raise ValueError("lineage: explanation array %r must have %d dimensions, got shape %s"
                                     % (key, ARRAY_RANKS[key], ref["shape"]))
                ref = dict(file=key + ".f64", **ref)
                _write_file(os.path.join(tmp, ref["file"]), data)
                refs[key] = ref
            if model_bytes is not None:
                _write_file(os.path.join(tmp, "model.pkl"), model_bytes)
            else:
                manifest["model"] = None
            manifest["arrays"] = refs
            text = manifest_text(manifest)
            part = os.path.join(tmp, "explanation.json.part")
            _write_file(part, text.encode("utf-8"))
            os.replace(part, os.path.join(tmp, "explanation.json"))
            _swap_in(tmp, final)
        except BaseException:
            _remove_tree(tmp)
            raise
    return json.loads(text)


def _swap_in(tmp, final):
    old = None
    if os.path.lexists(final):
        old = tmp.replace(".tmp-", ".old-")
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        _remove_tree(old)


def _remove_tree(path):
    import shutil
    shutil.rmtree(path, ignore_errors=True)


def event_for(manifest):
    """The `explanation` line of events.jsonl for a manifest as written."""
    return {"type": "explanation", "name": manifest["name"],
            "path": "explanations/%s/explanation.json" % manifest["name"], "method": manifest["method"],
            "exact": bool(manifest["exact"]), "rows": manifest["rows"], "features": len(manifest["features"]),
            "additivity_error": finite_or_none(manifest.get("additivity_error"))}


def log(name, manifest, arrays, model_bytes=None):
    """save() into the active run's folder and append the event; without a run, None (the caller warned)."""
    run = _state.run
    if run is None:
        return None
    written = save(run.dir, name, manifest, arrays, model_bytes)
    emit(line(event_for(written)))
    return written


# ---------------------------------------------------------------- reading (the scorer, the tests)

class DamagedArray(ValueError):
    pass


def load_manifest(folder):
    path = os.path.join(folder, "explanation.json")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError("no explanation at %s: run the script that calls lineage.explain(...) first"
                                % folder) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError("%s is not a format-%d explanation manifest; re-run the script" % (path, FORMAT))
    return manifest


def load_array(folder, manifest, key):
    """The array `key` as numpy, checked against the manifest's bytes and CRC-32; None when not listed."""
    import numpy as np
    ref = (manifest.get("arrays") or {}).get(key)
    if ref is None:
        return None
    path = os.path.join(folder, os.path.basename(str(ref.get("file", ""))))
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != ref.get("bytes") or (zlib.crc32(data) & 0xFFFFFFFF) != ref.get("crc32"):
        raise DamagedArray("%s does not match its manifest (length or checksum): re-run the script that "
                           "logged the explanation" % path)
    return np.frombuffer(data, dtype="<f8").reshape(ref["shape"]).copy()
