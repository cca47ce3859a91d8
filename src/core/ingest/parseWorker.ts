/**
 * Worker-thread entry (bundled as dist/ingestWorker.js): parses events files so a big ingest uses every
 * core while the main thread writes to SQLite. Each slice is posted as soon as it is parsed, so memory
 * stays bounded however large the file.
 */
import { parentPort } from 'node:worker_threads';
import { parseNewEvents } from './parseNewEvents';
import type { MetricColumns } from '../events/fastMetrics';

export interface ParseRequest {
  id: number;
  file: string;
  offset: number;
  size: number;
  firstLine: number;
}

export type ParseReply = { id: number; slice: import('./ingestRun').ParsedSlice; last: false } | { id: number; last: true; error?: string };

parentPort?.on('message', (req: ParseRequest) => {
  try {
    for (const slice of parseNewEvents(req.file, req.offset, req.size, req.firstLine)) {
      // Typed arrays move to the main thread without a copy; plain arrays would be cloned element by element.
      const transfer: ArrayBuffer[] = [];
      const metrics = new Map<string, MetricColumns>();
      for (const [key, c] of slice.metrics) {
        const packed = { steps: Float64Array.from(c.steps), ts: Float64Array.from(c.ts), values: Float64Array.from(c.values), lines: [] as number[] };
        transfer.push(packed.steps.buffer, packed.ts.buffer, packed.values.buffer);
        metrics.set(key, packed);
      }
      parentPort!.postMessage({ id: req.id, slice: { ...slice, metrics }, last: false }, transfer);
    }
    parentPort!.postMessage({ id: req.id, last: true });
  } catch (err) {
    parentPort!.postMessage({ id: req.id, last: true, error: (err as Error).message });
  }
});
