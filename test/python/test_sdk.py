"""Python SDK tests: real scripts in real subprocesses, with the environment the launcher sets.

Run from the repository root: /usr/bin/python3 -m unittest discover -s test/python -v"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import unittest

try:
    import numpy  # noqa: F401
    HAVE_NUMPY = True
except ImportError:
    HAVE_NUMPY = False

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SDK = os.path.join(REPO, "sdk", "python")
RUN_ID = "20260101-000000-abc123"
ID_PATTERN = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")


def strict_json(text):
    def refuse(name):
        raise ValueError("bare %s is not JSON" % name)
    return json.loads(text, parse_constant=refuse)


def ts_text(line):
    return re.search(r'"ts":([0-9.]+)\}$', line).group(1)


class SdkTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="lineage-sdk-test-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.ws = os.path.join(self.tmp, "ws")
        self.run_dir = os.path.join(self.ws, ".lineage", "runs", RUN_ID)
        os.makedirs(os.path.join(self.run_dir, "artifacts"))
        with open(os.path.join(self.run_dir, "run.json"), "w") as f:
            json.dump({"schema": 1, "id": RUN_ID, "status": "running"}, f)

    def env(self, launcher=True, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINEAGE_") and k != "PYTHONPATH"}
        env["PYTHONPATH"] = SDK
        if launcher:
            env.update(LINEAGE_RUN_DIR=self.run_dir, LINEAGE_RUN_ID=RUN_ID, LINEAGE_WORKSPACE=self.ws)
        env.update(extra)
        return env

    def write(self, name, code):
        path = os.path.join(self.ws, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(textwrap.dedent(code))
        return path

    def run_script(self, code, args=(), launcher=True, cwd=None, env=None, **extra):
        script = self.write("script.py", code)
        return subprocess.run([sys.executable, script] + list(args), cwd=cwd or self.ws,
                              env=env or self.env(launcher, **extra), capture_output=True, text=True, timeout=120)

    def events(self, run_dir=None):
        with open(os.path.join(run_dir or self.run_dir, "events.jsonl"), encoding="utf-8") as f:
            text = f.read()
        self.assertTrue(text.endswith("\n"), "events.jsonl must end with a newline")
        return [strict_json(line) for line in text.splitlines()]

    def raw_lines(self):
        with open(os.path.join(self.run_dir, "events.jsonl"), encoding="utf-8") as f:
            return f.read().splitlines()

    def of_type(self, events, kind):
        return [e for e in events if e["type"] == kind]

    def metric_values(self, events, key):
        return [(e["step"], e["value"]) for e in events if e["type"] == "metric" and e["key"] == key]

    def assertOk(self, proc, code=0):
        self.assertEqual(proc.returncode, code, "stdout:\n%s\nstderr:\n%s" % (proc.stdout, proc.stderr))


class EventsFormatTest(SdkTestCase):
    def test_every_event_type_is_written_per_the_format(self):
        proc = self.run_script("""
            import os, lineage
            lineage.log_param("lr", 0.1)
            lineage.log_params({"epochs": 3, "flag": True, "none": None, "name": "a\\"b", "obj": [1, 2]})
            lineage.log_metric("rmse", 31250.5, step=0)
            lineage.log_metrics({"a": 1, "b": 2.5}, step=4)
            lineage.set_tag("team", "ünïcode")
            os.makedirs("data", exist_ok=True)
            open("data/houses.csv", "w").write("x\\n1\\n")
            open("model.pkl", "wb").write(b"model-bytes")
            print(lineage.log_artifact("data/houses.csv"))
            print(lineage.log_model("model.pkl", flavor="sklearn"))
            print(lineage.log_dataset("data/houses.csv", role="train"))
            print(lineage.log_dataset(os.path.dirname(os.getcwd()), role="input"))
            run = lineage.active_run()
            print(run.id, run.dir)
        """)
        self.assertOk(proc)
        self.assertEqual(proc.stdout.split("\n")[:4], ["artifacts/houses.csv", "artifacts/model.pkl",
                                                       "data/houses.csv", self.tmp])
        self.assertEqual(proc.stdout.split("\n")[4], "%s %s" % (RUN_ID, self.run_dir))
        lines = self.raw_lines()
        self.assertEqual(lines[0], '{"type":"header","schema":1,"writer":"lineage-python/0.1"}')
        env = strict_json(lines[1])
        self.assertEqual(env["type"], "env")
        self.assertEqual(env["python"], sys.executable)
        self.assertEqual(env["python_version"], sys.version.split()[0])
        self.assertIsInstance(env["pid"], int)
        self.assertEqual(lines[2:10], [
            '{"type":"param","key":"lr","value":0.1}',
            '{"type":"param","key":"epochs","value":3}',
            '{"type":"param","key":"flag","value":true}',
            '{"type":"param","key":"none","value":null}',
            '{"type":"param","key":"name","value":"a\\"b"}',
            '{"type":"param","key":"obj","value":[1,2]}',
            '{"type":"metric","key":"rmse","value":31250.5,"step":0,"ts":%s}' % ts_text(lines[8]),
            '{"type":"metric","key":"a","value":1,"step":4,"ts":%s}' % ts_text(lines[9]),
        ])
        self.assertRegex(lines[8], r'"ts":\d{10}\.\d{3}\}$')
        self.assertLess(abs(strict_json(lines[8])["ts"] - time.time()), 120)
        data = os.stat(os.path.join(self.ws, "data", "houses.csv"))
        model = os.stat(os.path.join(self.ws, "model.pkl"))
        self.assertEqual(lines[11:], [
            '{"type":"tag","key":"team","value":"ünïcode"}',
            '{"type":"artifact","path":"artifacts/houses.csv"}',
            '{"type":"artifact","path":"artifacts/model.pkl"}',
            '{"type":"model","path":"artifacts/model.pkl","flavor":"sklearn"}',
            '{"type":"dataset","path":"data/houses.csv","role":"train","size":4,"mtime":%r}' % data.st_mtime,
            '{"type":"dataset","path":"%s","role":"input"}' % self.tmp,
            # written by the script: automatic capture reports them when the script ends
            '{"type":"dataset","path":"data/houses.csv","role":"output","size":4,"mtime":%r,"auto":true}'
            % data.st_mtime,
            '{"type":"dataset","path":"model.pkl","role":"output","size":11,"mtime":%r,"auto":true}'
            % model.st_mtime,
            '{"type":"status","status":"finished"}',
        ])
        with open(os.path.join(self.run_dir, "artifacts", "model.pkl"), "rb") as f:
            self.assertEqual(f.read(), b"model-bytes")
        with open(os.path.join(self.run_dir, "run.json")) as f:
            self.assertEqual(json.load(f)["status"], "running", "run.json belongs to the launcher")

    @unittest.skipUnless(HAVE_NUMPY, "numpy is not installed for this interpreter")
    def test_non_finite_numpy_and_bad_metric_values(self):
        proc = self.run_script("""
            import lineage, numpy as np
            for v in (float("nan"), float("inf"), float("-inf"), np.float32(0.5), np.float64(0.25),
                      np.int64(7), np.float64("nan"), True, 10**400, 0.1):
                lineage.log_metric("m", v)
            lineage.log_param("np_param", np.float32(2.5))
            lineage.log_param("nan_param", float("nan"))
            for bad in ("1.5", None, [1]):
                try:
                    lineage.log_metric("bad", bad)
                except TypeError as e:
                    print("TypeError:", e)
        """)
        self.assertOk(proc)
        events = self.events()
        self.assertEqual([v for _, v in self.metric_values(events, "m")],
                         ["NaN", "Infinity", "-Infinity", 0.5, 0.25, 7.0, "NaN", 1.0, 10**400, 0.1])
        self.assertEqual([s for s, _ in self.metric_values(events, "m")], list(range(10)))
        params = {e["key"]: e["value"] for e in self.of_type(events, "param")}
        self.assertEqual(params, {"np_param": 2.5, "nan_param": "NaN"})
        self.assertEqual(proc.stdout.count("TypeError: lineage.log_metric: value must be a number"), 3)
        self.assertEqual(self.metric_values(events, "bad"), [])

    def test_default_steps_count_per_key(self):
        proc = self.run_script("""
            import lineage
            for i in range(3):
                lineage.log_metric("a", i)
            lineage.log_metric("b", 1.0)
            lineage.log_metric("a", 9.0, step=10)
            lineage.log_metric("a", 9.5)
            lineage.log_metric("b", 2.0)
        """)
        self.assertOk(proc)
        events = self.events()
        self.assertEqual([s for s, _ in self.metric_values(events, "a")], [0, 1, 2, 10, 11])
        self.assertEqual([s for s, _ in self.metric_values(events, "b")], [0, 1])

    def test_two_threads_lose_nothing(self):
        proc = self.run_script("""
            import threading, lineage
            def work(key):
                for i in range(50000):
                    lineage.log_metric(key, i * 0.5, step=i)
            threads = [threading.Thread(target=work, args=(k,)) for k in ("t1", "t2")]
            for t in threads: t.start()
            for t in threads: t.join()
        """)
        self.assertOk(proc)
        events = self.events()
        for key in ("t1", "t2"):
            self.assertEqual([s for s, _ in self.metric_values(events, key)], list(range(50000)))

    def test_lines_reach_disk_while_the_script_is_still_running(self):
        script = self.write("script.py", """
            import time, lineage
            lineage.log_metric("epoch_loss", 0.5)
            print("logged", flush=True)
            time.sleep(60)
        """)
        proc = subprocess.Popen([sys.executable, script], cwd=self.ws, env=self.env(), stdout=subprocess.PIPE)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        self.assertEqual(proc.stdout.readline().strip(), b"logged")
        deadline = time.time() + 5
        while time.time() < deadline and not self.metric_values(self.events(), "epoch_loss"):
            time.sleep(0.05)
        self.assertEqual(self.metric_values(self.events(), "epoch_loss"), [(0, 0.5)])
        self.assertEqual(self.of_type(self.events(), "status"), [])
        proc.stdout.close()


class EndOfScriptTest(SdkTestCase):
    LOG_1500 = textwrap.dedent("""
        import sys, lineage
        for i in range(1500):
            lineage.log_metric("loss", 1.0 / (i + 1))
    """)

    def assertAllLogged(self, events):
        self.assertEqual([s for s, _ in self.metric_values(events, "loss")], list(range(1500)))

    def test_exception_mid_script(self):
        proc = self.run_script(self.LOG_1500 + "raise ValueError('boom')\n")
        self.assertOk(proc, 1)
        self.assertIn("ValueError: boom", proc.stderr, "the traceback is still printed")
        events = self.events()
        self.assertAllLogged(events)
        status = self.of_type(events, "status")
        self.assertEqual(len(status), 1)
        self.assertEqual(status[0]["status"], "failed")
        self.assertIn("Traceback (most recent call last)", status[0]["error"])
        self.assertIn("ValueError: boom", status[0]["error"])
        self.assertEqual(events[-1]["type"], "status")

    def test_sys_exit_with_error_code(self):
        proc = self.run_script(self.LOG_1500 + "sys.exit(3)\n")
        self.assertOk(proc, 3)
        events = self.events()
        self.assertAllLogged(events)
        self.assertEqual([e["status"] for e in self.of_type(events, "status")], ["failed"])

    def test_sys_exit_zero_and_exit_builtin(self):
        proc = self.run_script(self.LOG_1500 + "sys.exit(0)\n")
        self.assertOk(proc)
        self.assertEqual([e["status"] for e in self.of_type(self.events(), "status")], ["finished"])
        os.remove(os.path.join(self.run_dir, "events.jsonl"))
        proc = self.run_script(self.LOG_1500 + "exit(2)\n")
        self.assertOk(proc, 2)
        self.assertEqual([e["status"] for e in self.of_type(self.events(), "status")], ["failed"])

    def test_keyboard_interrupt(self):
        proc = self.run_script(self.LOG_1500 + "raise KeyboardInterrupt\n")
        self.assertNotEqual(proc.returncode, 0)
        events = self.events()
        self.assertAllLogged(events)
        self.assertEqual([e["status"] for e in self.of_type(events, "status")], ["killed"])

    @unittest.skipUnless(hasattr(signal, "SIGKILL"), "POSIX signals")
    def test_sigterm_flushes_and_reports_killed(self):
        script = self.write("script.py", self.LOG_1500 + 'import time\nprint("ready", flush=True)\ntime.sleep(60)\n')
        proc = subprocess.Popen([sys.executable, script], cwd=self.ws, env=self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        self.assertEqual(proc.stdout.readline().strip(), b"ready")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 128 + signal.SIGTERM, err)
        events = self.events()
        self.assertAllLogged(events)
        self.assertEqual([e["status"] for e in self.of_type(events, "status")], ["killed"])

    def test_replaced_excepthook_still_reports_failed(self):
        proc = self.run_script(self.LOG_1500 + "sys.excepthook = lambda *a: print('custom hook')\nraise OSError('disk')\n")
        self.assertOk(proc, 1)
        self.assertIn("custom hook", proc.stdout)
        events = self.events()
        self.assertAllLogged(events)
        status = self.of_type(events, "status")
        self.assertEqual([e["status"] for e in status], ["failed"])
        self.assertIn("OSError: disk", status[0]["error"])

    def test_os_exit_still_flushes(self):
        proc = self.run_script(self.LOG_1500 + "import os\nos._exit(0)\n")
        self.assertOk(proc)
        events = self.events()
        self.assertAllLogged(events)
        self.assertEqual([e["status"] for e in self.of_type(events, "status")], ["finished"])

    @unittest.skipUnless(hasattr(os, "fork"), "fork start method")
    def test_forked_multiprocessing_workers_add_metrics(self):
        proc = self.run_script("""
            import multiprocessing as mp, lineage
            def work(i):
                lineage.log_metric("worker_%d" % i, float(i))
            if __name__ == "__main__":
                lineage.log_metric("parent", 1.0)
                ctx = mp.get_context("fork")
                procs = [ctx.Process(target=work, args=(i,)) for i in range(3)]
                for p in procs: p.start()
                for p in procs: p.join()
                import os
                pid = os.fork()
                if pid == 0:
                    lineage.log_metric("forked", 3.0)
                    os._exit(0)
                os.waitpid(pid, 0)
                lineage.log_metric("parent", 2.0)
        """)
        self.assertOk(proc)
        self.assertNotIn("multi-threaded", proc.stderr, "Python 3.12+ warns when forking with threads")
        self.assertEqual(self.metric_values(self.events(), "forked"), [(0, 3.0)])
        events = self.events()
        for i in range(3):
            self.assertEqual(self.metric_values(events, "worker_%d" % i), [(0, float(i))])
        self.assertEqual(len(self.metric_values(events, "parent")), 2)
        self.assertEqual([e["status"] for e in self.of_type(events, "status")], ["finished"])

    def test_python_subprocess_adds_metrics_but_does_not_end_the_run(self):
        child = self.write("child.py", """
            import lineage
            lineage.log_metric("child_metric", 1.5)
        """)
        proc = self.run_script("""
            import subprocess, sys, lineage
            lineage.log_metric("parent_metric", 1.0)
            subprocess.run([sys.executable, %r, "--flag"], check=True)
            lineage.log_metric("parent_metric", 2.0)
        """ % child)
        self.assertOk(proc)
        events = self.events()
        self.assertEqual(self.metric_values(events, "child_metric"), [(0, 1.5)])
        self.assertEqual(len(self.metric_values(events, "parent_metric")), 2)
        self.assertEqual([e["status"] for e in self.of_type(events, "status")], ["finished"])
        self.assertEqual(len(self.of_type(events, "env")), 1)
        self.assertEqual(self.of_type(events, "header"), [events[0]])


class DataCaptureTest(SdkTestCase):
    """Files the script opens under the workspace become dataset events, with no lineage call at all."""

    def setUp(self):
        super().setUp()
        self.csv = self.put("data/houses.csv", "sqft,price\n1200,250000\n1500,320000\n", mtime=1700000000.25)

    def put(self, rel, text, mtime=None):
        path = os.path.join(self.ws, *rel.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path

    def datasets(self, run_dir=None):
        return [e for e in self.events(run_dir) if e["type"] == "dataset"]

    def test_csv_read_is_an_input_with_size_and_mtime(self):
        proc = self.run_script("""
            import csv
            with open("data/houses.csv", newline="") as f:
                rows = list(csv.reader(f))
            with open("data/houses.csv") as f:  # once per (path, role)
                f.read()
            print(len(rows))
        """)
        self.assertOk(proc)
        self.assertEqual(proc.stdout.strip(), "3")
        st = os.stat(self.csv)
        self.assertEqual(self.datasets(), [{"type": "dataset", "path": "data/houses.csv", "role": "input",
                                            "size": st.st_size, "mtime": 1700000000.25, "auto": True}])
        events = self.events()
        self.assertEqual(events[-1], {"type": "status", "status": "finished"})

    @unittest.skipUnless(HAVE_NUMPY, "numpy is not installed for this interpreter")
    def test_numpy_loadtxt_is_captured(self):
        prices = self.put("data/prices.csv", "1,2\n3,4\n")
        proc = self.run_script("""
            import os, numpy as np
            os.chdir("data")  # relative paths are resolved against the cwd of the moment
            a = np.loadtxt("prices.csv", delimiter=",")
            print(a.sum())
        """)
        self.assertOk(proc)
        self.assertEqual(proc.stdout.strip(), "10.0")
        st = os.stat(prices)
        self.assertEqual(self.datasets(), [{"type": "dataset", "path": "data/prices.csv", "role": "input",
                                            "size": st.st_size, "mtime": st.st_mtime, "auto": True}])

    def test_written_files_are_outputs_with_their_final_size(self):
        proc = self.run_script("""
            import os, pickle, pathlib
            os.makedirs("outputs", exist_ok=True)
            with open("outputs/model.pkl", "wb") as f:
                pickle.dump({"w": [1.0] * 100}, f)
            with open("outputs/model.pkl", "rb") as f:  # reading back what the run wrote: no input
                pickle.load(f)
            with open("outputs/log.txt", "a") as f:
                f.write("epoch 1\\n")
            with open("outputs/log.txt", "a") as f:
                f.write("epoch 2\\n")
            pathlib.Path("outputs/metrics.json").write_text("{}")
            with open("data/houses.csv", "r+") as f:  # read and written: output
                f.seek(0, 2); f.write("1700,400000\\n")
            with open("outputs/model.tmp", "wb") as f:  # the atomic-save pattern
                f.write(b"final")
            os.replace("outputs/model.tmp", "outputs/final.bin")
            with open("scratch.txt", "w") as f:  # written and removed: not an output
                f.write("x")
            os.remove("scratch.txt")
        """)
        self.assertOk(proc)
        got = {e["path"]: e for e in self.datasets()}
        self.assertEqual(sorted(got), ["data/houses.csv", "outputs/final.bin", "outputs/log.txt",
                                       "outputs/metrics.json", "outputs/model.pkl"])
        for rel, e in got.items():
            st = os.stat(os.path.join(self.ws, rel))
            self.assertEqual(e, {"type": "dataset", "path": rel, "role": "output", "size": st.st_size,
                                 "mtime": st.st_mtime, "auto": True})
        self.assertEqual(got["outputs/log.txt"]["size"], 16)
        self.assertEqual(self.events()[-1], {"type": "status", "status": "finished"})

    def test_outputs_are_recorded_when_the_script_fails_or_is_terminated(self):
        proc = self.run_script("""
            open("out.txt", "w").write("partial")
            raise RuntimeError("boom")
        """)
        self.assertOk(proc, 1)
        events = self.events()
        self.assertEqual([(e["path"], e["role"], e["size"]) for e in self.datasets()], [("out.txt", "output", 7)])
        self.assertEqual(events[-1]["status"], "failed")
        if not hasattr(signal, "SIGKILL"):
            return
        os.remove(os.path.join(self.run_dir, "events.jsonl"))
        script = self.write("script.py", """
            import time
            with open("checkpoint.bin", "wb") as f:
                f.write(b"12345")
            print("ready", flush=True)
            time.sleep(60)
        """)
        proc = subprocess.Popen([sys.executable, script], cwd=self.ws, env=self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        self.assertEqual(proc.stdout.readline().strip(), b"ready")
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        events = self.events()
        self.assertEqual([(e["path"], e["role"], e["size"]) for e in self.datasets()],
                         [("checkpoint.bin", "output", 5)])
        self.assertEqual(events[-1]["status"], "killed")

    def test_what_is_left_out(self):
        outside = os.path.join(self.tmp, "outside.txt")
        with open(outside, "w") as f:
            f.write("outside the workspace")
        self.put("helper.py", "VALUE = 41\n")
        self.put("pkg/__init__.py", "")
        self.put("pkg/mod.py", "VALUE = 1\n")
        self.put(".git/config", "[core]\n")
        self.put(".lineage/notes.txt", "x")
        self.put("venv/lib/python3/site-packages/thing/data.txt", "x")
        self.put("assets/for_artifact.txt", "copied by log_artifact")
        os.makedirs(os.path.join(self.ws, "tmp"))
        proc = self.run_script("""
            import os, sys, tempfile, pathlib
            import helper, pkg.mod                      # local modules and their bytecode
            print(helper.VALUE + pkg.mod.VALUE)
            with tempfile.NamedTemporaryFile("w", delete=False) as t:  # TMPDIR is inside the workspace
                t.write("temp")
            open(t.name).read()
            fd, name = tempfile.mkstemp(); os.write(fd, b"x"); os.close(fd)
            open(%r).read()                             # outside the workspace
            open(".git/config").read()
            open(".lineage/notes.txt").read()
            open("venv/lib/python3/site-packages/thing/data.txt").read()
            open(os.path.join(os.environ["LINEAGE_RUN_DIR"], "mine.txt"), "w").write("run folder")
            fd = os.open("data", os.O_RDONLY); os.close(fd)  # a folder
            for p in (b"data/missing.csv", pathlib.Path("data/missing.csv"), "data/missing.csv"):
                try:
                    open(p)
                except FileNotFoundError:
                    print("missing")
            fd = os.open("helper.py", os.O_RDONLY)
            with open(fd) as f:                         # open(fd) sees no path
                f.read()
            import lineage
            print(lineage.log_artifact("assets/for_artifact.txt"))  # the SDK's own reads
        """ % outside, TMPDIR=os.path.join(self.ws, "tmp"))
        self.assertOk(proc)
        self.assertEqual(proc.stdout.split(), ["42", "missing", "missing", "missing", "artifacts/for_artifact.txt"])
        self.assertTrue(os.listdir(os.path.join(self.ws, "tmp")), "the script did write temp files")
        self.assertEqual(self.datasets(), [])

    def test_odd_paths_and_events_never_break_the_script(self):
        self.put("data/b.csv", "b")
        self.put("data/c.csv", "c")
        proc = self.run_script("""
            import os, sys
            class Unhashable(object):
                __hash__ = None
                def __fspath__(self):
                    return "data/c.csv"
            print(open(Unhashable()).read(), open(b"data/b.csv").read(),
                  open(os.path.abspath("data/houses.csv")).read(3))
            for args in ((), (1,), (None, None, None), (object(), "r", 0), ("x", None, "flags"), ([], "r", 0)):
                sys.audit("open", *args)
            for event in ("os.rename", "os.remove", "os.chdir"):
                sys.audit(event, 1)
                sys.audit(event)
            print("done")
        """)
        self.assertOk(proc)
        self.assertEqual(proc.stdout.split(), ["c", "b", "sqf", "done"])
        self.assertEqual(proc.stderr, "")
        self.assertEqual(sorted((e["path"], e["role"]) for e in self.datasets()),
                         [("data/b.csv", "input"), ("data/c.csv", "input"), ("data/houses.csv", "input")])

    def test_off_with_env_variable(self):
        proc = self.run_script("""
            open("data/houses.csv").read()
            open("out.txt", "w").write("x")
        """, LINEAGE_CAPTURE_DATA="0")
        self.assertOk(proc)
        self.assertEqual(self.datasets(), [])
        self.assertEqual(self.events()[-1], {"type": "status", "status": "finished"})

    def test_off_with_autolog_call_also_for_later_subprocesses(self):
        self.put("data/later.csv", "x\n")
        child = self.write("child.py", "open('data/child.csv', 'w').write('c')\n")
        proc = self.run_script("""
            import subprocess, sys, lineage
            open("data/houses.csv").read()
            lineage.autolog(data=False)
            open("data/later.csv").read()
            open("written_later.txt", "w").write("x")
            subprocess.run([sys.executable, %r], check=True)
            lineage.autolog(data=True)
            open("data/again.csv", "w").write("x")
        """ % child)
        self.assertOk(proc)
        self.assertEqual([(e["path"], e["role"]) for e in self.datasets()],
                         [("data/houses.csv", "input"), ("data/again.csv", "output")])

    def test_subprocesses_and_workers_record_too(self):
        child = self.write("child.py", """
            open("data/houses.csv").read()
            open("child_out.txt", "w").write("from the child")
        """)
        code = """
            import multiprocessing as mp, os, subprocess, sys, time
            def work(name):
                open(name, "w").write("from a pool worker")
            if __name__ == "__main__":
                subprocess.run([sys.executable, %r], check=True)
                with mp.get_context("spawn").Pool(1) as pool:  # the with block ends it by terminate()
                    pool.map(work, ["pool_out.txt"])
        """ % child
        if hasattr(os, "fork"):
            code += """
                pid = os.fork()
                if pid == 0:
                    open("forked_out.txt", "w").write("from the fork")
                    os._exit(0)
                os.waitpid(pid, 0)
            """
        proc = self.run_script(code)
        self.assertOk(proc)
        lines = self.datasets()
        expected = {("child_out.txt", "output"), ("data/houses.csv", "input"), ("pool_out.txt", "output")}
        if hasattr(os, "fork"):
            expected.add(("forked_out.txt", "output"))
        self.assertEqual({(e["path"], e["role"]) for e in lines}, expected)
        # Not the run's owner: an output line at the open (a worker may be killed), and one with the final
        # size and mtime at a normal exit; a pool worker ended by SIGTERM has only the first.
        sized = {e["path"]: e["size"] for e in lines if e["role"] == "output" and "size" in e}
        sized.pop("pool_out.txt", None)  # terminate() may find the worker already leaving
        self.assertEqual(sized, {"child_out.txt": 14, "forked_out.txt": 13} if hasattr(os, "fork")
                         else {"child_out.txt": 14})
        unsized = sorted(e["path"] for e in lines if e["role"] == "output" and "size" not in e)
        self.assertEqual(unsized, sorted(p for p, role in expected if role == "output"))
        self.assertEqual([e["status"] for e in self.of_type(self.events(), "status")], ["finished"])

    def test_start_run_outside_the_launcher_captures_too(self):
        os.makedirs(os.path.join(self.ws, ".git"))
        proc = self.run_script("""
            import lineage
            with lineage.start_run(name="x") as run:
                open("data/houses.csv").read()
                open("result.txt", "w").write("r")
                print(run.dir)
            open("after.txt", "w").write("not part of the run")
        """, launcher=False)
        self.assertOk(proc)
        run_dir = proc.stdout.strip()
        self.assertEqual([(e["path"], e["role"]) for e in self.datasets(run_dir)],
                         [("data/houses.csv", "input"), ("result.txt", "output")])

    def test_a_file_opened_many_times_is_recorded_once(self):
        # The cost of the hook is measured by bench/capture_overhead.py, not timed here.
        self.put("data/small.txt", "x\n")
        proc = self.run_script("""
            for _ in range(10000):
                open("data/small.txt").close()
        """, LINEAGE_CAPTURE_DATA="1")
        self.assertOk(proc)
        self.assertEqual({(e["path"], e["role"]) for e in self.datasets()}, {("data/small.txt", "input")})


class ArgparseAutologTest(SdkTestCase):
    SCRIPT = """
        import argparse, lineage
        {prelude}
        p = argparse.ArgumentParser()
        p.add_argument("--lr", type=float, default=0.1)
        p.add_argument("--layers", type=int, nargs="+", default=[2])
        p.add_argument("--fast", action="store_true")
        p.add_argument("--name")
        sub = p.add_subparsers(dest="cmd")
        train = sub.add_parser("train")
        train.add_argument("--epochs", type=int, default=5)
        print(p.parse_args())
    """

    def test_arguments_become_params_once(self):
        proc = self.run_script(self.SCRIPT.format(prelude=""), ["--lr", "0.5", "--fast", "train", "--epochs", "7"])
        self.assertOk(proc)
        params = [(e["key"], e["value"]) for e in self.of_type(self.events(), "param")]
        self.assertEqual(sorted(params), [("cmd", "train"), ("epochs", 7), ("fast", True), ("layers", [2]),
                                          ("lr", 0.5), ("name", None)])

    def test_off_with_env_variable(self):
        proc = self.run_script(self.SCRIPT.format(prelude=""), ["--lr", "0.5"], LINEAGE_AUTOLOG_ARGS="0")
        self.assertOk(proc)
        self.assertEqual(self.of_type(self.events(), "param"), [])

    def test_off_with_autolog_call(self):
        proc = self.run_script(self.SCRIPT.format(prelude="lineage.autolog(args=False)"), ["--lr", "0.5"])
        self.assertOk(proc)
        self.assertEqual(self.of_type(self.events(), "param"), [])


class ArtifactNameTest(SdkTestCase):
    def test_escaping_names_are_rejected_and_nothing_is_written_outside(self):
        proc = self.run_script("""
            import os, lineage
            open("f.txt", "w").write("hello")
            os.makedirs("plots/sub", exist_ok=True)
            open("plots/sub/a.png", "w").write("png")
            for name in ("../x", "a/../../x", "..", "/tmp/abs-name", "", ".", "C:/x", "..\\\\x"):
                try:
                    lineage.log_artifact("f.txt", name=name)
                    print("accepted", repr(name))
                except ValueError as e:
                    print("rejected")
            print(lineage.log_artifact("f.txt", name="nested/dir/f.txt"))
            print(lineage.log_artifact("plots"))
            inside = os.path.join(lineage.active_run().dir, "artifacts", "plots", "sub", "a.png")
            print(lineage.log_artifact(inside, name="plots/sub/a.png"))
        """)
        self.assertOk(proc)
        out = proc.stdout.splitlines()
        self.assertEqual(out[:8], ["rejected"] * 8)
        self.assertEqual(out[8:], ["artifacts/nested/dir/f.txt", "artifacts/plots", "artifacts/plots/sub/a.png"])
        self.assertFalse(os.path.exists(os.path.join(self.run_dir, "x")))
        self.assertFalse(os.path.exists(os.path.join(os.path.dirname(self.run_dir), "x")))
        self.assertFalse(os.path.exists("/tmp/abs-name"))
        self.assertEqual(sorted(os.listdir(os.path.join(self.run_dir, "artifacts"))), ["nested", "plots"])
        self.assertTrue(os.path.isfile(os.path.join(self.run_dir, "artifacts", "plots", "sub", "a.png")))
        paths = [e["path"] for e in self.of_type(self.events(), "artifact")]
        self.assertEqual(paths, ["artifacts/nested/dir/f.txt", "artifacts/plots", "artifacts/plots/sub/a.png"])


class StartRunTest(SdkTestCase):
    def setUp(self):
        super().setUp()
        self.project = os.path.join(self.tmp, "project")
        os.makedirs(os.path.join(self.project, ".git"))
        os.makedirs(os.path.join(self.project, "src"))

    def only_run(self):
        runs = os.path.join(self.project, ".lineage", "runs")
        names = os.listdir(runs)
        self.assertEqual(len(names), 1, names)
        self.assertRegex(names[0], ID_PATTERN)
        run_dir = os.path.join(runs, names[0])
        with open(os.path.join(run_dir, "run.json")) as f:
            return run_dir, json.load(f)

    def test_context_manager_creates_folder_and_final_run_json(self):
        proc = self.run_script("""
            import lineage
            with lineage.start_run(name="baseline", experiment="houses") as run:
                lineage.log_param("lr", 0.1)
                lineage.log_metric("loss", 0.5)
                print(run.id, run.dir, lineage.active_run() is run)
            print(lineage.active_run())
        """, launcher=False, cwd=os.path.join(self.project, "src"))
        self.assertOk(proc)
        run_dir, record = self.only_run()
        run_id, printed_dir, same = proc.stdout.split()[:3]
        self.assertEqual((run_id, printed_dir, same), (os.path.basename(run_dir), run_dir, "True"))
        self.assertEqual(proc.stdout.splitlines()[1], "None")
        for key, value in {"schema": 1, "id": run_id, "name": "baseline", "experiment": "houses",
                           "status": "finished", "createdBy": "python-sdk", "exitCode": 0,
                           "cwd": os.path.join(self.project, "src")}.items():
            self.assertEqual(record[key], value, key)
        self.assertEqual(record["command"], [os.path.join(self.ws, "script.py")])
        self.assertEqual(record["pid"] > 0, True)
        self.assertIsInstance(record["host"], str)
        for key in ("startedAt", "endedAt"):
            self.assertRegex(record[key], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(run_id[:15], record["startedAt"][:19].replace("-", "").replace(":", "").replace("T", "-"))
        events = self.events(run_dir)
        self.assertEqual(events[0]["type"], "header")
        self.assertEqual(self.metric_values(events, "loss"), [(0, 0.5)])
        self.assertEqual(events[-1], {"type": "status", "status": "finished"})
        self.assertFalse([n for n in os.listdir(run_dir) if n.endswith(".tmp")])

    def test_plain_call_ended_by_an_exception(self):
        proc = self.run_script("""
            import lineage
            run = lineage.start_run()
            lineage.log_metric("loss", 0.5)
            raise RuntimeError("bad data")
        """, launcher=False, cwd=self.project)
        self.assertOk(proc, 1)
        run_dir, record = self.only_run()
        self.assertEqual((record["status"], record["exitCode"]), ("failed", 1))
        self.assertRegex(record["name"], r"^[a-z]+-[a-z]+-1$")  # the first run of this workspace
        self.assertEqual(record["experiment"], "ws")  # the script's folder, as the launcher names it
        status = self.of_type(self.events(run_dir), "status")
        self.assertEqual(status[0]["status"], "failed")
        self.assertIn("RuntimeError: bad data", status[0]["error"])

    def test_end_run_and_reuse_of_an_existing_store(self):
        os.makedirs(os.path.join(self.tmp, ".lineage"))  # nearest .lineage upward wins over the git root
        proc = self.run_script("""
            import lineage
            lineage.start_run(name="a")
            lineage.log_metric("x", 1)
            lineage.end_run(status="killed")
            lineage.log_metric("x", 2)
        """, launcher=False, cwd=self.project)
        self.assertOk(proc)
        self.assertFalse(os.path.exists(os.path.join(self.project, ".lineage")))
        (name,) = os.listdir(os.path.join(self.tmp, ".lineage", "runs"))
        run_dir = os.path.join(self.tmp, ".lineage", "runs", name)
        with open(os.path.join(run_dir, "run.json")) as f:
            self.assertEqual(json.load(f)["status"], "killed")
        events = self.events(run_dir)
        self.assertEqual(self.metric_values(events, "x"), [(0, 1)])
        self.assertIn("no active run", proc.stderr)

    def test_start_run_under_the_launcher_returns_the_launcher_run(self):
        proc = self.run_script("""
            import lineage
            with lineage.start_run(name="ignored") as run:
                print(run.id)
                lineage.log_metric("x", 1)
        """)
        self.assertOk(proc)
        self.assertEqual(proc.stdout.strip(), RUN_ID)
        self.assertFalse(os.path.exists(os.path.join(self.project, ".lineage")))
        self.assertEqual(self.metric_values(self.events(), "x"), [(0, 1)])


class NoRunTest(SdkTestCase):
    def test_logging_without_a_run_warns_once_and_carries_on(self):
        proc = self.run_script("""
            import lineage
            print(lineage.active_run())
            lineage.log_metric("a", 1.0)
            lineage.log_metrics({"b": 2})
            lineage.log_param("p", 1)
            lineage.set_tag("t", "v")
            print(lineage.log_artifact("missing-file"), lineage.log_dataset("d.csv"))
            print("done")
        """, launcher=False, cwd=self.tmp)
        self.assertOk(proc)
        self.assertEqual(proc.stdout.split(), ["None", "None", "None", "done"])
        self.assertEqual(proc.stderr.count("lineage:"), 1, proc.stderr)
        self.assertIn("no active run", proc.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, ".lineage")))

    def test_broken_run_folder_never_stops_the_script(self):
        bogus = os.path.join(self.tmp, "not-a-folder")
        with open(bogus, "w") as f:
            f.write("x")
        proc = self.run_script("""
            import lineage
            lineage.log_metric("a", 1.0)
            print("still running")
        """, LINEAGE_RUN_DIR=os.path.join(bogus, "run"))
        self.assertOk(proc)
        self.assertEqual(proc.stdout.strip(), "still running")
        self.assertIn("lineage: run tracking is off", proc.stderr)
        self.assertEqual(proc.stderr.count("lineage:"), 2, proc.stderr)  # that line, then "no active run"

    def test_without_site_import_lineage_joins_the_run(self):
        script = self.write("script.py", "import lineage\nlineage.log_metric('a', 1.5)\n")
        proc = subprocess.run([sys.executable, "-S", script], cwd=self.ws, env=self.env(),
                              capture_output=True, text=True, timeout=60)
        self.assertOk(proc)
        events = self.events()
        self.assertEqual(self.metric_values(events, "a"), [(0, 1.5)])
        self.assertEqual(events[-1], {"type": "status", "status": "finished"})


class SiteCustomizeTest(SdkTestCase):
    def setUp(self):
        super().setUp()
        self.other = os.path.join(self.tmp, "other-site")
        os.makedirs(self.other)
        with open(os.path.join(self.other, "sitecustomize.py"), "w") as f:
            f.write(textwrap.dedent("""
                import os, sys
                open(os.environ["CHAINED_MARKER"], "w").write(__file__)
                sys.chained_saw = sys.modules["sitecustomize"].__name__
            """))
        self.marker = os.path.join(self.tmp, "chained.txt")

    def check(self, launcher):
        env = self.env(launcher, CHAINED_MARKER=self.marker)
        env["PYTHONPATH"] = os.pathsep.join([SDK, self.other])
        proc = self.run_script("""
            import sys, sitecustomize
            print(sitecustomize.__file__)
            print(sys.chained_saw)
            print("lineage" in sys.modules)
        """, env=env)
        self.assertOk(proc)
        with open(self.marker) as f:
            self.assertEqual(f.read(), os.path.join(self.other, "sitecustomize.py"))
        out = proc.stdout.splitlines()
        self.assertEqual(os.path.realpath(out[0]), os.path.realpath(os.path.join(SDK, "sitecustomize.py")))
        self.assertEqual(out[1:], ["sitecustomize", str(launcher)])
        self.assertEqual(proc.stderr, "")

    def test_chain_loads_the_next_sitecustomize_under_the_launcher(self):
        self.check(True)
        self.assertEqual(self.of_type(self.events(), "status"), [{"type": "status", "status": "finished"}])

    def test_chain_loads_the_next_sitecustomize_without_a_run(self):
        self.check(False)

    def test_the_system_sitecustomize_still_runs(self):
        import importlib.machinery
        # Compared as real paths: another test module may have put the SDK on sys.path spelled differently.
        sdk = os.path.realpath(SDK)
        spec = importlib.machinery.PathFinder.find_spec("sitecustomize", [p for p in sys.path if p and os.path.realpath(p) != sdk])
        if spec is None or not spec.origin:
            self.skipTest("this interpreter has no sitecustomize of its own")
        with open(spec.origin) as f:
            if "apport_python_hook" not in f.read():
                self.skipTest("only Debian's sitecustomize (it installs apport's hook) is recognised")
        # A stand-in for apport's module shows that Debian's file ran.
        fake = os.path.join(self.tmp, "fake-apport")
        os.makedirs(fake)
        with open(os.path.join(fake, "apport_python_hook.py"), "w") as f:
            f.write("def install():\n    import sys\n    sys.apport_installed = True\n")
        env = self.env(True)
        env["PYTHONPATH"] = os.pathsep.join([SDK, fake])
        proc = self.run_script("import sys\nprint(getattr(sys, 'apport_installed', False))\n", env=env)
        self.assertOk(proc)
        self.assertEqual(proc.stdout.strip(), "True")

    def test_a_failing_next_sitecustomize_does_not_stop_tracking(self):
        with open(os.path.join(self.other, "sitecustomize.py"), "w") as f:
            f.write("raise RuntimeError('broken site')\n")
        env = self.env(True)
        env["PYTHONPATH"] = os.pathsep.join([SDK, self.other])
        proc = self.run_script("import lineage\nlineage.log_metric('a', 1)\n", env=env)
        self.assertOk(proc)
        self.assertIn("RuntimeError: broken site", proc.stderr)
        self.assertEqual(self.metric_values(self.events(), "a"), [(0, 1)])


if __name__ == "__main__":
    unittest.main()
