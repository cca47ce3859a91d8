"""Notebooks run as runs (sdk/python/lineage/notebook.py, _notebook_params.py): parameters, the injected
cell, and real notebooks executed by `python -m lineage.notebook` in a real kernel (Debian's nbclient and
ipykernel) with the environment the launcher sets.

Run from the repository root: /usr/bin/python3 -m unittest discover -s test/python -p 'test_notebook*.py' -v"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SDK = os.path.join(REPO, "sdk", "python")
sys.path.insert(0, SDK)

import nbformat  # noqa: E402
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook  # noqa: E402

from lineage import _notebook_params as params  # noqa: E402
from lineage import notebook as runner  # noqa: E402

RUN_ID = "20260101-000000-abc123"


def tagged(source, *tags):
    cell = new_code_cell(source)
    cell.metadata["tags"] = list(tags)
    return cell


class ParamsTest(unittest.TestCase):
    def test_defaults_are_the_literal_assignments_in_order(self):
        src = "lr = 0.01\nepochs: int = 10\nname = 'base'\nlayers = [1, 2]\nseed = int('3')\na, b = 1, 2\nflag = True\n"
        self.assertEqual(list(params.defaults(src).items()),
                         [("lr", 0.01), ("epochs", 10), ("name", "base"), ("layers", [1, 2]), ("flag", True)])
        self.assertEqual(params.defaults("lr = (\n"), {})

    def test_values_are_typed_like_python_literals(self):
        self.assertEqual(params.parse_value("0.1"), 0.1)
        self.assertEqual(params.parse_value("7"), 7)
        self.assertIs(params.parse_value("true"), True)
        self.assertIs(params.parse_value("False"), False)
        self.assertIsNone(params.parse_value("null"))
        self.assertEqual(params.parse_value("[1, 2]"), [1, 2])
        self.assertEqual(params.parse_value("'quoted'"), "quoted")
        self.assertEqual(params.parse_value("adam"), "adam")
        self.assertEqual(params.parse_value("1e-3"), 0.001)
        self.assertEqual(params.parse_override("lr=a=b"), ("lr", "a=b"))
        for bad in ("lr", "=1", "1x=2", "a-b=3"):
            with self.assertRaises(ValueError):
                params.parse_override(bad)

    def test_injected_cell_goes_after_the_parameters_cell_and_replaces_an_old_one(self):
        cells = [new_markdown_cell("# t"), tagged("lr = 1", "parameters"), tagged("lr = 5", "injected-parameters"),
                 new_code_cell("print(lr)")]
        at = params.inject(cells, {"lr": 0.5, "name": "x"}, new_code_cell)
        self.assertEqual(at, 2)
        self.assertEqual(len(cells), 4)
        self.assertEqual(cells[2].metadata["tags"], ["injected-parameters"])
        ns = {}
        exec(cells[2].source, ns)
        self.assertEqual((ns["lr"], ns["name"]), (0.5, "x"))
        self.assertEqual(cells[3].source, "print(lr)")

    def test_without_a_parameters_cell_the_overrides_go_first_and_no_overrides_inject_nothing(self):
        cells = [new_code_cell("x = 1")]
        self.assertIsNone(params.inject(cells, {}, new_code_cell))
        self.assertEqual(len(cells), 1)
        self.assertEqual(params.inject(cells, {"x": 2}, new_code_cell), 0)
        self.assertIn("x = 2", cells[0].source)

    def test_argv(self):
        self.assertEqual(runner.parse_argv(["nb.ipynb", "-p", "lr=0.1", "-pepochs=3", "--out", "o.ipynb"]),
                         ("nb.ipynb", {"lr": 0.1, "epochs": 3}, "o.ipynb"))
        for bad in ([], ["nb.ipynb", "-p"], ["nb.ipynb", "--lr", "1"], ["a.ipynb", "b.ipynb"]):
            with self.assertRaises(runner.UsageError):
                runner.parse_argv(bad)

    def test_the_failed_cell_is_named_by_its_place_in_the_users_notebook(self):
        cell = {"execution_count": 4}
        self.assertEqual(runner.failed_cell_text("/w/nb.ipynb", 5, 2, cell, 6), "cell 5 of 6 in nb.ipynb, In [4]")
        self.assertEqual(runner.failed_cell_text("/w/nb.ipynb", 1, 2, cell, 6), "cell 2 of 6 in nb.ipynb, In [4]")
        self.assertEqual(runner.failed_cell_text("/w/nb.ipynb", 5, None, cell, 6), "cell 6 of 6 in nb.ipynb, In [4]")
        self.assertIn("injected parameters cell", runner.failed_cell_text("/w/nb.ipynb", 2, 2, cell, 6))


class RunnerTest(unittest.TestCase):
    """The runner in a real kernel, with the launcher's environment (the e2e test goes through `lineage run`)."""

    def setUp(self):
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="lineage-nb-test-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.ws = os.path.join(self.tmp, "ws")
        self.run_dir = os.path.join(self.ws, ".lineage", "runs", RUN_ID)
        os.makedirs(os.path.join(self.run_dir, "artifacts"))
        with open(os.path.join(self.ws, "data.csv"), "w") as f:
            f.write("x\n1\n2\n")

    def run_notebook(self, cells, *args):
        nb = new_notebook()
        nb.cells = cells
        nbformat.write(nb, os.path.join(self.ws, "nb.ipynb"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINEAGE_") and k != "PYTHONPATH"}
        env.update(PYTHONPATH=SDK, LINEAGE_RUN_DIR=self.run_dir, LINEAGE_RUN_ID=RUN_ID, LINEAGE_WORKSPACE=self.ws)
        p = subprocess.run([sys.executable, "-m", "lineage.notebook", "nb.ipynb", *args], cwd=self.ws, env=env,
                           capture_output=True, text=True, timeout=120)
        with open(os.path.join(self.run_dir, "events.jsonl")) as f:
            events = [json.loads(line) for line in f]
        return p, events

    def test_params_data_metrics_and_the_executed_notebook(self):
        p, events = self.run_notebook([
            tagged("lr = 0.01\nepochs = 2\n", "parameters"),
            new_code_cell("import lineage\nn = len(open('data.csv').read().split())\nlineage.log_metric('score', lr * n)\nprint('rows', n, lr)"),
        ], "-p", "lr=0.5")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("rows 3 0.5", p.stdout)  # the kernel's output, streamed to the runner's stdout
        got = {e["key"]: e["value"] for e in events if e["type"] == "param"}
        self.assertEqual(got, {"lr": 0.5, "epochs": 2})
        self.assertIn({"type": "tag", "key": "notebook", "value": "nb.ipynb"}, events)
        self.assertEqual([e["value"] for e in events if e["type"] == "metric" and e["key"] == "score"], [1.5])
        self.assertEqual([(e["path"], e["role"]) for e in events if e["type"] == "dataset"], [("data.csv", "input")])
        self.assertIn({"type": "artifact", "path": "artifacts/nb.ipynb"}, events)
        self.assertEqual(events[-1], {"type": "status", "status": "finished"})
        done = nbformat.read(os.path.join(self.run_dir, "artifacts", "nb.ipynb"), as_version=4)
        self.assertEqual([c.metadata.get("tags") for c in done.cells], [["parameters"], ["injected-parameters"], None])
        self.assertEqual(done.cells[2].outputs[0]["text"], "rows 3 0.5\n")

    def test_a_failing_cell_fails_the_run_with_its_place_and_traceback(self):
        p, events = self.run_notebook([
            tagged("k = 1", "parameters"),
            new_markdown_cell("text"),
            new_code_cell("def f():\n    return 1 / 0\nf()"),
            new_code_cell("print('never')"),
        ], "-p", "k=2")
        self.assertEqual(p.returncode, 1)
        self.assertNotIn("never", p.stdout)
        status = events[-1]
        self.assertEqual(status["status"], "failed")
        self.assertTrue(status["error"].startswith("Cell 3 of 4 in nb.ipynb, In [3] failed:"), status["error"])
        self.assertIn("return 1 / 0", status["error"])
        self.assertTrue(status["error"].endswith("ZeroDivisionError: division by zero (cell 3 of 4 in nb.ipynb, In [3])"))
        self.assertNotIn("\x1b[", status["error"])
        done = nbformat.read(os.path.join(self.run_dir, "artifacts", "nb.ipynb"), as_version=4)
        self.assertEqual(done.cells[3].outputs[0]["output_type"], "error")  # kept up to the failure

    def test_a_bad_parameter_is_a_usage_error_recorded_as_the_runs_error(self):
        p, events = self.run_notebook([new_code_cell("x = 1")], "-p", "no-such")
        self.assertEqual(p.returncode, 2)
        self.assertIn("name=value", p.stderr)
        self.assertEqual(events[-1]["status"], "failed")
        self.assertIn("name=value", events[-1]["error"])


if __name__ == "__main__":
    unittest.main()
