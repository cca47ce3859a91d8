"""Issue 11 item 9: the SDK when events.jsonl cannot be written (a full disk, simulated with /dev/full).

Run from the repository root: /usr/bin/python3 -m unittest discover -s test/python -v"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SDK = os.path.join(REPO, "sdk", "python")
RUN_ID = "20260101-000000-abc123"


@unittest.skipUnless(os.path.exists("/dev/full"), "needs /dev/full")
class DiskFullTest(unittest.TestCase):
    def setUp(self):
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="lineage-diskfull-"))
        self.run_dir = os.path.join(self.tmp, ".lineage", "runs", RUN_ID)
        os.makedirs(self.run_dir)
        # Every write to events.jsonl fails with ENOSPC, as on a full disk.
        os.symlink("/dev/full", os.path.join(self.run_dir, "events.jsonl"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_script(self, code):
        path = os.path.join(self.tmp, "train.py")
        with open(path, "w") as f:
            f.write(textwrap.dedent(code))
        env = dict(os.environ, LINEAGE_RUN_DIR=self.run_dir, LINEAGE_RUN_ID=RUN_ID, LINEAGE_WORKSPACE=self.tmp,
                   PYTHONPATH=SDK)
        env.pop("LINEAGE_SDK_OWNER_PID", None)
        return subprocess.run([sys.executable, path], cwd=self.tmp, env=env, capture_output=True, text=True,
                              timeout=60)

    def test_lost_points_are_counted_and_reported_on_stderr(self):
        r = self.run_script("""
            import lineage
            for i in range(2500):
                lineage.log_metric("loss", 1.0 / (i + 1))
            lineage.log_metric("acc", 0.5)
            print("done")
        """)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("done", r.stdout)
        self.assertIn("lineage: the disk is full: could not write events.jsonl", r.stderr)
        # The last word, which the launcher's keeper reads: every point this process logged, and how many were lost.
        m = re.search(r"lineage: the disk is full: (\d+) of (\d+) points this process logged \(pid (\d+)\) were not "
                      r"written to events\.jsonl", r.stderr)
        self.assertIsNotNone(m, r.stderr)
        self.assertEqual((int(m.group(1)), int(m.group(2))), (2501, 2501))
        self.assertEqual(r.stderr.count("could not write events.jsonl"), 1, "the first warning is given once")
        self.assertNotIn("Traceback", r.stderr)

    def test_a_forked_worker_reports_its_own_losses(self):
        r = self.run_script("""
            import os, lineage
            lineage.log_metric("parent", 1.0)
            lineage.flush()
            pid = os.fork()
            if pid == 0:
                for i in range(7):
                    lineage.log_metric("child", float(i))
                os._exit(0)
            os.waitpid(pid, 0)
        """)
        self.assertEqual(r.returncode, 0, r.stderr)
        counts = re.findall(r"(\d+) of (\d+) points this process logged \(pid (\d+)\)", r.stderr)
        by_pid = {p: (int(a), int(b)) for a, b, p in counts}
        self.assertEqual(len(by_pid), 2, r.stderr)
        self.assertIn((7, 7), by_pid.values(), "the child counts only its own points")
        self.assertIn((1, 1), by_pid.values(), "the parent's count is not doubled by the child's")

    def test_no_report_when_nothing_was_lost(self):
        os.remove(os.path.join(self.run_dir, "events.jsonl"))
        r = self.run_script("""
            import lineage
            lineage.log_metric("loss", 1.0)
        """)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("points this process logged", r.stderr)
        self.assertEqual(r.stderr, "")


if __name__ == "__main__":
    unittest.main()
