"""run.json for runs made by start_run, following the launcher's rules (src/core/launcher/launch.ts,
src/core/util/lineagePaths.ts, src/core/util/ids.ts) so both produce the same store."""
import json
import os
import re
import socket
import sys
import time

from ._state import warn

_ADJECTIVES = ["amber", "brisk", "calm", "deft", "eager", "fair", "grand", "hazy", "keen", "lucid",
               "mellow", "nimble", "proud", "quiet", "rapid", "sharp", "sunny", "tidy", "vivid", "witty"]
_NOUNS = ["birch", "cedar", "delta", "ember", "fjord", "grove", "harbor", "island", "lagoon", "meadow",
          "orchid", "pebble", "quartz", "river", "summit", "tundra", "valley", "willow", "yarrow", "zephyr"]


def now_iso(t=None):
    t = time.time() if t is None else t
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int(t % 1 * 1000)


def find_workspace(start):
    """The nearest folder upward holding `.lineage`; failing that the git root; failing that `start`."""
    env = os.environ.get("LINEAGE_WORKSPACE")
    if env:
        return os.path.abspath(env)
    d = os.path.abspath(start)
    git_root = None
    while True:
        if os.path.exists(os.path.join(d, ".lineage")):
            return d
        if git_root is None and os.path.exists(os.path.join(d, ".git")):
            git_root = d
        parent = os.path.dirname(d)
        if parent == d:
            return git_root or os.path.abspath(start)
        d = parent


def friendly_name(run_id, seq=None):
    """adjective-noun-N; N is the run's place among the workspace's run folders, so names do not repeat
    (the launcher names runs the same way); runs started in the same instant may share N."""
    n = int(run_id[-6:], 16)
    return "%s-%s-%d" % (_ADJECTIVES[n % 20], _NOUNS[(n // 20) % 20], n % 97 + 1 if seq is None else seq)


_RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")


def _count_entries(path):
    try:
        return max(1, sum(1 for n in os.listdir(path) if _RUN_ID.match(n)))
    except OSError:
        return 1


def default_experiment(workspace):
    script = sys.argv[0] if sys.argv else ""
    if script.endswith(".py"):
        folder = os.path.dirname(os.path.abspath(script))
        if folder != os.path.abspath(workspace) and os.path.basename(folder):
            return os.path.basename(folder)
    return os.path.basename(os.path.abspath(workspace)) or "default"


def create_run(workspace, name, experiment):
    runs = os.path.join(workspace, ".lineage", "runs")
    os.makedirs(runs, exist_ok=True)
    for _ in range(100):
        t = time.time()
        run_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime(t)) + "-" + os.urandom(3).hex()
        run_dir = os.path.join(runs, run_id)
        try:
            os.mkdir(run_dir)
            break
        except FileExistsError:
            continue
    else:
        raise RuntimeError("lineage: could not create a run folder in %s" % runs)
    os.mkdir(os.path.join(run_dir, "artifacts"))
    record = {
        "schema": 1,
        "id": run_id,
        "name": str(name) if name else friendly_name(run_id, _count_entries(runs)),
        "experiment": str(experiment) if experiment else default_experiment(workspace),
        "status": "running",
        "startedAt": now_iso(t),
        "command": list(sys.argv),
        "cwd": os.getcwd(),
        "createdBy": "python-sdk",
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "python": {"path": sys.executable, "version": sys.version.split()[0]},
    }
    write_atomic(os.path.join(run_dir, "run.json"), record)
    return run_id, run_dir, record


def end(run, status, exit_code, error):
    record = run._record
    record["status"] = status
    record["endedAt"] = now_iso()
    record["exitCode"] = exit_code
    if error:
        record["error"] = error[-2000:]
    try:
        write_atomic(os.path.join(run.dir, "run.json"), record)
    except OSError as e:
        warn("could not update run.json (%s)" % e)


def write_atomic(path, record):
    """Readers see the old or the new run.json, never a torn one, even across a crash."""
    folder = os.path.dirname(path)
    tmp = os.path.join(folder, ".%s.%d.%d.tmp" % (os.path.basename(path), os.getpid(), int(time.time() * 1000)))
    data = json.dumps(record, indent=2, ensure_ascii=False).encode("utf-8", "replace")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    try:  # makes the rename durable; not possible on every platform
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass
