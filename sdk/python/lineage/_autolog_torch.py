"""PyTorch autolog: a model saved with `torch.save(obj, path)` (obj an `nn.Module`, or a state_dict: a dict
of tensors) to a file path becomes a model of the run (flavor `pytorch`), recorded once per path.

Only torch.save is wrapped: training loops, optimizers and modules are untouched. The original save runs
first with the script's own arguments, so the bytes on disk are the same with and without autolog, and an
autolog failure afterwards is a warning, never an error of the save.

A loop that checkpoints every epoch to the same path records one model: the first save copies the file
into artifacts/models/<name> and writes the `model` line; each later save to that path replaces the copy
(written aside and renamed over it), so the run keeps the last bytes saved, even if the process is killed
before it ends. Saves to file objects (BytesIO, open handles) are not recorded: they have no path."""
import functools
import os
import shutil
import threading

from . import _autolog_hooks, _capture, _state
from . import _autolog_record as rec
from ._api import set_tag

_enabled = False
_lock = threading.Lock()
# (run id, absolute path saved to) -> the copy's path relative to the run folder ("artifacts/models/x.pt").
_recorded = {}


def enable(on):
    global _enabled
    _enabled = bool(on)
    if _enabled:
        _autolog_hooks.when_imported("torch", _patch)


def enabled():
    return _enabled


def _patch(module):
    if module.__name__ != "torch":
        return
    original = getattr(module, "save", None)
    if original is None or getattr(original, "_lineage", False):
        return
    module.save = _wrap(module, original)


def _wrap(torch, original):
    @functools.wraps(original)
    def save(obj, f, *args, **kwargs):
        result = original(obj, f, *args, **kwargs)
        if _enabled and _state.run is not None:
            try:
                _record(torch, obj, f)
            except Exception as e:
                rec.warn("recording the model saved by torch.save", e)
        return result

    save._lineage = True
    return save


def _is_model(torch, obj):
    if isinstance(obj, torch.nn.Module):
        return True
    # a state_dict; an optimizer's state_dict or a checkpoint dict of mixed values is not a model
    return isinstance(obj, dict) and len(obj) > 0 and all(isinstance(v, torch.Tensor) for v in obj.values())


def _record(torch, obj, f):
    if not isinstance(f, (str, os.PathLike)) or not _is_model(torch, obj):
        return
    src = os.path.abspath(os.fsdecode(os.fspath(f)))
    if not os.path.isfile(src):
        return
    run = _state.run
    key = (run.id, src)
    with _lock:
        rel = _recorded.get(key)
        if rel is None:
            name = os.path.basename(src) or "model.pt"
            with _capture.paused():
                rel = rec.save_file("models/" + name, lambda dest: shutil.copyfile(src, dest), flavor="pytorch")
            if rel is None:
                return
            _recorded[key] = rel
            set_tag("autolog.pytorch", "torch.save")
            return
        dest = os.path.join(run.dir, *rel.split("/"))
        tmp = "%s.%d.tmp" % (dest, os.getpid())
        with _capture.paused():  # reading the checkpoint back is none of the script's data
            shutil.copyfile(src, tmp)
            os.replace(tmp, dest)
