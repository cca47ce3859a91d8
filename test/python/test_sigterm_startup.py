"""Issue 11 item 19: a script killed by SIGTERM is "killed (SIGTERM)" — also when the signal lands while the
interpreter is still starting up and the SDK's sitecustomize is joining the run (it used to leave by a
SystemExit that escaped site's initialisation: exit 1, "failed", in about 1 of 4 quick SIGTERMs). Made
deterministic here by a second sitecustomize on PYTHONPATH (the SDK's runs it first) that holds the import of
argparse, which the SDK makes after its SIGTERM handler is in place, until the test has sent the signal."""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from test_multiprocessing import SDK, LineageRunTestCase  # noqa: E402

SLOW_SITE = """
import os, sys, time

class _HoldArgparse(object):
    def find_spec(self, name, path=None, target=None):
        if name == "argparse" and not getattr(self, "held", False):
            self.held = True
            open(os.environ["LINEAGE_TEST_MARK"], "w").close()
            time.sleep(20)
        return None

sys.meta_path.insert(0, _HoldArgparse())
"""


class SigtermDuringStartupTest(LineageRunTestCase):
    def test_sigterm_while_the_sdk_joins_the_run_is_killed_by_sigterm(self):
        site = os.path.join(self.ws, "slow-site")
        os.makedirs(site)
        with open(os.path.join(site, "sitecustomize.py"), "w") as f:
            f.write(SLOW_SITE)
        with open(os.path.join(self.ws, "script.py"), "w") as f:
            f.write("print('the script ran')\n")
        mark = os.path.join(self.ws, "mark")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINEAGE_") and k != "PYTHONPATH"}
        env.update(LINEAGE_SDK_DIR=SDK, LINEAGE_PYTHON=sys.executable, PYTHONPATH=site, LINEAGE_TEST_MARK=mark)
        proc = subprocess.Popen(["node", self.cli, "run", "script.py"], cwd=self.ws, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            deadline = time.time() + 60
            while not os.path.exists(mark):
                self.assertLess(time.time(), deadline, "the script never reached the SDK's start-up")
                time.sleep(0.01)
            runs = os.path.join(self.ws, ".lineage", "runs")
            run_dir = os.path.join(runs, os.listdir(runs)[0])
            with open(os.path.join(run_dir, "run.json"), encoding="utf-8") as f:
                child = json.load(f)["childPid"]
            os.kill(child, signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                self._kill_leftovers()
        self.assertEqual(proc.returncode, 128 + signal.SIGTERM, err)
        self.assertNotIn("the script ran", out)
        with open(os.path.join(run_dir, "run.json"), encoding="utf-8") as f:
            record = json.load(f)
        self.assertEqual((record["status"], record.get("signal")), ("killed", "SIGTERM"), record)
        with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
            statuses = [json.loads(line) for line in f if '"status"' in line]
        self.assertEqual([s.get("status") for s in statuses], ["killed"])
        self.assertNotIn("SystemExit", open(os.path.join(run_dir, "console.log"), encoding="utf-8", errors="replace").read())


if __name__ == "__main__":
    unittest.main()
