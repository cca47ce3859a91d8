"""Runs a notebook top to bottom as a Lineage run: `python -m lineage.notebook analysis.ipynb [-p key=value ...]`.

The launcher starts this module in place of a script (`lineage run analysis.ipynb -p lr=0.1`), so this process
owns the run: it logs the params (the defaults of the cell tagged `parameters`, overridden by -p), injects
the overrides as a cell tagged `injected-parameters`, executes the notebook in a fresh kernel of this same
interpreter through nbclient, streams the cells' output to its own stdout and stderr (so to console.log),
keeps the executed notebook as the artifact artifacts/<name>.ipynb, and ends the run failed with the cell's
position and traceback when a cell raises. The kernel inherits the run's environment (LINEAGE_RUN_DIR, the
SDK on PYTHONPATH), so its sitecustomize joins the run as a subprocess does: the files its cells read and
write, and what they log, land in this run. nbclient and nbformat are imported only here."""
import os
import re
import sys

from . import _api, _capture, _state
from . import _notebook_params as params
from . import _run

USAGE = "usage: python -m lineage.notebook NOTEBOOK.ipynb [-p name=value ...] [--out EXECUTED.ipynb]"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class UsageError(Exception):
    pass


def parse_argv(argv):
    """(notebook path, overrides in order, output path or None). Written without argparse: under the
    launcher, argparse results are logged as the run's params, and this runner's own options are not."""
    notebook, out, overrides = None, None, {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-p", "--param", "--out"):
            if i + 1 >= len(argv):
                raise UsageError("%s needs a value\n%s" % (a, USAGE))
            if a == "--out":
                out = argv[i + 1]
            else:
                key, value = params.parse_override(argv[i + 1])
                overrides[key] = value
            i += 2
            continue
        if a.startswith("-p") and len(a) > 2 and "=" in a:
            key, value = params.parse_override(a[2:])
            overrides[key] = value
        elif a.startswith("-"):
            raise UsageError("unknown option %s\n%s" % (a, USAGE))
        elif notebook is None:
            notebook = a
        else:
            raise UsageError("one notebook at a time (got %s and %s)\n%s" % (notebook, a, USAGE))
        i += 1
    if notebook is None:
        raise UsageError(USAGE)
    return notebook, overrides, out


def _imports():
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, DeadKernelError
    except ImportError as e:
        raise UsageError("%s cannot run notebooks: %s. Install nbclient, nbformat and ipykernel for it "
                         "(Debian: apt install python3-nbclient python3-nbformat python3-ipykernel; "
                         "else pip install nbclient ipykernel)" % (sys.executable, e))
    return nbformat, NotebookClient, CellExecutionError, DeadKernelError


def _client_class(NotebookClient):
    class StreamingClient(NotebookClient):
        """Echoes each output as the kernel sends it, remembers the cell that is running, and starts the
        kernel with this interpreter whatever kernelspec the notebook names (through _notebook_kernel)."""

        current = None  # (position, cell) of the cell being executed

        def create_kernel_manager(self):
            km = super().create_kernel_manager()
            spec = km.kernel_spec
            if spec is not None:
                # Under the launcher (the SDK on PYTHONPATH) our start of ipykernel applies framework autolog.
                entry = "lineage._notebook_kernel" if _state.run is not None else "ipykernel_launcher"
                spec.argv = [sys.executable, "-m", entry, "-f", "{connection_file}"]
            return km

        async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
            self.current = (cell_index, cell)
            return await super().async_execute_cell(cell, cell_index, *args, **kwargs)

        def output(self, outs, msg, display_id, cell_index):
            try:
                _echo(msg)
            except Exception:
                pass
            return super().output(outs, msg, display_id, cell_index)

    return StreamingClient


def _echo(msg):
    kind, content = msg["msg_type"], msg.get("content", {})
    if kind == "stream":
        stream = sys.stderr if content.get("name") == "stderr" else sys.stdout
        stream.write(content.get("text", ""))
        stream.flush()
    elif kind in ("execute_result", "display_data"):
        data = content.get("data", {})
        text = data.get("text/plain")
        others = sorted(k for k in data if k != "text/plain")
        if others and any(k.startswith("image/") for k in others):
            sys.stdout.write("[%s]\n" % ", ".join(others))
        elif text:
            sys.stdout.write(text + "\n")
        sys.stdout.flush()
    elif kind == "error":
        sys.stderr.write(_ANSI.sub("", "\n".join(content.get("traceback", []))) + "\n")
        sys.stderr.flush()


def failed_cell_text(path, position, injected_at, cell, total):
    """Which cell failed, in the user's own notebook: its position there (the injected cell not counted)
    and its execution count, as the notebook editor shows it."""
    name = os.path.basename(path)
    count = cell.get("execution_count")
    if injected_at is not None and position == injected_at:
        return "the injected parameters cell of %s, In [%s]" % (name, count)
    shown = position - (1 if injected_at is not None and position > injected_at else 0)
    return "cell %d of %d in %s, In [%s]" % (shown + 1, total, name, count)


def failure_text(where, cell, exc):
    """The run's error: which cell, its traceback as the kernel reported it, and a last line (the one the
    editor's notification shows) naming both the exception and the cell."""
    tb = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if tb:
        trace = _ANSI.sub("", "\n".join(tb[-1].get("traceback", []))).strip()
        last = "%s: %s" % (tb[-1].get("ename", "Error"), tb[-1].get("evalue", ""))
    else:
        trace = _ANSI.sub("", str(exc)).strip()
        last = "%s: %s" % (getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", ""))
    return "%s failed:\n%s\n%s (%s)" % (where[0].upper() + where[1:], trace, last.strip(), where)


def run(notebook_path, overrides, out=None):
    """Executes the notebook in the active run; returns the exit status (0, or 1 when a cell failed)."""
    nbformat, NotebookClient, CellExecutionError, DeadKernelError = _imports()
    active = _state.run
    path = os.path.abspath(notebook_path)
    if not os.path.isfile(path):
        raise UsageError("the notebook %s does not exist" % notebook_path)
    with _capture.paused():  # the notebook is the code of the run, not data it reads
        nb = nbformat.read(path, as_version=4)
    total = len(nb.cells)
    at = params.parameters_index(nb.cells)
    found = params.defaults(params.cell_source(nb.cells[at])) if at is not None else {}
    effective = dict(found, **overrides)
    if active is not None:
        rel = os.path.relpath(path, active.workspace)
        _api.set_tag("notebook", rel if not rel.startswith("..") else path)
        if effective:
            _api.log_params(effective)
        if overrides:
            _api.set_tag("notebook.overrides", ",".join(overrides))
    injected_at = params.inject(nb.cells, overrides, nbformat.v4.new_code_cell)
    if out is None and active is not None:
        out = os.path.join(active.dir, "artifacts", os.path.splitext(os.path.basename(path))[0] + ".ipynb")
    # ipykernel's debugger otherwise warns about frozen modules on the console of every run.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    client = _client_class(NotebookClient)(nb, kernel_name="python3", timeout=None, allow_errors=False,
                                           resources={"metadata": {"path": os.path.dirname(path)}})
    error = None
    try:
        client.execute()
    except CellExecutionError as e:
        position, cell = client.current or (None, {})
        where = failed_cell_text(path, position, injected_at, cell, total) if position is not None else path
        error = failure_text(where, cell, e)
    except DeadKernelError as e:
        error = "the kernel died while running %s: %s" % (os.path.basename(path), e)
    finally:
        if out:
            _save(nbformat, nb, out, active)
    if error is None:
        return 0
    sys.stderr.write("lineage: %s\n" % error.rstrip().split("\n")[-1])  # the traceback is on the console already
    sys.stderr.flush()
    if active is not None and _state.owner:
        _run._finish("failed", error, 1)  # the cell's own traceback, not this runner's
    return 1


def _save(nbformat, nb, out, active):
    try:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with _capture.paused():
            nbformat.write(nb, out)
        if active is not None:
            _api.log_artifact(out, os.path.basename(out) if _inside(out, active.dir) else None)
    except Exception as e:
        _state.warn("the executed notebook was not kept (%s: %s)" % (type(e).__name__, e))


def _inside(p, folder):
    return os.path.realpath(p).startswith(os.path.realpath(os.path.join(folder, "artifacts")) + os.sep)


def main(argv=None):
    try:
        notebook, overrides, out = parse_argv(sys.argv[1:] if argv is None else argv)
        if _state.run is None:
            _state.warn("not started by Lineage, so nothing is recorded (run it with `lineage run %s`)" % notebook)
        return run(notebook, overrides, out)
    except (UsageError, ValueError) as e:
        sys.stderr.write("lineage: %s\n" % e)
        if _state.run is not None and _state.owner:
            _run._finish("failed", str(e), 2)  # the reason, where `lineage show` and the editor look
        return 2


if __name__ == "__main__":
    sys.exit(main())
