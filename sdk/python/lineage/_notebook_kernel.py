"""The kernel of a notebook run: `python -m lineage._notebook_kernel -f CONNECTION_FILE`, which
lineage.notebook starts in place of ipykernel_launcher.

The kernel joins the run at interpreter start (sitecustomize) as a helper process of the runner, and helper
processes do not turn on framework autolog (a script's multiprocessing workers would log each fit twice).
But the kernel is where a notebook's cells run: it is the script, so it applies LINEAGE_AUTOLOG_FRAMEWORKS
(the lineage.autolog.frameworks setting) as a launched script's own process does, then starts ipykernel."""
import sys


def _frameworks():
    try:
        from . import _autolog, _state
        if _state.run is not None:
            _autolog.frameworks_from_env()
    except Exception as e:
        sys.stderr.write("lineage: framework autolog is off in the notebook's kernel (%s: %s)\n" % (type(e).__name__, e))


def main():
    # As ipykernel_launcher: the working directory is not an import path while ipykernel loads (its
    # InteractiveShellApp puts it back for the cells).
    if sys.path and sys.path[0] == "":
        del sys.path[0]
    _frameworks()
    from ipykernel import kernelapp
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
