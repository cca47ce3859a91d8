"""Lineage: local-first experiment tracking. Zero dependencies (Python >= 3.8, stdlib only).

Under the Lineage launcher a run is already active; elsewhere call start_run(). Without a run, logging
calls warn once and do nothing, so a script never fails because tracking is off.

    import lineage
    with lineage.start_run(name="baseline"):      # not needed under the launcher
        lineage.log_params({"lr": 0.01, "epochs": 10})
        for epoch in range(10):
            lineage.log_metric("loss", 0.5 / (epoch + 1))   # step: the key's previous step + 1
        lineage.log_model("model.pkl", flavor="sklearn")

The public API, and where each part lives (this file only re-exports):
  * logging (_api):     log_param, log_params, log_metric, log_metrics, set_tag, log_artifact, log_model,
                        log_dataset, flush
  * runs (_run):        start_run, end_run, active_run, Run (in a Jupyter kernel start_run also records the
                        executed cells, and `%load_ext lineage` starts a run: _notebook_live)
  * notebooks:          `python -m lineage.notebook nb.ipynb -p k=v` runs a notebook as a run (notebook.py)
  * automatic (_autolog): autolog - argparse results as params, files read and written as datasets, and
                        scikit-learn / XGBoost fits (_autolog_sklearn, _autolog_xgboost; docs/autolog.md)
  * explanations (_explain): explain, log_explanation - attributions per row and input feature, stored as
                        docs/explanations-format.md says (numpy needed, imported only when called); the
                        what-if scorer is `python -m lineage.serve <run folder>`
The line format is docs/events-format.md. Internal modules: _state (the active run and warnings; imports
no other lineage module), _writer (events.jsonl), _capture (file audit hook), _record (run.json)."""
from ._api import (flush, log_artifact, log_dataset, log_metric, log_metrics, log_model, log_param,
                   log_params, set_tag)
from ._autolog import autolog
from ._explain import explain, log_explanation
from ._run import Run
# start_run/end_run as _run has them, plus the cells of a live Jupyter kernel; the IPython extension hooks
# make `%load_ext lineage` start a run (docs/notebooks.md).
from ._notebook_live import end_run, load_ipython_extension, start_run, unload_ipython_extension
from ._state import active_run
from . import _run

__version__ = "0.1.0"
__all__ = ["log_param", "log_params", "log_metric", "log_metrics", "set_tag", "log_artifact", "log_model",
           "log_dataset", "start_run", "end_run", "active_run", "autolog", "flush", "Run", "explain", "log_explanation"]

_run.activate_on_import()  # joins the launcher's run (LINEAGE_RUN_DIR) if sitecustomize did not
