"""A run for a live kernel (sdk/python/lineage/_notebook_live.py): notebooks whose cells call start_run,
log and end_run, executed in a real ipykernel through Debian's nbclient, as a user's open notebook would be.

Run from the repository root: /usr/bin/python3 -m unittest discover -s test/python -p 'test_notebook*.py' -v"""
import hashlib
import json
import os
import shutil
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SDK = os.path.join(REPO, "sdk", "python")

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbformat.v4 import new_code_cell, new_notebook  # noqa: E402


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class LiveKernelTest(unittest.TestCase):
    def setUp(self):
        self.ws = os.path.realpath(tempfile.mkdtemp(prefix="lineage-live-test-"))
        self.addCleanup(shutil.rmtree, self.ws, True)
        os.makedirs(os.path.join(self.ws, ".lineage"))
        with open(os.path.join(self.ws, "d.csv"), "w") as f:
            f.write("a\n1\n")
        # A kernel started outside Lineage: the SDK importable, no launcher's run in the environment.
        self.saved = dict(os.environ)
        self.addCleanup(self.restore_env)
        for k in list(os.environ):
            if k.startswith("LINEAGE_"):
                del os.environ[k]
        os.environ["PYTHONPATH"] = SDK
        os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"

    def restore_env(self):
        os.environ.clear()
        os.environ.update(self.saved)

    def execute(self, sources, allow_errors=False):
        nb = new_notebook()
        nb.cells = [new_code_cell(s) for s in sources]
        NotebookClient(nb, kernel_name="python3", timeout=60, allow_errors=allow_errors,
                       resources={"metadata": {"path": self.ws}}).execute()  # the kernel is shut down after
        runs = os.listdir(os.path.join(self.ws, ".lineage", "runs"))
        self.assertEqual(len(runs), 1)
        run_dir = os.path.join(self.ws, ".lineage", "runs", runs[0])
        with open(os.path.join(run_dir, "events.jsonl")) as f:
            events = [json.loads(line) for line in f]
        with open(os.path.join(run_dir, "run.json")) as f:
            record = json.load(f)
        with open(os.path.join(run_dir, "artifacts", "cells.jsonl")) as f:
            cells = [json.loads(line) for line in f]
        return nb, record, events, cells

    def test_cells_between_start_run_and_end_run_are_recorded_in_order_with_their_hashes(self):
        sources = ["x = 1",
                   "import lineage\nrun = lineage.start_run(name='live')",
                   "data = open('d.csv').read()\nlineage.log_metric('m', 0.5)",
                   "y = x + 1\ny",
                   "y = x + 1\ny",  # the same code again: a second entry with the same hash
                   "lineage.end_run()",
                   "z = 3"]
        nb, record, events, cells = self.execute(sources)
        self.assertEqual(record["status"], "finished")
        self.assertEqual(record["name"], "live")
        # The kernel's folder, as a script's run is its script's folder (not ipykernel_launcher's "dist-packages").
        self.assertEqual(record["experiment"], os.path.basename(self.ws))
        self.assertEqual([c["sha256"] for c in cells], [sha(s) for s in sources[1:6]])
        self.assertEqual([c["order"] for c in cells], [1, 2, 3, 4, 5])
        self.assertEqual([c["execution_count"] for c in cells], [2, 3, 4, 5, 6])
        self.assertEqual([c.get("success") for c in cells], [True, True, True, True, None])
        self.assertTrue(cells[-1]["running"])  # end_run's own cell had not finished
        self.assertEqual(cells[2]["source"], "y = x + 1\ny")
        self.assertIn({"type": "artifact", "path": "artifacts/cells.jsonl"}, events)
        self.assertEqual([e["value"] for e in events if e.get("key") == "cells_executed"], [1, 2, 3, 4, 5])
        self.assertEqual([e["value"] for e in events if e.get("key") == "m"], [0.5])
        self.assertEqual([(e["path"], e["role"]) for e in events if e["type"] == "dataset"], [("d.csv", "input")])
        self.assertEqual(events[-1], {"type": "status", "status": "finished"})

    def test_load_ext_starts_a_run_that_the_kernels_shutdown_ends_and_failed_cells_are_marked(self):
        sources = ["%load_ext lineage", "import lineage\nlineage.log_metric('loss', 1.0)", "1 / 0", "print('after')"]
        nb, record, events, cells = self.execute(sources, allow_errors=True)
        self.assertEqual(record["status"], "finished")  # the kernel shut down cleanly: no end_run needed
        self.assertEqual([c["sha256"] for c in cells], [sha(s) for s in sources])
        self.assertEqual([c["success"] for c in cells], [True, True, False, True])
        self.assertEqual(cells[2]["error"], "ZeroDivisionError: division by zero")
        self.assertEqual([e["value"] for e in events if e.get("key") == "loss"], [1.0])
        self.assertEqual(events[-1]["type"], "status")


if __name__ == "__main__":
    unittest.main()
