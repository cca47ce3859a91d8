"""Cost of automatic data capture: 100,000 open()+close() of one workspace file in a real run folder,
with capture on, next to the same loop with it off (the anchor), alternating rounds.
Run with /usr/bin/python3 from the repo root. Last line: JSON."""
import json, os, subprocess, sys, tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CODE = """
import time, lineage
def once(n):
    t = time.perf_counter()
    for _ in range(n):
        open("data/small.txt").close()
    return time.perf_counter() - t
print(min(once(100000) for _ in range(3)))
"""

def run(ws, flag):
    run_dir = os.path.join(ws, ".lineage", "runs", "20260101-000000-00000%s" % flag)
    os.makedirs(run_dir, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "sdk", "python"), LINEAGE_RUN_DIR=run_dir,
               LINEAGE_RUN_ID=os.path.basename(run_dir), LINEAGE_WORKSPACE=ws, LINEAGE_CAPTURE_DATA=flag)
    out = subprocess.run([sys.executable, "-c", CODE], cwd=ws, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout)

with tempfile.TemporaryDirectory() as ws:
    os.makedirs(os.path.join(ws, "data"))
    with open(os.path.join(ws, "data", "small.txt"), "w") as f:
        f.write("x\n")
    times = {"0": [], "1": []}
    for _ in range(3):
        for flag in ("0", "1"):
            times[flag].append(run(ws, flag))
    off, on = min(times["0"]), min(times["1"])
    print("100,000 open()+close(): %.3f s with capture, %.3f s without (%+.1f%%)" % (on, off, (on / off - 1) * 100))
    print(json.dumps({"capture_s": on, "anchor_no_capture_s": off, "ratio": on / off}))
