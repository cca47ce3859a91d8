"""Issue 11 items 15 and 16: multiprocessing under a real `lineage run` (node dist/cli.js run, real pools).

15: a fork Pool must never hang, and only the run's main process writes the run's status.
16: metrics logged in Pool workers are on disk when the pool is left with `with Pool() as p: p.map(...)`
    (whose exit calls terminate()), for the fork, spawn and forkserver start methods; a worker terminated
    mid-task writes its points on SIGTERM, or the run says how many were lost.

Needs a built CLI (node scripts/build.mjs); it is copied under the build lock, since another build may
wipe dist/ meanwhile. Run from the repository root: /usr/bin/python3 -m unittest discover -s test/python -v"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SDK = os.environ.get("LINEAGE_TEST_SDK_DIR") or os.path.join(REPO, "sdk", "python")  # another copy: to try old code
LOCK = "/tmp/lineage-build.lock"
TIMEOUT = 240  # a hang fails the test instead of stopping the suite


def copy_cli(dest):
    names = [n for n in ("cli.js", "runKeeper.js", "ingestWorker.js", "sql-wasm.wasm")
             if os.path.exists(os.path.join(REPO, "dist", n))]
    copy = ["cp"] + [os.path.join(REPO, "dist", n) for n in names] + [dest]
    if shutil.which("flock"):
        copy = ["flock", LOCK] + copy
    subprocess.run(copy, check=True, timeout=600)
    return os.path.join(dest, "cli.js")


class LineageRunTestCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dist = tempfile.mkdtemp(prefix="lineage-mp-dist-")
        cls.cli = copy_cli(cls.dist)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dist, True)

    def setUp(self):
        self.ws = os.path.realpath(tempfile.mkdtemp(prefix="lineage-mp-test-"))
        self.addCleanup(shutil.rmtree, self.ws, True)
        os.makedirs(os.path.join(self.ws, ".lineage"))

    def lineage_run(self, code, python=None):
        with open(os.path.join(self.ws, "script.py"), "w") as f:
            f.write(textwrap.dedent(code))
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINEAGE_") and k != "PYTHONPATH"}
        env.update(LINEAGE_SDK_DIR=SDK, LINEAGE_PYTHON=python or sys.executable)
        try:
            proc = subprocess.run(["node", self.cli, "run", "script.py"], cwd=self.ws, env=env,
                                  capture_output=True, text=True, timeout=TIMEOUT, start_new_session=True)
        except subprocess.TimeoutExpired as e:
            self._kill_leftovers()
            self.fail("lineage run did not end within %d s (a hang); output:\n%s" % (TIMEOUT, e.stdout))
        runs = os.listdir(os.path.join(self.ws, ".lineage", "runs"))
        self.assertEqual(len(runs), 1, runs)
        run_dir = os.path.join(self.ws, ".lineage", "runs", runs[0])
        with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
            events = [json.loads(line) for line in f.read().splitlines()]
        with open(os.path.join(run_dir, "console.log"), encoding="utf-8", errors="replace") as f:
            console = f.read()
        self.assertEqual(proc.returncode, 0, "stdout:\n%s\nstderr:\n%s\nconsole:\n%s" % (proc.stdout, proc.stderr, console))
        return events, console

    def _kill_leftovers(self):
        # The script runs detached from the CLI; end the processes still running it (by their own pid).
        for pid in os.listdir("/proc") if os.path.isdir("/proc") else ():
            try:
                if pid.isdigit() and os.path.realpath("/proc/%s/cwd" % pid) == self.ws:
                    os.kill(int(pid), 9)
            except OSError:
                pass

    def statuses(self, events):
        return [e for e in events if e["type"] == "status"]

    def metric_counts(self, events):
        """Points per metric key."""
        counts = {}
        for e in events:
            if e["type"] == "metric":
                counts[e["key"]] = counts.get(e["key"], 0) + 1
        return counts


@unittest.skipUnless(hasattr(os, "fork"), "the fork start method")
class ForkPoolTest(LineageRunTestCase):
    def test_fork_pool_never_hangs_and_only_the_main_process_writes_the_status(self):
        events, console = self.lineage_run("""
            import multiprocessing as mp, os, signal, time
            for i in range(100):  # each one hung now and then (in 2 of 3 runs of 20)
                with mp.get_context("fork").Pool(4) as p:
                    p.map(abs, range(4))
            # A forked child is plain Python: SIGTERM kills it, and it writes no status of the run.
            pid = os.fork()
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            time.sleep(0.2)
            os.kill(pid, signal.SIGTERM)
            _, st = os.waitpid(pid, 0)
            print("child %s" % (os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGTERM))
            print("done")
        """)
        self.assertIn("child True", console)
        self.assertIn("done", console)
        self.assertEqual(self.statuses(events), [{"type": "status", "status": "finished"}])



POOL_SWEEP = """
    import multiprocessing as mp, lineage

    def task(arg):
        rep, t = arg
        for i in range(100):
            lineage.log_metric("rep%d/task%d" % (rep, t), i * 0.5)
        return t

    if __name__ == "__main__":
        ctx = mp.get_context("METHOD")
        for rep in range(5):
            with ctx.Pool(4) as p:  # its exit calls terminate()
                p.map(task, [(rep, t) for t in range(4)], chunksize=1)
        print("done")
"""


class PoolWorkerMetricsTest(LineageRunTestCase):
    def check(self, method):
        events, console = self.lineage_run(POOL_SWEEP.replace("METHOD", method))
        self.assertIn("done", console)
        counts = self.metric_counts(events)
        expected = {"rep%d/task%d" % (r, t): 100 for r in range(5) for t in range(4)}
        self.assertEqual(counts, expected, "4 tasks x 100 points in each of 5 pools")
        self.assertEqual(self.statuses(events), [{"type": "status", "status": "finished"}])

    @unittest.skipUnless(hasattr(os, "fork"), "the fork start method")
    def test_fork_pool_workers_keep_every_point(self):
        self.check("fork")

    def test_spawn_pool_workers_keep_every_point(self):
        self.check("spawn")

    @unittest.skipUnless(hasattr(os, "fork"), "the forkserver start method")
    def test_forkserver_pool_workers_keep_every_point(self):
        self.check("forkserver")


# The scripts print each line as one string: under `lineage run` stdout is unbuffered, so print("a", b) makes
# separate writes, and the workers' warnings on stderr (the same console.log) could land between them.
# Pool.terminate() while tasks are still running (issue 11 item 16, second half). MAX_AGE is raised in the
# task so that no timed flush writes the points first: they are exactly the points logged less than
# MAX_AGE (0.25 s) before a terminate, which only the worker's SIGTERM handler can write.
POOL_TERMINATE = """
    import multiprocessing as mp, sys, threading, time, lineage, lineage._writer as lw

    def init(q):
        global ready
        ready = q

    def task(t):
        lw.MAX_AGE = 3600.0
        lw.flush()
        for i in range(50):
            lineage.log_metric("task%d" % t, i * 0.5)
        if LOCKED:  # another thread holds the writer's lock: the handler cannot write without waiting
            held = threading.Event()
            threading.Thread(target=lambda: (lw._lock.acquire(), held.set(), time.sleep(600)), daemon=True).start()
            held.wait()
        ready.put(t)
        time.sleep(120)
        return t

    if __name__ == "__main__":
        ctx = mp.get_context("METHOD")
        q = ctx.Queue()
        p = ctx.Pool(4, initializer=init, initargs=(q,))
        p.map_async(task, range(4), chunksize=1)
        print("ready %s" % sorted(q.get(timeout=60) for _ in range(4)))
        p.terminate()
        p.join()
        print("exit codes %s" % [w.exitcode for w in p._pool])
        print("done")
"""


class PoolTerminateTest(LineageRunTestCase):
    def terminate(self, method, locked):
        events, console = self.lineage_run(POOL_TERMINATE.replace("METHOD", method).replace("LOCKED", str(locked)))
        self.assertIn("ready [0, 1, 2, 3]", console)
        self.assertIn("exit codes [-15, -15, -15, -15]", console)  # died by SIGTERM, as in plain Python
        self.assertIn("done", console)
        self.assertEqual(self.statuses(events), [{"type": "status", "status": "finished"}])
        counts = self.metric_counts(events)
        return counts, console, self.run_record()

    def run_record(self):
        runs = os.path.join(self.ws, ".lineage", "runs")
        with open(os.path.join(runs, os.listdir(runs)[0], "run.json"), encoding="utf-8") as f:
            return json.load(f)

    def check_flushed(self, method):
        for attempt in range(5):
            counts, console, record = self.terminate(method, False)
            self.assertEqual(counts, {"task%d" % t: 50 for t in range(4)}, "attempt %d" % attempt)
            self.assertNotIn("were lost", console)
            self.assertFalse(record.get("error"), record.get("error"))
            shutil.rmtree(os.path.join(self.ws, ".lineage", "runs"))

    @unittest.skipUnless(hasattr(os, "fork"), "the fork start method")
    def test_fork_workers_write_their_points_when_terminated(self):
        self.check_flushed("fork")

    def test_spawn_workers_write_their_points_when_terminated(self):
        self.check_flushed("spawn")

    def check_lost(self, method):
        counts, console, record = self.terminate(method, True)
        self.assertEqual(counts, {})
        self.assertEqual(console.count("a worker process was terminated: 50 of 50 points this process logged"), 4)
        self.assertIn("200 points logged in a worker process were lost when it was terminated", record.get("error") or "")
        show = subprocess.run(["node", self.cli, "show", record["id"]], cwd=self.ws, capture_output=True, text=True,
                              timeout=60, env={k: v for k, v in os.environ.items() if not k.startswith("LINEAGE_")})
        self.assertIn("200 points logged in a worker process were lost when it was terminated", show.stdout)

    @unittest.skipUnless(hasattr(os, "fork"), "the fork start method")
    def test_fork_workers_that_cannot_write_report_the_loss(self):
        self.check_lost("fork")

    def test_spawn_workers_that_cannot_write_report_the_loss(self):
        self.check_lost("spawn")


# A worker whose main thread is inside a long C call that releases the GIL and never returns to Python (here
# zlib at level 9 on 100 MB of random bytes; numpy's BLAS or a C extension's loop behave alike): SIGTERM's
# Python handler cannot run there, so the SDK's watcher thread writes the worker's queued points itself and
# ends it with SIGKILL after two seconds (issue 11 item 16, the last path). Pool.terminate() must return.
POOL_STUCK_IN_C = """
    import multiprocessing as mp, os, sys, time, zlib, lineage, lineage._writer as lw

    def init(q):
        global ready
        ready = q

    def task(t):
        lw.MAX_AGE = 3600.0
        lw.flush()
        data = os.urandom(100 * 1024 * 1024)
        for i in range(50):
            lineage.log_metric("stuck%d" % t, i * 0.5)
        ready.put(t)
        zlib.compress(data, 9)  # several seconds in C, GIL released, no signal check
        return t

    if __name__ == "__main__":
        q = mp.get_context("METHOD").Queue()
        p = mp.get_context("METHOD").Pool(1, initializer=init, initargs=(q,))
        p.map_async(task, [0], chunksize=1)
        print("ready %s" % q.get(timeout=60))
        t0 = time.time()
        p.terminate()
        p.join()
        print("exit codes %s" % [w.exitcode for w in p._pool])
        print("terminate took %.1f s" % (time.time() - t0))
        print("done")
"""


class PoolStuckInCTest(LineageRunTestCase):
    def stuck(self, method):
        events, console = self.lineage_run(POOL_STUCK_IN_C.replace("METHOD", method))
        self.assertIn("ready 0", console)
        self.assertIn("exit codes [-9]", console)  # the watcher's SIGKILL, not the compression's end
        took = float(console.split("terminate took ")[1].split(" s")[0])
        self.assertLess(took, 10.0, console)
        self.assertIn("done", console)
        counts = self.metric_counts(events)
        self.assertEqual(counts, {"stuck0": 50}, "the watcher wrote the worker's queued points before the SIGKILL")
        self.assertEqual(self.statuses(events), [{"type": "status", "status": "finished"}])

    @unittest.skipUnless(hasattr(os, "fork"), "the fork start method")
    def test_fork_worker_stuck_in_c_is_ended_with_its_points_written(self):
        self.stuck("fork")

    def test_spawn_worker_stuck_in_c_is_ended_with_its_points_written(self):
        self.stuck("spawn")


if __name__ == "__main__":
    unittest.main()
