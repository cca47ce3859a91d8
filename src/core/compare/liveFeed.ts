/**
 * What an open Compare panel is sent while its runs train. Only the points logged since the last message
 * go out (counted, and read as the range from the last x sent, so the step axis touches just the last
 * chunks); and
 * once the points appended since a series was last reduced would double what its chart holds, the whole
 * series is reduced again and sent with `replace`, so hours of live logging never grow a trace without
 * bound. Kept apart from the panel so it can be tested on a real store.
 */
import type { Store } from '../store/store';
import type { SeriesData, XAxis } from './types';
import { seriesFor } from './compareData';

export type LiveSeries = SeriesData & { replace?: boolean };

export class LiveFeed {
  /** The last x sent per (run, metric), and how many points of the series had been sent then. */
  private sentUpTo = new Map<string, number>();
  private sentTotal = new Map<string, number>();
  /** Points the webview holds per (run, metric). */
  private held = new Map<string, number>();

  /** `perSeries`: the chart's budget per series (pointsPerSeries of the selection). */
  constructor(private perSeries: number) {}

  /** The series just sent whole (an init): appends continue from their ends. */
  reset(series: SeriesData[], perSeries = this.perSeries): void {
    this.perSeries = perSeries;
    this.sentUpTo.clear();
    this.sentTotal.clear();
    this.held.clear();
    for (const s of series) this.remember(s);
  }

  /** What `runIds` logged for `metrics` since the last call, as appends or replacing series. */
  next(store: Store, runIds: string[], metrics: string[], xAxis: XAxis): LiveSeries[] {
    const out: LiveSeries[] = [];
    for (const metric of metrics) {
      for (const id of runIds) {
        const key = `${id}\0${metric}`;
        const upTo = this.sentUpTo.get(key) ?? -Infinity;
        const [s] = seriesFor(store, [id], metric, xAxis, Number.MAX_SAFE_INTEGER, { x0: upTo, x1: Infinity });
        if (!s) continue;
        // The points logged since are the last (total now - total then) in log order, and all of them lie at
        // or beyond the last x sent; x alone would lose points logged at that same x (two in one millisecond,
        // or per-batch values logged with step=epoch).
        const newer = s.total - (this.sentTotal.get(key) ?? 0);
        if (newer <= 0) continue;
        let from = Math.max(0, s.x.length - newer);
        // Steps that went back (a resumed run): only what lies beyond the last x sent can be appended.
        while (from < s.x.length && s.x[from] < upTo) from++;
        const added = s.x.length - from;
        this.sentTotal.set(key, s.total);
        if (added === 0) continue;
        const held = this.held.get(key) ?? 0;
        if (held + added > 2 * this.perSeries) {
          const [whole] = seriesFor(store, [id], metric, xAxis, this.perSeries);
          this.remember(whole);
          out.push({ ...whole, replace: true });
          continue;
        }
        this.sentUpTo.set(key, s.x[s.x.length - 1]);
        this.held.set(key, held + added);
        out.push({ ...s, x: s.x.slice(from), y: s.y.slice(from), min: undefined, max: undefined, exact: true });
      }
    }
    return out;
  }

  private remember(s: SeriesData): void {
    const key = `${s.runId}\0${s.metric}`;
    this.sentUpTo.set(key, s.x.length ? s.x[s.x.length - 1] : -Infinity);
    this.sentTotal.set(key, s.total);
    this.held.set(key, s.x.length);
  }
}
