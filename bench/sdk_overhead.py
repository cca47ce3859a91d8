"""Cost of lineage.log_metric against a hand-written loop that writes the same lines with an f-string.

Run with /usr/bin/python3 bench/sdk_overhead.py [calls] [rounds]. The last line of output is JSON:
{"sdk_us_per_call", "plain_us_per_call", "ratio", "calls"}; the target is sdk_us_per_call <= 2.0.
Each figure is the median of `rounds` (default 3) alternating runs, which keeps a busy machine's noise
from landing on only one side of the ratio."""
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
ROOT = tempfile.mkdtemp(prefix="lineage-bench-")
RUN_DIR = os.path.join(ROOT, ".lineage", "runs", "20260101-000000-000000")
os.makedirs(RUN_DIR)
os.environ.update(LINEAGE_RUN_DIR=RUN_DIR, LINEAGE_RUN_ID=os.path.basename(RUN_DIR), LINEAGE_WORKSPACE=ROOT)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sdk", "python"))

import lineage  # noqa: E402  (joins the run in LINEAGE_RUN_DIR on import, as under the launcher)


def bench_sdk(n):
    log_metric = lineage.log_metric
    values = [i * 0.001 + 0.5 for i in range(1000)]
    t0 = time.perf_counter()
    for i in range(n):
        log_metric("loss", values[i % 1000], step=i)
    lineage.flush()
    return time.perf_counter() - t0


def bench_plain(n):
    values = [i * 0.001 + 0.5 for i in range(1000)]
    path = os.path.join(ROOT, "plain.jsonl")
    t0 = time.perf_counter()
    with open(path, "a", encoding="utf-8") as f:
        write = f.write
        now = time.time
        for i in range(n):
            write(f'{{"type":"metric","key":"loss","value":{values[i % 1000]!r},"step":{i},"ts":{now():.3f}}}\n')
    elapsed = time.perf_counter() - t0
    os.remove(path)
    return elapsed


def metric_lines():
    events = os.path.join(RUN_DIR, "events.jsonl")
    with open(events, "rb") as f:
        count = sum(1 for line in f if line.startswith(b'{"type":"metric"'))
    os.truncate(events, 0)  # the SDK appends (O_APPEND), so the next round simply starts over
    return count


def main():
    sdk, plain = [], []
    try:
        for _ in range(ROUNDS):
            sdk.append(bench_sdk(CALLS))
            lines = metric_lines()
            assert lines == CALLS, "the SDK wrote %d metric lines for %d calls" % (lines, CALLS)
            plain.append(bench_plain(CALLS))
    finally:
        shutil.rmtree(ROOT, ignore_errors=True)
    sdk_us = statistics.median(sdk) / CALLS * 1e6
    plain_us = statistics.median(plain) / CALLS * 1e6
    print("log_metric: %.3f us/call, plain f-string + write: %.3f us/call (x%.2f); median of %d rounds of %d "
          "calls, Python %s" % (sdk_us, plain_us, sdk_us / plain_us, ROUNDS, CALLS, sys.version.split()[0]))
    print(json.dumps({"sdk_us_per_call": round(sdk_us, 3), "plain_us_per_call": round(plain_us, 3),
                      "ratio": round(sdk_us / plain_us, 3), "calls": CALLS}))


if __name__ == "__main__":
    main()
