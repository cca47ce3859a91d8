import * as fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** How often a line is written: each covers the second before it. */
const EVERY_MS = 1000;
/** The sampling timer's period: the floor of every figure (an idle loop shows ~10 ms). */
const RESOLUTION_MS = 10;

/**
 * A debug hook for benchmarks (bench/vscode_big_workspace.mjs), off unless the environment sets
 * LINEAGE_PERF_FILE: samples the extension host's event-loop delay (perf_hooks.monitorEventLoopDelay) and
 * appends one JSON line a second to that file, `{ from, to, maxMs, p99Ms, meanMs }` (epoch ms; delays in ms,
 * the timer's 10 ms period included), and a last one when the extension is deactivated. `maxMs` is the longest
 * the loop was blocked in that second, by anything running in the host.
 */
export function startEventLoopProbe(file = process.env.LINEAGE_PERF_FILE): { dispose(): void } | undefined {
  if (!file) return undefined;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let from = Date.now();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  const write = () => {
    const to = Date.now();
    if (histogram.count > 0) {
      const line = { from, to, maxMs: ms(histogram.max), p99Ms: ms(histogram.percentile(99)), meanMs: ms(histogram.mean) };
      try {
        fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
      } catch {
        /* a debug aid: never in the way */
      }
    }
    histogram.reset();
    from = to;
  };
  const timer = setInterval(write, EVERY_MS);
  timer.unref();
  return {
    dispose() {
      clearInterval(timer);
      write();
      histogram.disable();
    },
  };
}
